"""The demo's Meta ads get their countries: the real spider (a child process, one chain per country)
against the demo's Graph API server, which filters by ``ad_reached_countries``, loaded into a warehouse;
the explorer's country rule then knows the country of every ad, and it is the one the world gave it."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest

from demo.server import GraphApiServer
from demo.world import generate_world
from tests.replay_server import PROJECT_ROOT, spider_command
from warehouse import db, load, snapshots

pytestmark = pytest.mark.slow


def test_every_demo_meta_ad_has_the_country_it_reached(tmp_path):
    world = generate_world(1)
    out = tmp_path / "crawl"
    with GraphApiServer(world) as server:
        command, env = spider_command(SimpleNamespace(endpoint=server.url), out, token="demo-country-token",
                                      scope={"countries": world.countries, "ad_active_status": "ALL"},
                                      settings={"META_PAGE_LIMIT": "500"})
        completed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                                   timeout=600, stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr[-3000:]

    con = db.connect(tmp_path / "adtrail.duckdb")
    try:
        sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
        load.load_crawl(con, sid, out)
        snapshots.complete(con, sid)
        ads = dict(con.execute("SELECT ad_key, 1 FROM mart_ad WHERE snapshot_id = ? AND platform = 'meta'",
                               [sid]).fetchall())
        countries = con.execute("SELECT ad_key, country FROM explorer_ad_country(?) WHERE platform = 'meta'",
                                [sid]).fetchall()
    finally:
        con.close()
    assert len(world.countries) > 1  # several countries: the scope alone tells no ad's country
    assert set(ads) == set(world.ads)
    # every ad is known to have reached exactly its world's country (the demo's ads each reach one)
    assert sorted(countries) == sorted((ad_id, ad.country) for ad_id, ad in world.ads.items())
