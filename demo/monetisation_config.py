"""How the demo points ads_txt, sellers_json, youtube_monetisation and page_placements at its local web (demo/site_server.py).

``DemoConfig`` is the ordinary configuration plus spider settings that only the demo sets: the ads_txt
spider's loopback resolver, the server's ports and the demo certificate authority. They never reach a
user's configuration file. ``print_monetisation_summary`` adds the graph's figures to the demo's summary.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from config import Config
from demo import placement_pages
from demo.monetisation_world import SELLERS_JSON_SYSTEMS, SELLERS_PATH, MonetisationWorld
from demo.site_server import DemoSiteServer

MONETISATION_SOURCES = ["ads_txt", "sellers_json", "youtube_monetisation"]


@dataclass
class DemoConfig(Config):
    """Config whose spiders also get ``extra_settings[source]`` (demo-only settings, e.g. the resolver)."""

    extra_settings: dict[str, dict[str, str]] = field(default_factory=dict)

    def spider_settings(self, name: str) -> dict[str, str]:
        return {**super().spider_settings(name), **self.extra_settings.get(name, {})}


def configure_monetisation(config: DemoConfig, world: MonetisationWorld, server: DemoSiteServer) -> None:
    sources = config.values["sources"]
    sources["ads_txt"].update(enabled=True, endpoint="{scheme}://{host}:{port}/{file}",
                              domains=[site.domain for site in world.sites],
                              app_domains=[app.domain for app in world.apps], app_store_urls=[])
    sources["sellers_json"].update(enabled=True, ad_systems=list(SELLERS_JSON_SYSTEMS),
                                   endpoint=server.local_url + SELLERS_PATH)
    sources["youtube_monetisation"].update(enabled=True, endpoint=server.local_url, video_ids=world.video_ids,
                                           channel_ids=[])
    config.extra_settings["ads_txt"] = server.ads_txt_settings()
    # Two front pages with ad slots for page_placements (demo/placement_pages.py); crawled only with Chromium.
    server.routes.update(placement_pages.routes(world, server.http_port))
    sources["page_placements"].update(
        enabled=True, max_pages_per_site=2, easylist_url=server.local_url + placement_pages.EASYLIST_PATH,
        urls=[f"http://{domain}:{server.http_port}/" for domain in placement_pages.placement_sites(world)])
    config.extra_settings["page_placements"] = placement_pages.page_placements_settings(server)


def print_monetisation_summary(con, snapshot_id: int, out=sys.stdout) -> None:
    """Edges of the monetisation graph by kind, and the seller ids declared DIRECT by unrelated sites."""
    edges = con.execute("SELECT edge, basis, count(*) FROM monetisation_edge WHERE snapshot_id = ? "
                        "GROUP BY ALL ORDER BY ALL", [snapshot_id]).fetchall()
    if not edges:
        return
    print("  monetisation graph (declared in ads.txt / sellers.json, observed on YouTube and rendered pages):", file=out)
    for edge, basis, count in edges:
        print(f"    {edge} ({basis}): {count}", file=out)
    pooled = con.execute("SELECT ad_system_domain, seller_id, owners, seller_type FROM ads_txt_seller_id_pooling "
                         "WHERE snapshot_id = ? ORDER BY owners DESC, ad_system_domain, seller_id",
                         [snapshot_id]).fetchall()
    for system, seller_id, owners, seller_type in pooled:
        print(f"    pooled seller id {system} {seller_id}: DIRECT on {owners} unrelated sites "
              f"(sellers.json: {seller_type or 'not listed'})", file=out)
