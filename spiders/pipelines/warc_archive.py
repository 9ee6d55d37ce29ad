"""Archives every HTTP response of the crawl, redacted, as WARC 1.1 records (warcio) in ``warc/``.

Each response becomes a ``response`` record with its request as a paired ``request`` record
(``WARC-Concurrent-To``), in a new ``warc/responses-<n>.warc.gz`` per run, so a resumed crawl appends a
file and never rewrites one. Responses are not items, so this pipeline listens to Scrapy's
``response_received`` signal, which fires after the downloader middlewares: the body, URL and headers are
already redacted (spiders/middlewares/api_token.py) and decoded. Error answers (429, 5xx, HTML, half a
page) are archived too; a cached response is not (its first download was).

The record's payload is the response body byte for byte, so an item's ``body_sha256`` is the sha256 of its
record's payload. A body cut short by a dropped connection is marked ``WARC-Truncated: disconnect``.

What a spider derives from a response (a rendered page's DOM, its screenshot) is archived as a
``conversion`` record whose ``WARC-Refers-To`` is that response record's id: the response record's id is
left in ``request.meta[WARC_RECORD_ID]``, and the spider sends the ``conversion_record`` signal
(``url``, ``refers_to``, ``content_type``, ``payload``).
"""

from __future__ import annotations

import datetime as dt
import http
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from spiders.manifest import CrawlFolder

WARC_RECORD_ID = "adtrail_warc_record_id"  # request.meta key: the id of the response's WARC record
conversion_record = object()  # signal: archive something derived from a response (see the docstring)


def _header_pairs(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


class WarcArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.folder = CrawlFolder(Path(crawler.settings["ADTRAIL_CRAWL_DIR"]))
        self.software = f"adtrail/{crawler.settings.get('ADTRAIL_VERSION', 'unknown')}"
        self.handle = None
        self.writer: WARCWriter | None = None
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.conversion_received, signal=conversion_record)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _open(self) -> WARCWriter:
        path = self.folder.next_warc_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(path, "xb")
        self.writer = WARCWriter(self.handle, gzip=True)
        info = {"software": self.software, "format": "WARC File Format 1.1",
                "crawl-id": str(self.crawler.settings.get("ADTRAIL_CRAWL_ID")),
                "note": "bodies, URLs and headers are redacted: secrets are removed before archiving"}
        self.writer.write_record(self.writer.create_warcinfo_record(path.name, info))
        return self.writer

    def response_received(self, response, request, spider) -> None:
        if "cached" in response.flags:
            return
        writer = self.writer or self._open()
        fetched = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        headers = [(name, value) for name, value in _header_pairs(response.headers)
                   if name.lower() != "transfer-encoding"]  # the body is stored de-chunked
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(len(response.body))))
        status = f"{response.status} {self._phrase(response.status)}".strip()
        warc_headers = {"WARC-Date": fetched}
        if "dataloss" in response.flags:
            warc_headers["WARC-Truncated"] = "disconnect"
        response_record = writer.create_warc_record(
            response.url, "response", payload=BytesIO(response.body), length=len(response.body),
            warc_headers_dict=warc_headers,
            http_headers=StatusAndHeaders(status, headers, protocol=response.protocol or "HTTP/1.1"))
        target = urlsplit(request.url)
        request_line = f"{request.method} {target.path or '/'}{'?' + target.query if target.query else ''}"
        request_headers = [("Host", target.netloc)] + _header_pairs(request.headers)
        request_record = writer.create_warc_record(
            request.url, "request", payload=BytesIO(request.body or b""), length=len(request.body or b""),
            warc_headers_dict={"WARC-Date": fetched},
            http_headers=StatusAndHeaders(request_line, request_headers, protocol="HTTP/1.1",
                                          is_http_request=True))
        writer.write_request_response_pair(request_record, response_record)
        self.handle.flush()  # a crash keeps every record written so far
        request.meta[WARC_RECORD_ID] = response_record.rec_headers.get_header("WARC-Record-ID")

    def conversion_received(self, url: str, refers_to: str | None, content_type: str, payload: bytes) -> None:
        writer = self.writer or self._open()
        warc_headers = {"WARC-Date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        if refers_to:
            warc_headers["WARC-Refers-To"] = refers_to
        record = writer.create_warc_record(url, "conversion", payload=BytesIO(payload), length=len(payload),
                                           warc_content_type=content_type, warc_headers_dict=warc_headers)
        writer.write_record(record)
        self.handle.flush()

    @staticmethod
    def _phrase(status: int) -> str:
        try:
            return http.HTTPStatus(status).phrase
        except ValueError:
            return ""

    def process_item(self, item):
        return item

    def close_spider(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
