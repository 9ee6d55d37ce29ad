"""The one place an API token enters a request, and where every trace of it leaves the response.

DESIGN.md, "Secrets": tokens are added back only in the last downloader middleware. This middleware has
the highest order, nearest the downloader, so:

- ``process_request`` adds the token header (the spider's ``token_headers``, e.g. ``Authorization:
  Bearer``) last, and only for the API's own hosts: a redirect or a foreign next link never carries it.
- ``process_response`` and ``process_exception`` take the header off the request again, and the response
  goes up redacted (body via ``Redactor.redact_bytes``, URL, every header, and the request's Referer),
  before the HTTP cache, statistics, the spider, the WARC archive or jobdir/ can see it.

Bodies are decoded here (gzip, deflate) so the redaction sees the text the server wrote; Accept-Encoding
is narrowed to the encodings decoded here, so nothing arrives that would pass through unredacted.
"""

from __future__ import annotations

import os
import zlib
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.http import Headers

from spiders.secrets import Redactor, secrets_from_env

ACCEPTED_ENCODINGS = b"gzip, deflate"


def decode_body(body: bytes, encoding: bytes) -> bytes | None:
    """``body`` without its Content-Encoding (gzip or deflate), or None for an encoding not handled."""
    encoding = encoding.strip().lower()
    if encoding in (b"", b"identity"):
        return body
    if encoding in (b"gzip", b"x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(body)
    if encoding == b"deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
    return None


class ApiTokenMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.redactor = Redactor(secrets_from_env())
        self.token: str | None = None
        self.token_headers: dict[str, str] = {}
        self.api_hosts: set[str] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        token_env = getattr(spider, "token_env", None)
        self.token = (os.environ.get(token_env, "").strip() or None) if token_env else None
        self.spider = spider
        if self.token:
            self.token_headers = spider.token_headers(self.token)
        if self.token or hasattr(spider, "current_token"):
            self.api_hosts = spider.api_hosts()

    def _refresh_token(self) -> None:
        """A spider that obtains its token while running (client credentials) hands over the current one;
        it may change when the spider renews it."""
        current = getattr(getattr(self, "spider", None), "current_token", None)
        token = current() if current else None
        if token and token != self.token:
            self.token = token
            self.token_headers = self.spider.token_headers(token)

    def process_request(self, request):
        request.headers[b"Accept-Encoding"] = ACCEPTED_ENCODINGS
        self._refresh_token()
        if self.token and urlsplit(request.url).hostname in self.api_hosts:
            for name, value in self.token_headers.items():
                request.headers[name] = value
        return None

    def _forget_token(self, request) -> None:
        for name in self.token_headers:
            request.headers.pop(name, None)
        for name, values in list(request.headers.items()):
            request.headers.setlist(name, [self.redactor.redact_bytes(value) for value in values])

    def process_exception(self, request, exception):
        self._forget_token(request)
        return None

    def process_response(self, request, response):
        self._forget_token(request)
        body = response.body
        headers = Headers()
        for name, values in response.headers.items():
            headers.setlist(self.redactor.redact_bytes(name), [self.redactor.redact_bytes(value) for value in values])
        encoding = headers.get(b"Content-Encoding")
        if encoding:
            try:
                decoded = decode_body(body, encoding)
            except zlib.error:
                decoded = None
            if decoded is None:
                # A body that cannot be decoded here cannot be redacted either: it goes no further. The
                # spider sees an empty body, counts it and asks again.
                headers[b"X-Adtrail-Body-Dropped"] = b"undecodable Content-Encoding " + encoding
                decoded = b""
            body = decoded
            del headers[b"Content-Encoding"]
            headers[b"Content-Length"] = str(len(body)).encode()
        redacted = self.redactor.redact_bytes(body)
        if redacted != body and b"Content-Length" in headers and "dataloss" not in response.flags:
            headers[b"Content-Length"] = str(len(redacted)).encode()  # the length of what is kept
        return response.replace(url=self.redactor.redact_url(response.url), headers=headers, body=redacted)
