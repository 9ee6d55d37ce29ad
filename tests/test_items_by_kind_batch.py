"""spiders/pipelines/items_by_kind.py: a fetch's items passed as one ItemBatch (what the ads_txt spider yields)
are written byte for byte as the same items passed one at a time, each kind to its own file."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

from spiders.ads_txt import AdsTxtSpider
from spiders.base_site_files import ItemBatch
from spiders.items import empty_item
from spiders.parsers import ads_txt as ads_txt_parser
from spiders.pipelines.items_by_kind import ItemsByKindPipeline

# Records (one recovered), variables (one ignored), a rejected line, text beyond ASCII, CRLF line breaks.
BODY = ("# ads.txt of zeitung-beispiel.de\r\nCONTACT=Jörg Müller <adops@zeitung-beispiel.de>\r\n"
        "OWNERDOMAIN=zeitung-beispiel.de\r\nOWNERDOMAIN=other.de\r\n"
        "google.com, pub-0000000000000001, DIRECT, f08c47fec0942fa0\r\n"
        "appnexus.com, 1234 RESELLER\r\nrubiconproject.com, 5678, RESELLER, 0bfd66d529a55807 # display\r\n"
        "this is not a record\r\n").encode("utf-8")


def fetch_items() -> list[dict]:
    provenance = {"source": "ads_txt", "crawl_id": "ads_txt-test", "source_url": "https://zeitung-beispiel.de/ads.txt",
                  "fetched_at": "2026-12-01T08:00:00.000+00:00", "body_sha256": "0" * 64, "page_number": 1}
    fetch = empty_item("ads_txt_fetch")
    fetch.update(provenance, item_kind="ads_txt_fetch", fetch_key="zeitung-beispiel.de/ads.txt",
                 domain="zeitung-beispiel.de", status="found", records=3)
    parsed = ads_txt_parser.parse_ads_txt(BODY, domain="zeitung-beispiel.de")
    return [fetch, *ads_txt_parser.items(parsed, domain="zeitung-beispiel.de", provenance=provenance)]


def pipeline(folder) -> ItemsByKindPipeline:
    crawler = get_crawler(AdsTxtSpider, {"ADTRAIL_CRAWL_DIR": str(folder)})
    crawler.spider = AdsTxtSpider(scope={"domains": ["zeitung-beispiel.de"]})
    items = ItemsByKindPipeline(crawler)
    items.open_spider()
    return items


def test_a_batch_is_written_exactly_as_its_items_one_by_one(tmp_path):
    items = fetch_items()
    assert {item["item_kind"] for item in items} == {"ads_txt_fetch", "ads_txt_record", "ads_txt_variable",
                                                     "ads_txt_rejected_line"}
    single = pipeline(tmp_path / "single")
    for item in items:
        single.process_item(item)
    single.close_spider()
    batched = pipeline(tmp_path / "batched")
    batch = ItemBatch(items)
    assert batched.process_item(batch) is batch
    batched.close_spider()

    names = sorted(path.name for path in (tmp_path / "single").glob("items*.jsonl"))
    assert names == ["items-ads_txt_record.jsonl", "items-ads_txt_rejected_line.jsonl",
                     "items-ads_txt_variable.jsonl", "items.jsonl"]
    assert sorted(path.name for path in (tmp_path / "batched").glob("items*.jsonl")) == names
    for name in names:
        assert (tmp_path / "batched" / name).read_bytes() == (tmp_path / "single" / name).read_bytes(), name
    assert "Jörg Müller" in (tmp_path / "batched" / "items-ads_txt_variable.jsonl").read_text(encoding="utf-8")
