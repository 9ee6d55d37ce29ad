"""The demo's organisations on several platforms: which Meta-world pages also advertise on TikTok, LinkedIn and
Snap, fixed once for the demo's whole life.

An organisation keeps its TikTok business, LinkedIn company page and Snap account from week to week, whatever
its Facebook page is called later. So each is chosen from week 1 of the Meta world (as the Google world takes
its shared advertisers from week 1): the busiest organisation page (named as its own byline, not a person) of
each country whose diaspora the demo's EU-covered platforms reach. Choosing from the current week instead let
a renamed page hand its TikTok business to another organisation, which no platform does.
"""

from __future__ import annotations

from demo.world import Page, generate_world
from demo.world_texts import PEOPLE

# Meta-world countries whose organisations reach a diaspora in TikTok's EU countries (ISO codes).
DIASPORA = {"BR": ("PT", "FR"), "NG": ("DE", "FR"), "IN": ("DE",), "KE": ("DE",)}


def busiest_organisation_pages(meta_world, country: str) -> list[Page]:
    """Organisation pages of ``country`` (named as their byline, not a person's name), busiest first: the
    advertisers most likely to be on other platforms too."""
    people = PEOPLE[country][1]
    return sorted((page for page in meta_world.pages.values() if page.country == country
                   and page.name == page.byline and not any(page.name.endswith(f" {f}") for f in people)),
                  key=lambda page: (-page.activity, page.page_id))


def cross_platform_organisations(seed: int = 2024) -> dict[str, Page]:
    """Country -> the Meta page (as in week 1) of the organisation that also advertises on TikTok and
    LinkedIn (and, for Nigeria, on Snap)."""
    first_week = generate_world(1, seed)
    organisations = {}
    for country in DIASPORA:
        pages = busiest_organisation_pages(first_week, country)
        if pages:
            organisations[country] = pages[0]
    return organisations
