"""State files of the tiktok_commercial_content spider: the daily request budget and the ad details due.

- ``state/budget.json``: API requests sent on the current UTC day (TikTok's research quota resets at
  00:00 UTC), so a rerun the same day knows what is left.
- ``state/ad_details.json``: with ``fetch_ad_details``, every ad an ad query page listed, whose detail
  (``POST /v2/research/adlib/ad/detail/``, one request each) is due. Each detail is a one-page chain of the
  cursor store (``detail-<ad id>``), so a detail fetched is finished there and a rerun asks only for the
  details still due, whichever run or query page listed them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from spiders.manifest import write_json_atomically

DETAIL_CHAIN_PREFIX = "detail-"


class RequestBudget:
    """``state/budget.json``: API requests sent on the current UTC day (TikTok's quota resets at 00:00 UTC)."""

    def __init__(self, path: Path, limit: int):
        self.path, self.limit = path, limit
        self.date, self.requests = self.today(), 0
        if path.exists():
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("date") == self.date:
                self.requests = int(saved.get("requests", 0))

    @staticmethod
    def today() -> str:
        return dt.datetime.now(dt.UTC).date().isoformat()

    def left(self) -> int:
        if self.date != self.today():  # the crawl ran past midnight UTC: a new day's quota
            self.date, self.requests = self.today(), 0
        return self.limit - self.requests

    def spend(self) -> None:
        self.left()
        self.requests += 1
        write_json_atomically(self.path, self.state())

    def state(self) -> dict:
        return {"format": "adtrail-budget/1", "date": self.date, "requests": self.requests, "limit": self.limit,
                "resets_at": f"{dt.date.fromisoformat(self.date) + dt.timedelta(days=1)}T00:00:00Z"}


class AdDetailsDue:
    """``state/ad_details.json``: ``{"format", "ads": {ad_id: query_country}}`` in the order the ads were
    listed. Written before the query page's items, so an interrupted run loses no ad it was shown."""

    FORMAT = "adtrail-ad-details/1"

    def __init__(self, path: Path):
        self.path = path
        self.ads: dict[str, str | None] = {}
        if path.exists():
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("format") != self.FORMAT:
                raise ValueError(f"{path} is not an {self.FORMAT} file; use a new crawl folder")
            self.ads = dict(saved.get("ads") or {})

    def add(self, ads: list[tuple[str, str | None]]) -> list[str]:
        """Record ads (id, query country); returns the ids not recorded before."""
        new = [ad_id for ad_id, _ in dict(ads).items() if ad_id not in self.ads]
        if new:
            for ad_id, country in ads:
                self.ads.setdefault(ad_id, country)
            write_json_atomically(self.path, {"format": self.FORMAT, "ads": self.ads})
        return new

    def country(self, ad_id: str) -> str | None:
        return self.ads.get(ad_id)


def detail_chain_id(ad_id: str) -> str:
    return f"{DETAIL_CHAIN_PREFIX}{ad_id}"


def detail_ad_id(chain_id: str) -> str | None:
    return chain_id[len(DETAIL_CHAIN_PREFIX):] if chain_id.startswith(DETAIL_CHAIN_PREFIX) else None
