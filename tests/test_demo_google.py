"""The demo's Google bundle: read by the project's own bundle reader and loader, shaped like Google's real
files, moving on realistically from week to week; and the local object store that serves it."""

import csv
import io
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from demo.bulk_server import BundleServer
from demo.google_bundle_files import HEADERS, generate_google_bundle
from demo.google_money import CURRENCIES
from demo.google_world import generate_google_world
from demo.world import generate_world
from spiders.parsers.google_bundle import KINDS, classify, parse_bucket, parse_google_bundle
from warehouse import db, load_google

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
REAL_GOOGLE = REALDATA / "google"


@pytest.fixture(scope="module")
def week1():
    return generate_google_bundle(1)


@pytest.fixture(scope="module")
def week2():
    return generate_google_bundle(2)


def rows(bundle, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(bundle.files[name])))


def test_every_csv_is_recognised_and_every_label_parsed(week1, tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_bytes(week1.zip_bytes)
    items = list(parse_google_bundle(path))
    kinds = {item["file_kind"] for item in items}
    assert kinds == {"creative-stats", "advertiser-stats", "advertiser-weekly-spend", "advertiser-geo-spend",
                     "geo-spend", "advertiser-declared-stats", "updated"}
    for name, text in week1.files.items():
        assert sum(item["member"] == name for item in items) == text.count("\n") - 1
        member = classify(name, next(csv.reader(io.StringIO(text))))
        assert member.extra == [], f"{name}: columns no rule knows: {member.extra}"
    creatives = [item for item in items if item["file_kind"] == "creative-stats"]
    assert all(item["impressions_low"] is not None for item in creatives)
    for item in creatives:
        assert set(item["spend_range_min"]) == set(item["spend_range_max"]) == set(CURRENCIES) - {"HRK"}
        # the deprecated Spend_USD label is left empty, as in the current release: nothing to parse
        assert set((item.get("spend_buckets") or {}).values()) <= {None}
    weekly = [item for item in items if item["file_kind"] == "advertiser-weekly-spend"]
    assert all(set(item["spend"]) == set(CURRENCIES) for item in weekly)


def test_the_warehouse_loads_it_whole(week1, tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_bytes(week1.zip_bytes)
    con = db.connect(tmp_path / "adtrail.duckdb")
    try:
        result = load_google.load_google_file(con, 1, path)
        assert result.unknown_members == [] and result.unparsed_labels == {}
        assert result.rows["creative-stats"] == len(rows(week1, "google-political-ads-creative-stats.csv"))
        steps = dict(con.execute("SELECT currency, max(rounding_step) FROM google_spend_amount "
                                 "WHERE spend_kind = 'rounded' GROUP BY 1").fetchall())
        # Every amount is a multiple of the currency's step, so the loader's GCD is the step or a multiple.
        assert all(steps[code] % step == 0 for code, (_, step) in CURRENCIES.items())
    finally:
        con.close()


def test_amounts_are_converted_and_rounded_like_google(week1):
    for row in rows(week1, "google-political-ads-advertiser-stats.csv"):
        usd = int(row["Spend_USD"])
        for code, (rate, step) in CURRENCIES.items():
            amount = int(row[f"Spend_{code}"])
            assert amount % step == 0
            # both were rounded from one true amount: USD within +-50 of it, the currency within step/2
            assert abs(amount - usd * rate) <= 50 * rate + step / 2 + 1e-6, (code, row)
    for row in rows(week1, "google-political-ads-creative-stats.csv"):
        low, high = row["Spend_Range_Min_USD"], row["Spend_Range_Max_USD"]
        assert (int(low), int(high) if high else None) in {(0, 100), (100, 1000), (1000, 50000), (50000, 100000),
                                                          (100000, None)}
        assert parse_bucket(row["Impressions"])[0] is not None
        assert 1 <= int(row["Num_of_Days"]) and row["Date_Range_Start"] <= row["Date_Range_End"]


@pytest.mark.skipif(not REAL_GOOGLE.exists(), reason="needs ../shared/realdata")
@pytest.mark.parametrize("name", ["google-political-ads-advertiser-stats.csv",
                                  "google-political-ads-advertiser-weekly-spend.csv",
                                  "google-political-ads-geo-spend.csv"])
def test_headers_extend_the_real_2019_files(name):
    with open(REAL_GOOGLE / name, encoding="utf-8", newline="") as handle:
        real = next(csv.reader(handle))
    demo = HEADERS[name]
    assert [column for column in demo if column in real] == real  # every real column, in the real order
    assert all(column.startswith("Spend_") for column in demo if column not in real)  # later currencies
    real_member, demo_member = classify(name, real), classify(name, demo)
    assert real_member.kind is demo_member.kind and real_member.fixed == demo_member.fixed
    assert set(real_member.rounded) < set(demo_member.rounded)


def test_known_kinds_cover_every_file():
    assert {kind.file_name for kind in KINDS} >= set(HEADERS)


def test_some_advertisers_are_the_meta_demo_pages():
    world = generate_google_world(1)
    meta = generate_world(1)
    shared = [a for a in world.advertisers.values() if a.meta_page_id]
    assert len(shared) >= 10
    for advertiser in shared:
        page = meta.pages[advertiser.meta_page_id]
        assert (advertiser.name, advertiser.country) == (page.name, page.country)
    assert {a.country for a in world.advertisers.values()} == {"IN", "BR", "ZA", "US"}


def test_same_week_same_bytes(week1):
    assert generate_google_bundle(1).zip_bytes == week1.zip_bytes


def test_week_two_moves_on_from_week_one(week1, week2):
    creative = "google-political-ads-creative-stats.csv"
    before = {row["Ad_ID"]: row for row in rows(week1, creative)}
    after = {row["Ad_ID"]: row for row in rows(week2, creative)}
    assert set(before) < set(after) and len(after) - len(before) >= 30
    grew = 0
    for ad_id, old in before.items():
        new = after[ad_id]
        assert (new["Date_Range_Start"], new["Advertiser_ID"]) == (old["Date_Range_Start"], old["Advertiser_ID"])
        assert new["Date_Range_End"] >= old["Date_Range_End"]
        assert int(new["Spend_Range_Min_USD"]) >= int(old["Spend_Range_Min_USD"])
        grew += new["Date_Range_End"] > old["Date_Range_End"]
    assert grew > 0 and grew < len(before)  # some kept running, others had ended
    stats = "google-political-ads-advertiser-stats.csv"
    old_total = {r["Advertiser_ID"]: int(r["Spend_USD"]) for r in rows(week1, stats)}
    new_total = {r["Advertiser_ID"]: int(r["Spend_USD"]) for r in rows(week2, stats)}
    assert all(new_total[a] >= usd for a, usd in old_total.items())
    assert sum(new_total.values()) > sum(old_total.values())
    weekly = "google-political-ads-advertiser-weekly-spend.csv"
    last_week = max(r["Week_Start_Date"] for r in rows(week1, weekly))
    old_weeks = {(r["Advertiser_ID"], r["Week_Start_Date"]): r for r in rows(week1, weekly)}
    new_weeks = {(r["Advertiser_ID"], r["Week_Start_Date"]): r for r in rows(week2, weekly)}
    assert set(old_weeks) < set(new_weeks)
    for key, row in old_weeks.items():  # finished weeks are history: unchanged
        if key[1] < last_week:
            assert new_weeks[key] == row
    assert week2.updated > week1.updated and week2.last_modified > week1.last_modified


def fetch(url: str, method: str = "GET", **headers):
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def test_object_store_validators_conditionals_and_ranges(week1):
    body = week1.zip_bytes
    with BundleServer(body, last_modified=week1.last_modified) as server:
        status, headers, payload = fetch(server.url, "HEAD")
        assert (status, payload, int(headers["Content-Length"])) == (200, b"", len(body))
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert headers["Accept-Ranges"] == "bytes" and modified.endswith("GMT")
        assert fetch(server.url)[2] == body
        assert fetch(server.url, **{"If-None-Match": etag})[0] == 304
        assert fetch(server.url, **{"If-None-Match": '"other"'})[0] == 200
        assert fetch(server.url, **{"If-Modified-Since": modified})[0] == 304
        assert fetch(server.url, **{"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
        status, headers, payload = fetch(server.url, Range="bytes=100-", **{"If-Range": etag})
        assert (status, payload) == (206, body[100:])
        assert headers["Content-Range"] == f"bytes 100-{len(body) - 1}/{len(body)}"
        assert fetch(server.url, Range="bytes=-10")[2] == body[-10:]
        status, _, payload = fetch(server.url, Range="bytes=100-", **{"If-Range": '"an older version"'})
        assert (status, payload) == (200, body)
        status, headers, _ = fetch(server.url, Range=f"bytes={len(body)}-")
        assert (status, headers["Content-Range"]) == (416, f"bytes */{len(body)}")
        assert fetch(server.url.rsplit("/", 1)[0] + "/other.zip")[0] == 404
        assert zipfile.ZipFile(io.BytesIO(fetch(server.url)[2])).testzip() is None
