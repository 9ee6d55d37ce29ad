"""The parsers `adtrail parse KIND FILE…` knows, by kind: each reads a local file into items.

The same pure parsers the spiders use, so a file saved by hand gives exactly what a crawl would.
Provenance of a local file: its ``file://`` URL, its modification time, the sha256 of its bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from spiders.parsers import ads_txt
from spiders.parsers import fx_ecb, fx_user_csv, fx_worldbank, google_bundle, meta_ads_archive, meta_report, youtube
from spiders.parsers import meta_report_query
from spiders.parsers import easylist, sellers_json, snap_political, tiktok
from spiders.parsers import google_transparency


def file_provenance(path: Path, body: bytes, *, item_kind: str, source: str) -> dict:
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return {
        "item_kind": item_kind,
        "source": source,
        "crawl_id": None,
        "source_url": path.resolve().as_uri(),
        "fetched_at": modified.isoformat(),
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "page_number": None,
    }


def parse_meta_ads_archive(path: Path) -> Iterator[dict]:
    """A Graph API ads_archive page ({"data": [...], "paging": ...}) or a bare list of records."""
    body = path.read_bytes()
    try:
        document = json.loads(body)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"not valid JSON ({error.msg} at byte {error.pos}); if the file was cut short, download it again"
        ) from None
    provenance = file_provenance(path, body, item_kind="meta_ad", source="meta_ads_archive")
    yield from meta_ads_archive.parse_records(document, provenance=provenance)


def parse_youtube_page(path: Path) -> Iterator[dict]:
    """A saved YouTube watch page or channel page (HTML), or a video-info response: one youtube_signal."""
    body = path.read_bytes()
    yield youtube.parse_page(body, file_provenance(path, body, item_kind="youtube_signal",
                                                   source="youtube_monetisation"))


def parse_youtube_video_info(path: Path) -> Iterator[dict]:
    """An innertube player response (JSON) or a get_video_info query string: one youtube_signal."""
    body = path.read_bytes()
    yield youtube.parse_video_info(body, file_provenance(path, body, item_kind="youtube_signal",
                                                         source="youtube_monetisation"))


def parse_linkedin_ad(path: Path) -> Iterator[dict]:
    """A saved LinkedIn Ad Library page: a results page's cards, or a detail page's whole ad."""
    from spiders.linkedin_saved_pages import page_url
    from spiders.parsers import linkedin_ad_library

    body = path.read_bytes()
    provenance = file_provenance(path, body, item_kind="linkedin_ad", source="linkedin_ad_library")
    yield from linkedin_ad_library.parse_page(body, provenance, url=page_url(path, body))[0]


PARSERS: dict[str, Callable[[Path], Iterator[dict]]] = {
    "ads-txt": ads_txt.parse_ads_txt_file,  # domain from the file name (bild.de_ads.txt, bild.de/ads.txt) or "unknown"
    "app-ads-txt": ads_txt.parse_app_ads_txt_file,
    "meta-ads-archive": parse_meta_ads_archive,
    "google-bundle": google_bundle.parse_google_bundle,  # the bundle zip or any one of its CSVs
    "google-ad-card": google_transparency.parse_card_file,  # a saved legacy political-ads report card
    "google-creative": google_transparency.parse_creative_file,  # a rendered Ads Transparency Center creative page
    "ecb-fx": fx_ecb.parse_file,  # ECB euro reference rates: history zip, daily CSV, gesmes XML
    "worldbank-fx": fx_worldbank.parse_file,  # World Bank WDI PA.NUS.FCRF bulk CSV (yearly averages)
    "fx-csv": fx_user_csv.parse_file,  # a user's own table: currency,date,rate,base
    "youtube-watch": parse_youtube_page,  # a saved watch or channel page: ad slots, channel facts
    "youtube-video-info": parse_youtube_video_info,  # an innertube player response (JSON)
    "meta-report": meta_report.parse_file,  # Meta Ad Library Report zip or one of its CSVs
    "meta-report-query": meta_report_query.parse_file,  # a saved answer of the report's internal download query
    "snap-political": snap_political.parse_file,  # Snap's yearly PoliticalAds.zip or its CSV
    "sellers-json": sellers_json.parse_file,  # one sellers.json: each seller, then the file's facts or error
    "easylist": easylist.parse_file,  # EasyList: rule counts, then each ||host^ ad-server rule
    "tiktok-ads": tiktok.parse_file,  # a saved Commercial Content API answer: ad query, ad detail, advertiser query or commercial content
    "linkedin-ad": parse_linkedin_ad,  # a saved LinkedIn Ad Library results or detail page
}
