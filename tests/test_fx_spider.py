"""The exchange-rate spiders (fx_ecb, fx_worldbank) against a local server (127.0.0.1, port 0), crawled as
adtrail crawls (``python -m spiders.run`` in a child process), then loaded: the real ECB history zip, the
demo's World Bank zip; an unchanged file skipped; an HTML page instead of the zip a failed source with
the earlier rates kept."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from analysis.fx import install_fx_rule
from demo.bulk_server import BundleServer
from demo.fx_world import ECB_PATH, WORLDBANK_PATH, generate_fx_files
from spiders.launch import run_crawl
from spiders.parsers import fx_worldbank
from warehouse import db, fx, load, snapshots

pytestmark = pytest.mark.slow
REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Service unavailable</title></head><body><h1>Maintenance"
             b"</h1></body></html>")
LAST_MODIFIED = dt.datetime(2026, 4, 13, 14, 56, tzinfo=dt.UTC)


def crawl(source: str, url: str, crawl_dir: Path, store: Path):
    setting = {"fx_ecb": "ECB_FX_URL", "fx_worldbank": "WORLDBANK_FX_URL"}[source]
    return run_crawl(source, crawl_dir, scope={}, settings={
        setting: url, "ADTRAIL_BULK_STORE": str(store), "ADTRAIL_MAX_RETRIES": "1",
        "ADTRAIL_BACKOFF_BASE_SECONDS": "0", "ADTRAIL_BACKOFF_MAX_SECONDS": "0", "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_TIMEOUT": "20"})


def load_into_new_snapshot(con, crawl_dir: Path, as_of: str):
    snapshot_id = snapshots.begin_or_resume(con, as_of, "test")
    result = load.load_crawl(con, snapshot_id, crawl_dir)
    snapshots.complete(con, snapshot_id)
    return snapshot_id, result


def rate_count(con, source: str) -> int:
    return con.execute("SELECT count(*) FROM fx_rate WHERE source = ?", [source]).fetchall()[0][0]


@pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")
def test_real_ecb_history_crawled_loaded_skipped_when_unchanged_and_kept_when_html_comes(tmp_path):
    body = (REALDATA / "fx" / "eurofxref-hist.zip").read_bytes()
    store = tmp_path / "store"
    con = db.connect(tmp_path / "adtrail.duckdb")
    install_fx_rule(con)  # as every adtrail load does
    with BundleServer(body, last_modified=LAST_MODIFIED, path=ECB_PATH) as server:
        first = crawl("fx_ecb", server.url, tmp_path / "crawl-1", store)
        assert first.complete, first.error
        [entry] = [f for f in first.manifest["files"] if f["kind"] == "bulk"]
        assert entry["sha256"] == hashlib.sha256(body).hexdigest() and entry["not_modified"] is False
        assert first.manifest["source"] == "fx_ecb"
        snapshot_id, result = load_into_new_snapshot(con, tmp_path / "crawl-1", "2026-04-14")
        assert result.status == "complete" and result.added == result.rates > 100_000
        [[usd]] = con.execute("SELECT rate_text FROM fx_rate WHERE source = 'ecb' AND currency = 'USD' "
                              "AND rate_date = DATE '2026-04-13'").fetchall()
        assert usd == "1.1684"
        assert con.execute("SELECT status, items_loaded FROM snapshot_source WHERE snapshot_id = ?",
                           [snapshot_id]).fetchall() == [("complete", result.rates)]
        [inr] = fx.usd_rates_at(con, [("INR", "2026-04-14")])
        assert inr["rate_source"] == "ecb" and inr["usd_per_unit"] == pytest.approx(1.1684 / 109.047)
        held = rate_count(con, "ecb")
        # The same crawl loaded again changes nothing.
        again = load.load_crawl(con, snapshots.begin_or_resume(con, "2026-04-15", "test"), tmp_path / "crawl-1")
        assert again.already_loaded and rate_count(con, "ecb") == held

        before = len(server.requests)
        second = crawl("fx_ecb", server.url, tmp_path / "crawl-2", store)
        assert second.complete, second.error
        # (404: robots.txt, which this server does not have)
        assert [(method, status) for method, status, _ in server.requests[before:] if status != 404] == [
            ("HEAD", 304)]
        assert [f for f in second.manifest["files"] if f["kind"] == "bulk"][0]["not_modified"] is True
        # the snapshot begun above is still running: begin_or_resume gives it back
        second_load = load.load_crawl(con, snapshots.begin_or_resume(con, "2026-04-15", "test"), tmp_path / "crawl-2")
        assert second_load.added == 0 and rate_count(con, "ecb") == held

    html = BundleServer(HTML_PAGE, path=ECB_PATH, content_type="text/html; charset=utf-8")
    with html:
        failed = crawl("fx_ecb", html.url, tmp_path / "crawl-3", store)
    assert not failed.complete
    error = failed.manifest["error"]
    assert failed.manifest["finish_reason"] == "not_a_file" and "sent an HTML page" in error
    assert "instead of the ECB's eurofxref-hist.zip" in error and "previous good file" in error
    assert (store / "fx_ecb" / "eurofxref-hist.zip").read_bytes() == body
    snapshots.complete(con, snapshots.begin_or_resume(con, "2026-04-15", "test"))
    snapshot_id, result = load_into_new_snapshot(con, tmp_path / "crawl-3", "2026-04-16")
    assert (result.status, result.rates) == ("failed", 0)
    assert con.execute("SELECT status, error FROM snapshot_source WHERE snapshot_id = ?",
                       [snapshot_id]).fetchall() == [("failed", error)]
    assert rate_count(con, "ecb") == held  # earlier rates kept
    con.close()


def test_worldbank_zip_crawled_and_loaded_and_a_damaged_zip_replaces_nothing(tmp_path):
    files = generate_fx_files()
    store = tmp_path / "store"
    con = db.connect(tmp_path / "adtrail.duckdb")
    install_fx_rule(con)  # as every adtrail load does
    with BundleServer(files.worldbank_zip, last_modified=files.last_modified, path=WORLDBANK_PATH) as server:
        url = server.url + "?downloadformat=csv"
        first = crawl("fx_worldbank", url, tmp_path / "crawl-1", store)
        assert first.complete, first.error
        _, result = load_into_new_snapshot(con, tmp_path / "crawl-1", "2026-02-02")
        in_file = len(fx_worldbank.parse(files.worldbank_zip))  # 4 economies, one average per year
        assert result.status == "complete" and result.rates == result.added == in_file >= 12
        assert {row[0] for row in con.execute("SELECT DISTINCT currency FROM fx_rate WHERE source = "
                                              "'worldbank'").fetchall()} == {"BDT", "KES", "NGN", "PKR"}
        [bdt] = fx.usd_rates_at(con, [("BDT", "2026-02-02")])
        assert bdt["rate_source"] == "worldbank" and bdt["rate_precision"] == "yearly_average"
        assert 1 / 140 < bdt["usd_per_unit"] < 1 / 100

        damaged = bytearray(files.worldbank_zip)
        damaged[len(damaged) // 2] ^= 0xFF
        server.body, server.etag = bytes(damaged), '"changed"'
        failed = crawl("fx_worldbank", url, tmp_path / "crawl-2", store)
    assert failed.manifest["finish_reason"] == "damaged_file"
    assert "nothing was replaced" in failed.manifest["error"]
    assert (store / "fx_worldbank" / "API_PA.NUS.FCRF_DS2_csv.zip").read_bytes() == files.worldbank_zip
    con.close()
