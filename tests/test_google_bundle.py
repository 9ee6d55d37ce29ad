"""The bundle reader and loader on the current release's files that have no public sample.

The fixtures in tests/fixtures/google_bundle were written from Google's column documentation (named in its
README.md). Expected figures are computed here from the CSVs with the csv module, never copied.
"""

import csv
import json
import math
import zipfile
from functools import reduce
from pathlib import Path

import pytest

from spiders.parsers import google_bundle
from spiders.parsers.google_bundle import BundleError, classify, parse_bucket, parse_google_bundle
from warehouse import db, load_google

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "google_bundle"
CURRENT = FIXTURES / "current"
CREATIVE = "google-political-ads-creative-stats.csv"
ADV_GEO = "google-political-ads-advertiser-geo-spend.csv"


def open_warehouse(path: Path):
    """A warehouse built by the project's own migrations, 050_google.sql included."""
    return db.connect(path)


def rows_of(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def make_zip(path: Path, files: dict[str, Path | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return path


@pytest.fixture
def warehouse(tmp_path):
    con = open_warehouse(tmp_path / "adtrail.duckdb")
    yield con
    con.close()


@pytest.fixture
def current_loaded(warehouse, tmp_path):
    bundle = make_zip(tmp_path / "bundle.zip", {p.name: p for p in CURRENT.glob("*.csv")})
    return warehouse, load_google.load_google_file(warehouse, 7, bundle)


def test_every_current_file_is_known_by_name_and_header(current_loaded):
    con, result = current_loaded
    expected = {"creative-stats": 6, "advertiser-geo-spend": 4, "advertiser-declared-stats": 2, "updated": 1,
                "advertiser-id-mapping": 2, "creative-id-mapping": 3}
    assert result.rows == expected
    assert result.unknown_members == []
    for p in CURRENT.glob("*.csv"):
        assert sum(result.rows[k.name] for k in google_bundle.KINDS if k.file_name == p.name) == len(rows_of(p))


def test_creative_ranges_one_observation_per_ad(current_loaded):
    con, _ = current_loaded
    rows = rows_of(CURRENT / CREATIVE)
    observations = con.execute(
        "SELECT ad_id, spend_kind, usd_low, usd_high, usd_estimate, usd_open_ended, currencies, period_start, "
        "period_end FROM google_spend_observation WHERE file_kind = 'creative-stats' ORDER BY row_number").fetchall()
    assert len(observations) == len(rows)
    currencies = [c.removeprefix("Spend_Range_Min_") for c in rows[0] if c.startswith("Spend_Range_Min_")]
    assert "NZD" in currencies and "HRK" not in currencies  # discovered from the header, not a list
    for row, (ad_id, kind, low, high, estimate, open_ended, count, start, end) in zip(rows, observations):
        low_usd, high_usd = int(row["Spend_Range_Min_USD"]), row["Spend_Range_Max_USD"]
        assert (ad_id, kind, low, count) == (row["Ad_ID"], "range", low_usd, len(currencies))
        if high_usd:
            assert (high, estimate, open_ended) == (int(high_usd), (low_usd + int(high_usd)) / 2, False)
        else:  # an open top bucket: "at least low"
            assert (high, estimate, open_ended) == (None, low_usd, True)
        assert (str(start), str(end)) == (row["Date_Range_Start"], row["Date_Range_End"])
    for currency in currencies:
        expected = sum(int(r[f"Spend_Range_Min_{currency}"]) for r in rows)
        got = con.execute("SELECT sum(amount_low), count(*) FROM google_spend_amount WHERE currency = ? AND "
                          "member = ?", [currency, CREATIVE]).fetchone()
        assert got == (expected, len(rows))


def test_impression_buckets_parsed_from_googles_labels(current_loaded):
    con, _ = current_loaded
    got = con.execute("SELECT r.impressions, o.impressions_low, o.impressions_high, o.impressions_open_ended "
                      "FROM google_spend_observation o JOIN raw_google_creative_stats r USING (snapshot_id, source, "
                      "member, row_number) ORDER BY o.row_number").fetchall()
    assert got == [("≤ 10k", 0, 10_000, False), ("10k-100k", 10_000, 100_000, False),
                   ("100k-1M", 100_000, 1_000_000, False), ("1M-10M", 1_000_000, 10_000_000, False),
                   ("> 10M", 10_000_000, None, True), ("≤ 10k", 0, 10_000, False)]


def test_advertiser_geo_spend_sums_and_rounding(current_loaded):
    con, _ = current_loaded
    rows = rows_of(CURRENT / ADV_GEO)
    for column in (c for c in rows[0] if c.startswith("Spend_")):
        currency = column.removeprefix("Spend_")
        values = [int(r[column]) for r in rows]
        step = reduce(math.gcd, (v for v in values if v > 0))
        got = con.execute("SELECT sum(amount_estimate), min(rounding_step), max(rounding_step), "
                          "sum(amount_high - amount_low) FROM google_spend_amount WHERE member = ? AND currency = ?",
                          [ADV_GEO, currency]).fetchone()
        widths = sum(v + step / 2 - max(0, v - step / 2) for v in values)
        assert (got[0], got[1], got[2], float(got[3])) == (sum(values), step, step, widths)
    zero_usd = con.execute("SELECT usd_low, usd_high, usd_estimate, country, subdivision_primary FROM "
                           "google_spend_observation WHERE subdivision_primary = 'US-CA'").fetchone()
    assert zero_usd == (0, 50, 0, "US", "US-CA")  # Google rounded it to 0 USD; INR 750 shows it was not 0


def test_declared_stats_updated_and_id_mappings_kept(current_loaded):
    con, _ = current_loaded
    declared = con.execute("SELECT region, advertiser_declared_name, advertiser_declared_promoter_name, "
                           "advertiser_declared_promoter_address FROM raw_google_advertiser_declared_stats "
                           "ORDER BY row_number").fetchall()
    assert declared == [("US-CA", "Citizens for Example, Inc., Yes on Prop 99", None, None),
                        ("NZ", None, "Kiwi Example Party Incorporated", "1 Example Street, Wellington 6011")]
    updated = con.execute("SELECT report_data_updated, updated_header FROM raw_google_updated").fetchall()
    assert updated == [("2024-11-12 03:15:00", "Report_Data_Updated_Time (PT)")]
    as_of = con.execute("SELECT DISTINCT reported_as_of FROM google_spend_observation").fetchall()
    assert as_of == [("2024-11-12 03:15:00",)]
    mappings = con.execute("SELECT mapping_kind, count(*) FROM raw_google_id_mapping GROUP BY 1 ORDER BY 1").fetchall()
    assert mappings == [("advertiser", 2), ("creative", 3)]
    assert con.execute("SELECT new_id FROM raw_google_id_mapping WHERE old_id = 'CR100000000000000003'").fetchone() == (
        "CR10000000000000000002",)


def test_older_creative_stats_spend_buckets(warehouse):
    path = FIXTURES / "older" / CREATIVE
    result = load_google.load_google_file(warehouse, 1, path)
    assert result.rows == {"creative-stats": 5} and result.unparsed_labels == {}
    got = warehouse.execute("SELECT o.spend_kind, a.bucket_label, o.usd_low, o.usd_high, o.usd_estimate, "
                            "o.usd_open_ended FROM google_spend_observation o JOIN google_spend_amount a "
                            "USING (snapshot_id, source, member, row_number) ORDER BY row_number").fetchall()
    assert got == [("bucket", "≤ 100", 0, 100, 50, False), ("bucket", "1k–50k", 1000, 50000, 25500, False),
                   ("bucket", "100–1k", 100, 1000, 550, False), ("bucket", "> 100k", 100000, None, 100000, True),
                   ("bucket", "50k–100k", 50000, 100000, 75000, False)]


@pytest.mark.parametrize("label, expected", [
    ("≤ 10k", (0, 10_000, False)), ("10k–100k", (10_000, 100_000, False)), ("1M–10M", (1_000_000, 10_000_000, False)),
    ("> 10M", (10_000_000, None, True)), ("≤ 100", (0, 100, False)), ("1k-50k", (1_000, 50_000, False)),
    ("> 100k", (100_000, None, True)), ("1,000+", (1_000, None, True)), ("2.5k - 5k", (2_500, 5_000, False)),
    ("about 100", (None, None, None)), ("50k-1k", (None, None, None)), ("", (None, None, None)),
])
def test_bucket_grammar(label, expected):
    assert parse_bucket(label) == expected


def test_unknown_labels_are_counted_never_guessed(warehouse, tmp_path):
    text = (FIXTURES / "older" / CREATIVE).read_text(encoding="utf-8").replace("≤ 100", "under a hundred")
    path = tmp_path / CREATIVE
    path.write_text(text, encoding="utf-8")
    result = load_google.load_google_file(warehouse, 1, path)
    assert result.unparsed_labels == {"under a hundred": 1}
    # the label stays beside empty bounds, so the gap is visible and traceable
    assert warehouse.execute("SELECT o.spend_kind, o.usd_low, o.usd_high, a.bucket_label FROM google_spend_observation o "
                             "JOIN google_spend_amount a USING (member, row_number) WHERE row_number = 1").fetchone() == (
        "bucket", None, None, "under a hundred")


def test_header_decides_for_a_renamed_file_and_alternative_names():
    assert classify("my-download.csv", ["Advertiser_ID", "Week_Start_Date", "Spend_USD"]).kind.name == \
        "advertiser-weekly-spend"
    member = classify("x.csv", ["Advertiser_ID", "Region", "Advertiser_Declared_Name",
                                "Advertiser_Declared_Promoter_Name", "Advertiser_Declared_Promoter_Address"])
    assert member.kind.name == "advertiser-declared-stats"
    assert member.fixed["advertiser_declared_promoter_address"] == "Advertiser_Declared_Promoter_Address"
    member = classify("google-political-ads-updated.csv", ["Report_Data_Updated_Date"])
    assert (member.kind.name, member.updated_header) == ("updated", "Report_Data_Updated_Date")
    geo = classify("g.csv", ["Country", "Country_Subdivision_Primary", "Country_Subdivision_Secondary", "Spend_USD"])
    assert (geo.kind.name, geo.rounded) == ("geo-spend", {"USD": "Spend_USD"})
    new_column = classify(CREATIVE, ["Ad_ID", "Ad_URL", "Spend_Range_Min_MXN", "Topic"])
    assert (new_column.range_min, new_column.extra) == ({"MXN": "Spend_Range_Min_MXN"}, ["Topic"])


def test_unknown_csv_kept_whole_and_misnamed_file_refused(warehouse, tmp_path):
    bundle = make_zip(tmp_path / "b.zip", {
        "google-political-ads-updated.csv": CURRENT / "google-political-ads-updated.csv",
        "google-political-ads-new-thing.csv": "Some_ID,Spend_USD\nX1,100\nX2,\n",
    })
    result = load_google.load_google_file(warehouse, 1, bundle)
    assert result.unknown_members == ["google-political-ads-new-thing.csv"]
    records = warehouse.execute("SELECT record FROM raw_google_other ORDER BY row_number").fetchall()
    assert [json.loads(r) for (r,) in records] == [{"Some_ID": "X1", "Spend_USD": "100"},
                                                  {"Some_ID": "X2", "Spend_USD": None}]
    wrong = make_zip(tmp_path / "wrong.zip", {CREATIVE: "Advertiser_ID,Week_Start_Date\nAR1,2024-01-07\n"})
    with pytest.raises(BundleError, match="named like Google's creative-stats file"):
        load_google.load_google_file(warehouse, 1, wrong)
    assert warehouse.execute("SELECT count(*) FROM raw_google_updated WHERE snapshot_id = 1").fetchone() == (1,)


def test_damaged_amount_named_and_nothing_lost(current_loaded, tmp_path):
    con, _ = current_loaded
    before = con.execute("SELECT count(*) FROM google_spend_amount WHERE snapshot_id = 7").fetchone()
    text = (CURRENT / ADV_GEO).read_text(encoding="utf-8").replace(",48100,", ",48.1k,")
    bad = make_zip(tmp_path / "bad.zip", {ADV_GEO: text})
    with pytest.raises(BundleError, match=r"row 2: Spend_USD is '48.1k', not a whole amount"):
        load_google.load_google_file(con, 7, bad)
    assert con.execute("SELECT count(*) FROM google_spend_amount WHERE snapshot_id = 7").fetchone() == before


def test_truncated_zip_says_to_crawl_again(warehouse, tmp_path):
    bundle = make_zip(tmp_path / "b.zip", {p.name: p for p in CURRENT.glob("*.csv")})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(bundle.read_bytes()[: bundle.stat().st_size // 2])
    with pytest.raises(BundleError, match="crawl again"):
        load_google.load_google_file(warehouse, 1, cut)


def test_parse_reads_the_zip_and_a_single_csv_the_same_way(tmp_path):
    bundle = make_zip(tmp_path / "bundle.zip", {f"folder/{p.name}": p for p in CURRENT.glob("*.csv")})
    items = list(parse_google_bundle(bundle))
    assert len(items) == sum(len(rows_of(p)) for p in CURRENT.glob("*.csv"))
    single = list(parse_google_bundle(CURRENT / CREATIVE))
    from_zip = [i for i in items if i["file_kind"] == "creative-stats"]
    strip = ("source_url", "fetched_at", "file_sha256", "member")
    assert [{k: v for k, v in i.items() if k not in strip} for i in single] == \
        [{k: v for k, v in i.items() if k not in strip} for i in from_zip]
    last = single[-2]
    assert (last["impressions_low"], last["impressions_high"], last["impressions_open_ended"]) == (10_000_000, None, True)
    assert last["spend_range_min"]["USD"] == 100000 and last["spend_range_max"]["USD"] is None
    assert json.dumps(single[0], ensure_ascii=False)  # plain JSON values only
    with pytest.raises(BundleError, match="not one of the files"):
        other = tmp_path / "other.csv"
        other.write_text("a,b\n1,2\n")
        list(parse_google_bundle(other))


def crawl_folder(root: Path, bundle: Path, *, status: str = "complete", error: str | None = None) -> Path:
    """A crawl folder as spiders/bulk.py writes it: the zip under bulk/ and a manifest listing it."""
    import hashlib
    from spiders.manifest import MANIFEST_FORMAT, STANDARD_COUNTS, scope_hash

    (root / "bulk").mkdir(parents=True)
    files = []
    if bundle is not None:
        target = root / "bulk" / "google-political-ads-transparency-bundle.zip"
        target.write_bytes(bundle.read_bytes())
        files.append({"path": "bulk/google-political-ads-transparency-bundle.zip", "kind": "bulk",
                      "sha256": hashlib.sha256(target.read_bytes()).hexdigest(), "size": target.stat().st_size,
                      "etag": '"e1"', "last_modified": None, "source_url": "http://127.0.0.1:9/bundle.zip",
                      "fetched_at": "2024-11-12T12:00:00+00:00", "not_modified": False})
    scope = {"file": "google-political-ads-transparency-bundle.zip"}
    (root / "manifest.json").write_text(json.dumps({
        "format": MANIFEST_FORMAT, "crawl_id": f"google-{root.name}", "source": "google_political_bundle",
        "platform": "google", "scope": scope, "scope_hash": scope_hash(scope), "started_at": "2024-11-12T11:59:00Z",
        "finished_at": "2024-11-12T12:00:01Z", "status": status, "finish_reason": "finished" if status == "complete"
        else "not_a_file", "error": error, "cursor": None, "counts": dict.fromkeys(STANDARD_COUNTS, 0),
        "files": files, "code_version": "test"}))
    return root


def test_crawl_folder_loads_into_core_and_the_explorer(tmp_path):
    from warehouse import db, snapshots
    from warehouse.queries import run_query

    bundle = make_zip(tmp_path / "bundle.zip", {p.name: p for p in CURRENT.glob("*.csv")})
    folder = crawl_folder(tmp_path / "crawl", bundle)
    con = db.connect(tmp_path / "adtrail.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2024-11-12", "test")
    result = load_google.load_google_crawl(con, snapshot_id, folder)
    assert result.status == "complete" and result.rows["creative-stats"] == 6
    assert load_google.load_google_crawl(con, snapshot_id, folder).skipped  # same crawl again: no change
    snapshots.complete(con, snapshot_id)
    rows = rows_of(CURRENT / CREATIVE)
    core = con.execute("SELECT ad_key, spend_currency, spend_low, spend_high, spend_open_ended, "
                       "platform_fields->'spend_other_currencies'->'EUR'->>'low', source_status "
                       "FROM mart_ad WHERE platform = 'google' ORDER BY ad_key").fetchall()
    expected = sorted((r["Ad_ID"], "USD", int(r["Spend_Range_Min_USD"]),
                       int(r["Spend_Range_Max_USD"]) if r["Spend_Range_Max_USD"] else None,
                       not r["Spend_Range_Max_USD"], str(float(r["Spend_Range_Min_EUR"])), "complete") for r in rows)
    assert core == expected
    countries = con.execute("SELECT ad_key, country FROM core_ad_country_reach ORDER BY 1").fetchall()
    assert countries == sorted((r["Ad_ID"], r["Regions"]) for r in rows if r["Regions"] != "EU")
    totals = run_query(con, "explorer_totals", snapshot_id=snapshot_id, platforms=["google"], countries=None,
                       advertiser=None, delivery_from=None, delivery_to=None, late_days=14)
    overall = totals.filter(totals["all_currencies"]).row(0, named=True)
    assert overall["ads"] == 6
    assert overall["spend_usd_low"] == sum(int(r["Spend_Range_Min_USD"]) for r in rows)
    assert overall["spend_usd_high"] is None  # one ad's top bucket is open: "at least"
    con.close()


def test_failed_crawl_recorded_as_failed_with_nothing_loaded(tmp_path):
    from warehouse import db, snapshots

    folder = crawl_folder(tmp_path / "crawl", None, status="failed", error="GET … sent an HTML page")
    con = db.connect(tmp_path / "adtrail.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2024-11-12", "test")
    result = load_google.load_google_crawl(con, snapshot_id, folder)
    assert (result.status, result.items_loaded, result.error) == ("failed", 0, "GET … sent an HTML page")
    assert con.execute("SELECT status, error FROM snapshot_source").fetchall() == [
        ("failed", "GET … sent an HTML page")]
    con.close()


def test_changed_bundle_file_refused_before_anything_is_loaded(tmp_path):
    from warehouse import db, snapshots

    bundle = make_zip(tmp_path / "bundle.zip", {p.name: p for p in CURRENT.glob("*.csv")})
    folder = crawl_folder(tmp_path / "crawl", bundle)
    with open(folder / "bulk" / "google-political-ads-transparency-bundle.zip", "ab") as handle:
        handle.write(b"tampered")
    con = db.connect(tmp_path / "adtrail.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2024-11-12", "test")
    with pytest.raises(load_google.GoogleLoadError, match="changed after the crawl"):
        load_google.load_google_crawl(con, snapshot_id, folder)
    assert con.execute("SELECT count(*) FROM snapshot_source").fetchall() == [(0,)]
    con.close()


def test_files_that_are_not_the_bundle_are_refused(warehouse, tmp_path):
    page = tmp_path / "google-political-ads-transparency-bundle.zip"
    page.write_text("<!DOCTYPE html><html><body>Service Unavailable</body></html>\n")
    with pytest.raises(BundleError, match="not one of the files of Google's political ads bundle"):
        load_google.load_google_file(warehouse, 1, page)
    empty = make_zip(tmp_path / "empty.zip", {"README.txt": "nothing here"})
    with pytest.raises(BundleError, match="the zip holds no CSV"):
        load_google.load_google_file(warehouse, 1, empty)
    assert warehouse.execute("SELECT count(*) FROM raw_google_other").fetchall() == [(0,)]
