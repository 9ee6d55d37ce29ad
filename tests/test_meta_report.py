"""Meta Ad Library Report files (../shared/realdata/meta) imported into a real warehouse: every row, "≤100"
kept as the bucket 0-100, Pacific dates and the period from the file name; an HTML page saved instead of the
zip and a CSV whose header changed are refused with a clear error, and nothing else is lost."""

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from cli import main
from spiders.parsers import meta_report
from warehouse import db, snapshots
from warehouse.load_meta_report import import_meta_report

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
META = REALDATA / "meta"
pytestmark = pytest.mark.skipif(not META.exists(), reason="needs ../shared/realdata")
REPORT_FILES = sorted(p for p in META.glob("FacebookAdLibraryReport_2025-*") if p.suffix in (".csv", ".zip"))


def csv_rows() -> dict[tuple[str, str], list[dict]]:
    """Every CSV row of the real files, read independently with the csv module: (file, member) -> rows."""
    rows = {}
    for path in REPORT_FILES:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    if name.endswith(".csv"):
                        text = archive.read(name).decode("utf-8-sig")
                        rows[(path.name, Path(name).name)] = list(csv.DictReader(io.StringIO(text)))
        else:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                rows[(path.name, path.name)] = list(csv.DictReader(handle))
    return rows


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con = db.connect(tmp_path_factory.mktemp("meta-report") / "w.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2025-07-15", "test")
    result = import_meta_report(con, snapshot_id, REPORT_FILES)
    yield con, snapshot_id, result
    con.close()


def test_every_row_loaded(warehouse):
    con, snapshot_id, result = warehouse
    expected = {key: len(rows) for key, rows in csv_rows().items()}
    loaded = dict(((f, m), n) for f, m, n in con.execute(
        "SELECT file_name, member, count(*) FROM raw_meta_ad_report WHERE snapshot_id = ? GROUP BY ALL",
        [snapshot_id]).fetchall())
    assert loaded == expected
    assert not result.failed_files


def test_amounts_equal_the_csv_and_buckets_stay_buckets(warehouse):
    con, snapshot_id, _ = warehouse
    for (file_name, member), rows in csv_rows().items():
        amount = next(column for column in rows[0] if column.startswith("Amount spent"))
        exact = sum(int(row[amount]) for row in rows if row[amount] != "≤100")
        buckets = sum(1 for row in rows if row[amount] == "≤100")
        got = con.execute(
            "SELECT coalesce(sum(amount_spent_low) FILTER (WHERE NOT amount_below_threshold), 0), "
            "count(*) FILTER (WHERE amount_below_threshold AND amount_spent_low = 0 AND amount_spent_high = 100 "
            "AND amount_spent_text = '≤100') FROM raw_meta_ad_report WHERE file_name = ? AND member = ?",
            [file_name, member]).fetchone()
        assert got == (exact, buckets), member
    assert con.execute("SELECT count(*) FROM raw_meta_ad_report WHERE amount_spent_low IS NULL").fetchone() == (0,)


def test_country_period_dates_and_regions(warehouse):
    con, _, _ = warehouse
    assert con.execute(
        "SELECT DISTINCT country, period, report_date::VARCHAR, period_start::VARCHAR, time_zone, currency "
        "FROM raw_meta_ad_report WHERE file_name LIKE '%BE%'").fetchall() == [
        ("BE", "last_30_days", "2025-07-12", "2025-06-13", "America/Los_Angeles", "EUR")]
    assert con.execute("SELECT DISTINCT region_name, region_code FROM raw_meta_ad_report "
                       "WHERE report_kind = 'region' AND country = 'BE'").fetchall() == [("Wallonia", "BE-WAL")]
    locations = dict(con.execute("SELECT location_name, location_code FROM raw_meta_ad_report "
                                 "WHERE report_kind = 'locations' AND country = 'BE'").fetchall())
    assert locations == {"Brussels": "BE-BRU", "Flemish Region": "BE-VLG", "Wallonia": "BE-WAL", "Unknown": None}
    assert con.execute("SELECT count(DISTINCT region_code) FROM raw_meta_ad_report WHERE country = 'AD' "
                       "AND report_kind = 'region'").fetchone() == (7,)  # seven parishes, plus "Unknown"


