"""LinkedIn Ad Library: the parser on the fixtures (tests/fixtures/linkedin/README.md says which documents they
follow), the spider refusing to start without a permission statement, and with one, crawled as adtrail crawls
(``python -m spiders.run`` in a child process) against a 127.0.0.1 server replaying the fixtures: two results
pages, each ad's detail page, a login wall stopping the crawl with everything fetched kept, then loaded."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from demo.local_server import LocalServer, QuietHandler
from spiders.launch import run_crawl
from spiders.parsers import linkedin_ad_library as parser
from warehouse import db, load, snapshots

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "linkedin"
PROVENANCE = {"source": "linkedin_ad_library"}
PERMISSION = "LinkedIn's written permission of 2026-11-20 (ref. TEST-1) for research on political ads"
SCOPE = {"keyword": "election", "countries": ["DE", "FR"], "date_min": "2024-04-01", "date_max": "2024-06-30",
         "permission_statement": PERMISSION}
DETAIL_IDS = ["512345678", "523456789", "534567890", "545678901"]


def detail(ad_id: str) -> dict:
    body = (FIXTURES / f"detail_{ad_id}.html").read_bytes()
    return parser.parse_detail_page(body, dict(PROVENANCE), url=f"https://www.linkedin.com/ad-library/detail/{ad_id}")


# ---- the parser

def test_detail_page_with_the_eu_block():
    ad = detail("512345678")
    assert ad["ad_key"] == "512345678" and ad["page_kind"] == "detail"
    assert ad["advertiser_name"] == "Europa Civic Forum"
    assert ad["advertiser_url"] == "https://www.linkedin.com/company/europa-civic-forum"
    assert ad["payer"] == "Europa Civic Forum e.V."
    assert ad["ad_format"] == "Single Image Ad"
    assert ad["call_to_action"] == "Learn more"
    assert ad["destination_url"] == "https://vote.example.eu/register?utm_source=linkedin"
    assert ad["body_text"].startswith("Your vote shapes Europe. Register before 15 May")
    assert ad["body_text"].endswith("\nEverything you need in one place.")
    assert (ad["ran_from"], ad["ran_to"]) == ("2024-04-02", "2024-05-14")
    assert (ad["impressions_lower"], ad["impressions_upper"], ad["impressions_open_ended"]) == (100_000, 150_000, False)
    assert [(c["country_code"], c["share_low"], c["share_high"]) for c in ad["impressions_by_country"]] == [
        ("DE", 61.0, 61.0), ("FR", 38.0, 38.0), ("LU", 0.0, 1.0)]
    assert ad["targeting_languages"] == ["English"]
    assert ad["targeting_locations_included"] == ["Germany", "France", "Luxembourg", "Belgium"]
    assert ad["targeting_locations_excluded"] == ["Berlin"]
    assert {"parameter": "Audience", "included": [], "excluded": ["Matched audiences"]} in ad["targeting"]


def test_thought_leader_ad_still_running_with_an_open_top_bucket():
    ad = detail("523456789")
    assert (ad["advertiser_name"], ad["posted_as"], ad["payer"]) == ("Parti Exemple", "Marie Dupont", "Parti Exemple")
    assert (ad["ran_from"], ad["ran_to"]) == ("2024-05-01", None)
    assert (ad["impressions_lower"], ad["impressions_upper"], ad["impressions_open_ended"]) == (1_000_000, None, True)
    assert ad["call_to_action"] is None


def test_ad_without_the_eu_block_has_no_impressions_or_targeting():
    ad = detail("534567890")
    assert ad["ad_format"] == "Document Ad" and ad["payer"] == "Stiftung Wahlbeteiligung"
    assert ad["impressions_text"] is None and ad["impressions_by_country"] is None and ad["targeting"] is None
    assert detail("545678901")["impressions_lower"] == 0 and detail("545678901")["impressions_upper"] == 1000


def test_search_page_cards_detail_links_and_next_page():
    page = parser.parse_search_page((FIXTURES / "search_page1.html").read_bytes(), dict(PROVENANCE),
                                    url="https://www.linkedin.com/ad-library/search?keyword=election")
    assert page.detail_urls == [f"https://www.linkedin.com/ad-library/detail/{i}" for i in DETAIL_IDS[:2]]
    assert page.next_url.endswith("/ad-library/search?keyword=election&countries=DE%2CFR&start=2&paginationToken=tok-2")
    first, thought_leader = page.items
    assert (first["ad_format"], first["page_kind"]) == ("Single Image Ad", "search_card")
    assert first["body_text"].endswith("…")  # cards truncate; the detail page has the whole text
    assert (thought_leader["advertiser_name"], thought_leader["posted_as"]) == ("Parti Exemple", "Marie Dupont")
    last = parser.parse_search_page((FIXTURES / "search_page2.html").read_bytes(), dict(PROVENANCE),
                                    url="https://www.linkedin.com/ad-library/search?start=2")
    assert last.next_url is None and len(last.items) == 2


@pytest.mark.parametrize("body, error", [
    ((FIXTURES / "authwall.html").read_bytes(), parser.LoginWall),
    (b"<html><body><h1>Something went wrong</h1></body></html>", parser.NotAnAdLibraryPage),
])
def test_bad_pages_are_errors_never_empty_results(body, error):
    with pytest.raises(error):
        parser.parse_page(body, dict(PROVENANCE), url="https://www.linkedin.com/ad-library/search?keyword=x")


# ---- the spider against a local LinkedIn

class LocalLinkedIn(LocalServer):
    """/ad-library/search (page 1, or page 2 with start=2), /ad-library/detail/<id>; a wall on request."""

    def __init__(self, wall_on: str | None = None):
        self.requests: list[str] = []
        server = self

        class Handler(QuietHandler):
            def do_GET(self):
                server.requests.append(self.path)
                url = urlsplit(self.path)
                name = None
                if url.path == "/ad-library/search":
                    name = "search_page2.html" if parse_qs(url.query).get("start") == ["2"] else "search_page1.html"
                elif url.path.startswith("/ad-library/detail/"):
                    name = f"detail_{url.path.rsplit('/', 1)[1]}.html"
                if wall_on and wall_on in self.path:
                    name = "authwall.html"
                path = FIXTURES / name if name else None
                status, body = (200, path.read_bytes()) if path and path.exists() else (404, b"not found")
                self.reply(status, body, {"Content-Type": "text/html; charset=utf-8"})

        super().__init__(Handler)
        self.url = f"{self.base_url}/ad-library"


def crawl(server: LocalLinkedIn, crawl_dir: Path, scope: dict):
    # Detail pages as served (the browser path: tests/test_linkedin_ad_library_browser.py).
    return run_crawl("linkedin_ad_library", crawl_dir, scope=scope, settings={
        "LINKEDIN_AD_LIBRARY_URL": server.url, "LINKEDIN_AD_LIBRARY_DETAIL_RENDERING": "http", "ADTRAIL_MAX_RETRIES": "1", "ADTRAIL_BACKOFF_BASE_SECONDS": "0",
        "ADTRAIL_BACKOFF_MAX_SECONDS": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "20"})


def items_of(crawl_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (crawl_dir / "items.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_refuses_to_start_without_a_permission_statement(tmp_path):
    with LocalLinkedIn() as server:
        outcome = crawl(server, tmp_path / "crawl", {**SCOPE, "permission_statement": "  "})
    assert not outcome.complete
    assert "permission_statement" in outcome.error and "adtrail import linkedin" in outcome.error
    assert server.requests == []  # nothing was asked of LinkedIn


@pytest.mark.slow
def test_crawl_pages_through_results_and_details_then_loads(tmp_path):
    with LocalLinkedIn() as server:
        outcome = crawl(server, tmp_path / "crawl", SCOPE)
        assert outcome.complete, outcome.error
        paths = [urlsplit(p).path + ("?start=2" if "start=2" in p else "") for p in server.requests]
        assert paths == ["/ad-library/search", "/ad-library/detail/512345678", "/ad-library/detail/523456789",
                         "/ad-library/search?start=2", "/ad-library/detail/534567890", "/ad-library/detail/545678901"]
        first = parse_qs(urlsplit(server.requests[0]).query)
        assert first == {"keyword": ["election"], "countries": ["DE,FR"], "dateOption": ["custom-date-range"],
                         "startdate": ["2024-04-01"], "enddate": ["2024-06-30"]}
        assert "/robots.txt" not in server.requests
        assert outcome.manifest["scope"]["permission_statement"] == PERMISSION
        assert "election" not in json.dumps(outcome.manifest["scope"])  # the keyword is stored hashed
        lines = items_of(tmp_path / "crawl")
        assert [(i["page_kind"], i["ad_id"]) for i in lines if i["page_kind"] == "detail"] == [
            ("detail", ad_id) for ad_id in DETAIL_IDS]
        assert all("adtrail-plan" not in i["source_url"] for i in lines)
        # A rerun fetches nothing again: the chain is finished.
        fetched = len(server.requests)
        assert crawl(server, tmp_path / "crawl", SCOPE).complete
        assert server.requests[fetched:] == []

    con = db.connect(tmp_path / "adtrail.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2026-01-05", "test")
    result = load.load_crawl(con, snapshot_id, tmp_path / "crawl")
    snapshots.complete(con, snapshot_id)
    assert result.items_loaded == 4
    assert con.execute("SELECT count(*) FROM raw_linkedin_ad WHERE page_kind = 'detail'").fetchone()[0] == 4
    assert con.execute("SELECT payer_name, impressions_low, impressions_high FROM core_ad WHERE ad_key = '512345678'"
                       ).fetchone() == ("Europa Civic Forum e.V.", 100_000, 150_000)
    assert con.execute("SELECT country, impressions_share_low, impressions_low, impressions_high, reach "
                       "FROM core_ad_country_reach WHERE ad_key = '512345678' ORDER BY country").fetchall() == [
        ("DE", 61.0, 61_000, 91_500, None), ("FR", 38.0, 38_000, 57_000, None), ("LU", 0.0, 0, 1_500, None)]


@pytest.mark.slow
def test_login_wall_stops_with_a_clear_error_and_keeps_what_was_fetched(tmp_path):
    with LocalLinkedIn(wall_on="start=2") as server:
        outcome = crawl(server, tmp_path / "crawl", SCOPE)
    assert not outcome.complete
    assert outcome.manifest["finish_reason"] == "login_wall"
    assert "login wall" in outcome.error and "adtrail import linkedin" in outcome.error
    kept = items_of(tmp_path / "crawl")
    assert {i["ad_id"] for i in kept if i["page_kind"] == "detail"} == set(DETAIL_IDS[:2])
    assert "start=2" in outcome.manifest["cursor"]  # a rerun continues at the walled page


# ---- pages saved by hand: adtrail import linkedin

@pytest.mark.slow
def test_import_of_saved_pages_loads_and_refuses_a_login_wall(tmp_path):
    import shutil
    import subprocess
    import sys

    saved = tmp_path / "saved"
    saved.mkdir()
    for name in ("search_page1.html", "detail_512345678.html", "authwall.html"):
        shutil.copy(FIXTURES / name, saved / name)
    project = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "cli", "import", "linkedin", *sorted(map(str, saved.iterdir())),
               "--db", str(tmp_path / "adtrail.duckdb")]
    env = {"PATH": "/usr/bin:/bin", "ADTRAIL_CRAWL_ROOT": str(tmp_path / "crawls")}
    outcome = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert outcome.returncode == 1, outcome.stderr  # a refused file: exit 1, the others loaded
    assert "REFUSED authwall.html" in outcome.stderr
    con = db.connect(tmp_path / "adtrail.duckdb")
    rows = con.execute("SELECT ad_key, page_kind, payer FROM raw_linkedin_ad ORDER BY ad_key").fetchall()
    # The detail page wins over the card of the same ad; the other card is kept.
    assert rows == [("512345678", "detail", "Europa Civic Forum e.V."), ("523456789", "search_card", None)]
    status, error = con.execute("SELECT status, error FROM snapshot_source WHERE source = 'linkedin_ad_library'"
                                ).fetchone()
    assert status == "complete" and "authwall.html" in error
    con.close()
    again = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert "nothing changed" in again.stderr
