"""LinkedIn Ad Library pages saved by hand from a browser → a crawl folder of source linkedin_ad_library.

``adtrail import linkedin FILE…`` calls ``write_import_crawl``, then loads the folder like any crawl. Each file
goes through the spider's own parser (spiders/parsers/linkedin_ad_library.py): a results page gives its
cards, a detail page the whole ad. When a detail page of an ad is among the files, its card is left out, so
the loader's one-row-per-ad rule (latest fetched_at, here the files' modification times) cannot let a card
replace the detail. A file that is not an Ad Library page (LinkedIn's login wall saved instead, another
page) is refused with a message and the other files still load. The crawl id and every time in the manifest
come from the files (their sha256 and modification times), so importing the same files again writes the same
folder and the warehouse changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from spiders.items import FIELDS
from spiders.manifest import file_sha256, scope_hash, write_json_atomically
from spiders.parsers import linkedin_ad_library as parser
from spiders.parsers.registry import file_provenance

SOURCE = parser.SOURCE
CRAWL_FORMAT = "adtrail-crawl/1"


def page_url(path: Path, body: bytes) -> str:
    """The page's own address when the saved file says it (canonical link), else a stand-in by kind."""
    from parsel import Selector

    page = Selector(text=body.decode("utf-8", "replace"))
    canonical = page.css('link[rel="canonical"]::attr(href), meta[property="og:url"]::attr(content)').get()
    if canonical and "/ad-library/" in canonical:
        return canonical
    if page.css(".ad-detail-right-rail"):
        # A browser names the file after the page's title, so the id may only be in a link of the page or a
        # name the user gave (detail_512345678.html).
        detail = parser._DETAIL_ID.search(body.decode("utf-8", "replace")) or re.search(r"(\d{6,})", path.name)
        if detail:
            return f"https://www.linkedin.com/ad-library/detail/{detail[1]}"
    return "https://www.linkedin.com/ad-library/search"


def read_saved_pages(paths: list[Path]) -> tuple[list[dict], dict[str, str]]:
    """(items, refused files → why) of saved pages."""
    items, refused = [], {}
    for path in paths:
        body = path.read_bytes()
        provenance = file_provenance(path, body, item_kind=parser.ITEM_KIND, source=SOURCE)
        try:
            found, _ = parser.parse_page(body, provenance, url=page_url(path, body))
        except parser.LinkedInPageError as error:
            refused[path.name] = (f"{path.name}: {error}. Save the Ad Library page itself (signed out, or after "
                                  "signing in, with File > Save Page As, \"Web Page, HTML only\") and import it again")
            continue
        items += found
    with_detail = {item["ad_key"] for item in items if item["page_kind"] == "detail"}
    items = [item for item in items if item["page_kind"] == "detail" or item["ad_key"] not in with_detail]
    return items, refused


def write_import_crawl(paths: list[Path], crawl_root: Path) -> Path:
    """Write the crawl folder of ``paths`` under ``crawl_root/imports/``; returns it."""
    missing = [str(path) for path in paths if not Path(path).is_file()]
    if missing:
        raise FileNotFoundError(f"no such file: {', '.join(missing)}; nothing was imported")
    paths = [Path(path) for path in paths]
    digest = hashlib.sha256("\n".join(sorted(file_sha256(path)[0] for path in paths)).encode()).hexdigest()
    crawl_id = f"import-linkedin-{digest[:16]}"
    folder = Path(crawl_root) / "imports" / crawl_id
    folder.mkdir(parents=True, exist_ok=True)
    items, refused = read_saved_pages(paths)
    items_path = folder / "items.jsonl"
    with items_path.open("w", encoding="utf-8") as stream:
        for item in items:
            item["crawl_id"] = crawl_id
            stream.write(json.dumps({name: item.get(name) for name in FIELDS[parser.ITEM_KIND]}, ensure_ascii=False)
                         + "\n")
    sha256, size = file_sha256(items_path)
    when = max(dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) for path in paths).isoformat()
    scope = {"files": sorted(path.name for path in paths), "imported": True}
    error = "; ".join(refused.values()) or None
    if error and items:
        error += f" (the other {len(paths) - len(refused)} files were loaded)"
    write_json_atomically(folder / "manifest.json", {
        "format": CRAWL_FORMAT, "crawl_id": crawl_id, "source": SOURCE, "platform": "linkedin", "scope": scope,
        "scope_hash": scope_hash(scope), "started_at": when, "finished_at": when,
        "status": "complete" if items or not refused else "failed",
        "finish_reason": "imported" if items or not refused else "refused", "error": error, "cursor": None,
        "counts": {"pages": len(paths) - len(refused), "items": len(items), "files_refused": len(refused)},
        "files": [{"path": "items.jsonl", "kind": "items", "item_kind": parser.ITEM_KIND, "sha256": sha256,
                   "size": size, "rows": len(items)}],
        "code_version": "import"})
    return folder