def test_number_of_ads_and_look_alike_names_kept_as_written(warehouse):
    con, _, _ = warehouse
    assert con.execute("SELECT number_of_ads, disclaimer FROM raw_meta_ad_report WHERE page_id = '56605856504' "
                       "AND report_kind = 'advertisers'").fetchone() == (24, "Vlaams Belang")
    assert con.execute("SELECT page_name FROM raw_meta_ad_report WHERE page_id = '614093238463041'"
                       ).fetchone() == ("Dаmiеn Lеmoine",)


def test_snapshot_source_recorded(warehouse):
    con, snapshot_id, result = warehouse
    status, error, items = con.execute("SELECT status, error, items_loaded FROM snapshot_source "
                                       "WHERE snapshot_id = ? AND source = 'meta_ad_report'", [snapshot_id]).fetchone()
    assert (status, error, items) == ("complete", None, sum(result.rows.values()))


def test_html_page_and_changed_header_refused_nothing_else_lost(tmp_path, capsys):
    html = tmp_path / "FacebookAdLibraryReport_2025-07-13_AD_last_30_days.zip"
    html.write_text("<!DOCTYPE html><html><body>Log in to continue</body></html>")
    changed = tmp_path / "FacebookAdLibraryReport_2025-07-12_BE_last_30_days_advertisers.csv"
    original = (META / changed.name).read_text(encoding="utf-8-sig")
    changed.write_text(original.replace("Number of ads in Library", "Ads", 1), encoding="utf-8-sig")
    good = tmp_path / "FacebookAdLibraryReport_2025-07-12_BE_last_30_days_locations.csv"
    shutil.copy(META / good.name, good)
    warehouse_file = tmp_path / "w.duckdb"
    code = main(["import", "meta-report", "--db", str(warehouse_file), "--as-of", "2025-07-15",
                 str(html), str(changed), str(good)])
    assert code == 1
    err = capsys.readouterr().err
    assert "is an HTML page" in err and "Download the report again" in err
    assert "the header is" in err and "nothing of this file was loaded" in err
    con = db.connect(warehouse_file)
    try:
        assert con.execute("SELECT DISTINCT file_name FROM raw_meta_ad_report").fetchall() == [(good.name,)]
        status, error = con.execute("SELECT status, error FROM snapshot_source WHERE source = 'meta_ad_report'"
                                    ).fetchone()
        assert status == "complete" and "HTML page" in error and "header" in error and "other 1 files" in error
    finally:
        con.close()


def test_import_twice_changes_nothing(tmp_path, capsys):
    warehouse_file = tmp_path / "w.duckdb"
    args = ["import", "meta-report", "--db", str(warehouse_file), str(REPORT_FILES[-1])]
    assert main(args) == 0 and main(args) == 0
    assert "already in snapshot" in capsys.readouterr().err
    con = db.connect(warehouse_file)
    try:
        assert con.execute("SELECT count(*) FROM snapshot").fetchone() == (1,)
        # the import completes its snapshot as adtrail snapshot does: the report's advertisers are entities
        assert con.execute("SELECT count(*) FROM entity_identifier WHERE snapshot_id = 1").fetchone()[0] > 0
    finally:
        con.close()


def test_parse_reads_what_the_warehouse_loads():
    rows = list(meta_report.parse_file(META / "FacebookAdLibraryReport_2025-07-13_AD_last_30_days.zip"))
    assert len(rows) == sum(len(r) for (f, _), r in csv_rows().items() if f.endswith(".zip"))
    assert all(r["amount_below_threshold"] for r in rows if r["amount_spent_text"] == "≤100")


def test_file_name_says_period():
    name = meta_report.parse_name("FacebookAdLibraryReport_2024-06-01_IN_last_7_days.zip")
    assert (name.country, name.period, str(name.period_start)) == ("IN", "last_7_days", "2024-05-26")
    assert meta_report.parse_name("FacebookAdLibraryReport_2024-06-01_IN_lifetime.zip").period_start is None
    with pytest.raises(meta_report.MetaReportFileError, match="not named like"):
        meta_report.parse_name("report.csv")
