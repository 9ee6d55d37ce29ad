"""ads_txt spider: a rerun continues (finished sites are not fetched again, a cut-off one is fetched whole), and
a fetch's items, passed through Scrapy as one batch, reach their files exactly as the item contract says.

Same local world as tests/test_spider_ads_txt.py (one Host-routing HTTP/HTTPS server, loopback resolver, a
local certificate authority), with sites of ~40 records each so a batch is a real one."""

from __future__ import annotations

import json
from pathlib import Path

from demo.site_server import LocalCertificateAuthority, SiteServer
from spiders.items import FIELDS
from tests.test_spider_ads_txt import crawl, read_items, text

SITES = ["alpha-news.com", "beta-sport.co.uk", "gamma-tv.de", "delta-recipes.com.br"]


def ads_txt(index: int) -> str:
    lines = [f"# {SITES[index]}", f"CONTACT=adops@{SITES[index]}", f"OWNERDOMAIN={SITES[index]}"]
    lines += [f"appnexus.com, {index * 1000 + n}, RESELLER, f5ab79cb980f11d1" for n in range(40)]
    lines.append("not a record at all")
    return "\n".join(lines) + "\n"


def ads_requests(server: SiteServer) -> list[str]:
    return sorted(host for _, host, path in server.requests if path == "/ads.txt")


def line_counts(folder: Path) -> dict[str, int]:
    return {path.name: len(path.read_text(encoding="utf-8").splitlines())
            for path in [folder / "items.jsonl", *folder.glob("items-*.jsonl")]}


def test_batched_items_keep_the_contract_and_a_rerun_fetches_only_unfinished_sites(tmp_path):
    ca = LocalCertificateAuthority(tmp_path / "ca", SITES)
    routes = {(site, "/ads.txt"): text(ads_txt(index)) for index, site in enumerate(SITES)}
    out = tmp_path / "crawl"
    with SiteServer(routes, ca) as server:
        first = crawl(server, ca, out, scope={"domains": SITES})
        assert first.complete, first.error
        items = read_items(out)
        for kind, rows in items.items():
            assert all(list(row) == list(FIELDS[kind]) for row in rows), kind
        assert len(items["ads_txt_record"]) == 40 * len(SITES) == sum(f["records"] for f in items["ads_txt_fetch"])
        assert len(items["ads_txt_variable"]) == 2 * len(SITES)
        assert [r["raw_line"] for r in items["ads_txt_rejected_line"]] == ["not a record at all"] * len(SITES)
        assert first.manifest["counts"]["items"] == sum(map(len, items.values()))
        assert ads_requests(server) == sorted(SITES)
        before = line_counts(out)

        # A rerun of a finished crawl asks nothing again and writes nothing.
        again = crawl(server, ca, out, scope={"domains": SITES})
        assert again.complete, again.error
        assert ads_requests(server) == sorted(SITES)
        assert line_counts(out) == before

        # As if killed after the first site: only that one is recorded done. The rerun fetches the others
        # once each (nothing replayed from jobdir/ besides), and appends their items.
        done = out / "state" / "targets-done.jsonl"
        header, *entries = done.read_text(encoding="utf-8").splitlines()
        kept = json.loads(entries[0])["target"].partition(":")[2]
        done.write_text(header + "\n" + entries[0] + "\n", encoding="utf-8")
        del server.requests[:]
        resumed = crawl(server, ca, out, scope={"domains": SITES})
        assert resumed.complete, resumed.error
        assert ads_requests(server) == sorted(set(SITES) - {kept})
        after = line_counts(out)
        per_site = {name: rows // len(SITES) for name, rows in before.items()}
        assert after == {name: before[name] + per_site[name] * (len(SITES) - 1) for name in before}
        assert len(done.read_text(encoding="utf-8").splitlines()) == 1 + len(SITES)
