"""ads.txt and app-ads.txt of the sites and apps the user names (IAB ads.txt 1.1, app-ads.txt 1.0).

For each configured domain the file lives at its root domain (Public Suffix List, spiders/public_suffix.py):
``https://<root>/ads.txt`` first, then ``http://`` when HTTPS fails to connect (connection refused, TLS or
certificate error, timeout), never after an HTTP answer such as 404. App domains get ``app-ads.txt`` the
same way; an app store listing page (``app_store_urls``) is read for the developer's website
(spiders/parsers/app_store.py), whose root domain's app-ads.txt is then fetched.

Every fetch ends in one ``ads_txt_fetch`` item (``status`` found, not_found or error), plus the parser's
``ads_txt_record`` / ``ads_txt_variable`` / ``ads_txt_rejected_line`` items when found:

- **Redirects** are followed here, not by Scrapy, to apply ads.txt 1.1's rule: hops within the root domain
  are fine; ONE hop to another root domain is allowed (delegation to a third party's server); any redirect
  after that hop is an error, as is a chain longer than ``ADS_TXT_MAX_REDIRECTS``. Every URL asked is kept
  in ``redirect_chain`` and the off-site hops are counted.
- **Content-Type** must be ``text/plain`` (parameters such as ``charset`` allowed): anything else, or none,
  is an error and the body is not parsed (a site's HTML 404 page served with 200 is not a file).
- **404** is "no file" (status not_found). Any other answer or failure is an error with its reason. The
  spider keeps no memory between crawls: the warehouse's ``ads_txt_current`` view keeps each domain's last
  good copy across later errors.
- **Follow-ups**, one level each: a found root ads.txt's ``SUBDOMAIN`` entries (their own SUBDOMAIN lines
  are not followed), and the ``INVENTORYPARTNERDOMAIN`` entries of a configured domain's file (one hop to
  the partner's file of the same kind; the partner's own partners are not followed). Each file is fetched
  once per crawl.
- **robots.txt** is obeyed (ROBOTSTXT_OBEY, Scrapy's RobotsTxtMiddleware: robots.txt of each scheme and
  host is read before the first request there; a missing or unreachable robots.txt allows everything).
  Ad systems' own crawlers conventionally fetch /ads.txt whatever robots.txt says, since the file exists
  for machines; adtrail does not: a Disallow covering /ads.txt makes that fetch an error "robots.txt
  disallows", recorded, and nothing is fetched.
- **Identity and pace**: the project's User-Agent (name, version, project URL); one request at a time per
  host (CONCURRENT_REQUESTS_PER_DOMAIN = 1) with AutoThrottle, while many hosts are fetched in parallel.
- **Throughput** at thousands of sites: a file's items pass Scrapy as one batch (spiders/base_site_files.py);
  requests stay in memory, idle connections close after 10 s, the garbage collector is tuned and unused
  middlewares are off (spiders/many_hosts.py), so the time per site does not grow with the crawl.
- **Certificates are verified** (spiders/tls.py); ``ADTRAIL_TLS_CA_FILE`` adds a mirror's own authority.

Endpoint: ``ADS_TXT_URL_TEMPLATE`` (default ``{scheme}://{host}/{file}``) builds each first URL; ``{port}``
is ``ADS_TXT_PORTS[scheme]`` (default 443 / 80) so a mirror or the tests' local server can listen elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest

from spiders.base_site_files import ScopeError, SiteFilesSpider
from spiders.items import empty_item
from spiders.many_hosts import MANY_HOSTS_SETTINGS, drop_unused_components
from spiders.parsers import ads_txt as ads_txt_parser
from spiders.parsers import app_store
from spiders.public_suffix import root_domain

SCOPE_KEYS = ("domains", "app_domains", "app_store_urls")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
META_FETCH = "adtrail_fetch"


def _domains(raw: dict, key: str) -> list[str]:
    values = raw.get(key) or []
    if not isinstance(values, list):
        raise ScopeError(f"{key} must be a list of domains, not {values!r}")
    roots = []
    for value in values:
        text = str(value).strip().lower()
        host = urlsplit(text).hostname if "://" in text else text.split("/")[0]
        root = root_domain(host or "")
        if not root:
            raise ScopeError(f"{key}: {value!r} has no root domain by the Public Suffix List (a bare suffix such "
                             "as 'co.uk', or not a domain); write a site's domain, e.g. 'bild.de'")
        roots.append(root)
    return list(dict.fromkeys(roots))


class AdsTxtSpider(SiteFilesSpider):
    name = "ads_txt"
    item_kind = "ads_txt_fetch"
    platform = "web"
    batch_items = True  # a file's ~50 line items pass Scrapy as one batch (spiders/base_site_files.py)
    custom_settings = {
        "ROBOTSTXT_OBEY": True,  # stated again on purpose: see the module docstring
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/plain, */*;q=0.1"},
        "HTTPCACHE_ENABLED": False,  # every crawl asks again: the file's current state is the point
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": 16 * 1024 * 1024,  # the largest real ads.txt files are a few MB
        "DOWNLOADER_CLIENTCONTEXTFACTORY": "spiders.tls.VerifyingContextFactory",
        **MANY_HOSTS_SETTINGS,  # memory queues, closing idle connections, GC: spiders/many_hosts.py says why
        "ITEM_PIPELINES": {
            "spiders.pipelines.items_jsonl.ItemsJsonlPipeline": None,
            "spiders.pipelines.crawl_manifest.CrawlManifestPipeline": None,
            "spiders.pipelines.warc_archive.WarcArchivePipeline": 100,
            "spiders.pipelines.items_by_kind.ItemsByKindPipeline": 300,
            "spiders.pipelines.items_by_kind.KindFilesManifestPipeline": 900,
        },
    }

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        drop_unused_components(settings)  # spiders/many_hosts.py

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._seen: set[tuple[str, str]] = set()  # (domain, file kind): each file is fetched once per crawl

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        unknown = sorted(set(raw) - set(SCOPE_KEYS))
        if unknown:
            raise ScopeError(f"unknown scope keys {unknown}; the ads_txt scope has {list(SCOPE_KEYS)}")
        urls = raw.get("app_store_urls") or []
        if not isinstance(urls, list) or any(urlsplit(str(u)).scheme not in ("http", "https") for u in urls):
            raise ScopeError(f"app_store_urls must be a list of http(s) store listing URLs, not {urls!r}")
        scope = {"domains": _domains(raw, "domains"), "app_domains": _domains(raw, "app_domains"),
                 "app_store_urls": list(dict.fromkeys(str(u) for u in urls))}
        if not any(scope.values()):
            raise ScopeError("no domains, app_domains or app_store_urls: name the sites and apps in sources.ads_txt")
        return scope

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        return dict(scope)

    @classmethod
    def split_scope(cls, scope: dict, parts: int) -> list[dict]:
        """The scope in ``parts`` scopes for a crawl split across processes (spiders/split_crawl.py): each
        domain and store URL in exactly one, chosen by a hash of its text, so the same one on every rerun; a
        part that receives nothing is ``{}``."""
        split = [{key: [] for key in SCOPE_KEYS} for _ in range(parts)]
        for key in SCOPE_KEYS:
            for value in scope[key]:
                split[zlib.crc32(value.encode("utf-8")) % parts][key].append(value)
        return [part if any(part.values()) else {} for part in split]

    # ---- targets and URLs

    def file_url(self, scheme: str, host: str, file_kind: str) -> str:
        ports = self.settings.get("ADS_TXT_PORTS") or {}
        if isinstance(ports, str):
            ports = json.loads(ports)  # from --set ADS_TXT_PORTS='{"https": 8443}'
        port = int(ports.get(scheme, 443 if scheme == "https" else 80))
        return self.settings["ADS_TXT_URL_TEMPLATE"].format(scheme=scheme, host=host, file=file_kind, port=port)

    def targets(self) -> list[tuple[str, str]]:
        return ([(f"ads.txt:{d}", self.file_url("https", d, "ads.txt")) for d in self.scope["domains"]]
                + [(f"app-ads.txt:{d}", self.file_url("https", d, "app-ads.txt")) for d in self.scope["app_domains"]]
                + [(f"store:{url}", url) for url in self.scope["app_store_urls"]])

    def target_requests(self, target_id: str):
        kind, _, value = target_id.partition(":")
        self.open_fetches(target_id)
        if kind == "store":
            yield scrapy.Request(value, callback=self.parse_store_page, errback=self.on_store_error,
                                 dont_filter=True, meta={"target": target_id, "handle_httpstatus_all": True})
            return
        self._seen.add((value, kind))
        yield self.fetch_request(target_id, value, kind, via="configured", found_by=None)

    def fetch_request(self, target_id, domain, file_kind, *, via, found_by) -> scrapy.Request:
        url = self.file_url("https", domain, file_kind)
        fetch = {"target": target_id, "domain": domain, "root": root_domain(domain) or domain,
                 "file_kind": file_kind, "via": via, "from": found_by, "url_requested": url,
                 "chain": [url], "cross_hops": 0, "fell_back": False}
        return self._request(url, fetch)

    def _request(self, url: str, fetch: dict) -> scrapy.Request:
        # Redirects are judged here (dont_redirect); every status reaches the callback.
        return scrapy.Request(url, callback=self.parse_file, errback=self.on_fetch_error, dont_filter=True,
                              meta={META_FETCH: fetch, "dont_redirect": True, "handle_httpstatus_all": True})

    # ---- answers

    def parse_file(self, response):
        fetch = response.meta[META_FETCH]
        if response.status in REDIRECT_STATUSES and response.headers.get(b"Location"):
            yield from self._redirect(response, fetch)
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        if response.status == 404:
            yield from self._finish(fetch, "not_found", response, content_type=content_type)
            return
        if response.status != 200:
            self.count("http_5xx" if response.status >= 500 else "http_4xx")
            yield from self._finish(fetch, "error", response, content_type=content_type,
                                    error=f"HTTP {response.status} from {response.url}")
            return
        media_type = (content_type or "").split(";")[0].strip().lower()
        if media_type != "text/plain":
            self.count("wrong_content_type")
            yield from self._finish(fetch, "error", response, content_type=content_type, error=(
                f"{response.url} answered with Content-Type {content_type or 'missing'}, not text/plain: the content "
                "is ignored (ads.txt 1.1 requires text/plain; an HTML page is usually the site's own error page)"))
            return
        parsed = ads_txt_parser.parse_ads_txt(response.body, file_kind=fetch["file_kind"], domain=fetch["domain"])
        if fetch["via"] == "configured":
            yield from self._follow(fetch, parsed)
        yield from self._finish(fetch, "found", response, content_type=content_type, parsed=parsed)

    def _redirect(self, response, fetch: dict):
        target = urljoin(response.url, response.headers[b"Location"].decode("latin-1"))
        host = urlsplit(target).hostname or ""
        problem = None
        if urlsplit(target).scheme not in ("http", "https"):
            problem = f"{response.url} redirects to {target}, not an http(s) URL"
        elif fetch["cross_hops"] >= 1:
            # ads.txt 1.1 §3.1: after the one hop off the root domain, a further redirect is an error.
            problem = (f"{response.url} redirects again ({target}) after the redirect off {fetch['root']}: only one "
                       "hop to another domain is allowed")
        elif len(fetch["chain"]) > self.settings.getint("ADS_TXT_MAX_REDIRECTS"):
            problem = f"more than {self.settings.getint('ADS_TXT_MAX_REDIRECTS')} redirects from {fetch['url_requested']}"
        fetch = {**fetch, "chain": [*fetch["chain"], target]}
        if root_domain(host) != fetch["root"]:
            fetch["cross_hops"] += 1
            self.count("cross_domain_redirects")
        if problem:
            self.count("redirect_errors")
            yield from self._finish(fetch, "error", response, error=problem)
            return
        yield self._request(target, fetch)

    def on_fetch_error(self, failure):
        request = failure.request
        fetch = request.meta[META_FETCH]
        message = failure.getErrorMessage()
        if failure.check(IgnoreRequest):
            self.count("robots_disallowed")
            error = f"robots.txt of {urlsplit(request.url).hostname} disallows {request.url}: not fetched ({message})"
            yield from self._finish(fetch, "error", None, error=error)
            return
        self.count("download_errors")
        first_https = len(fetch["chain"]) == 1 and request.url.startswith("https:")
        if first_https and not fetch["fell_back"]:
            url = self.file_url("http", fetch["domain"], fetch["file_kind"])
            self.count("http_fallbacks")
            self.logger.info("%s failed (%s); trying %s", request.url, message, url)
            yield self._request(url, {**fetch, "chain": [*fetch["chain"], url], "fell_back": True,
                                      "https_error": message})
            return
        previous = f" (HTTPS failed first: {fetch['https_error']})" if fetch.get("https_error") else ""
        yield from self._finish(fetch, "error", None, error=f"{request.url}: {message}{previous}")

    # ---- follow-ups

    def _follow(self, fetch: dict, parsed) -> list[scrapy.Request]:
        follow = []
        if fetch["file_kind"] == "ads.txt":
            follow += [(host, "subdomain") for host in parsed.subdomains]
        follow += [(host, "inventory_partner") for host in parsed.inventory_partner_domains]
        requests = []
        for host, via in follow:
            host = host.lower().strip(".")
            if not root_domain(host) or (host, fetch["file_kind"]) in self._seen:
                continue
            self._seen.add((host, fetch["file_kind"]))
            requests.append(self.fetch_request(fetch["target"], host, fetch["file_kind"], via=via,
                                               found_by=fetch["domain"]))
        self.open_fetches(fetch["target"], len(requests))  # before this fetch closes: the target stays open
        return requests

    def parse_store_page(self, response):
        target_id = response.meta["target"]
        website = app_store.developer_website(response.body) if response.status == 200 else None
        url = app_store.app_ads_txt_url(website.url) if website else None
        if url is None:
            self.count("store_pages_without_website")
            self.logger.warning("%s (HTTP %d): no developer website found; no app-ads.txt to fetch",
                                response.url, response.status)
            yield from self.close_fetch(target_id, [], None)
            return
        domain = urlsplit(url).hostname
        if (domain, "app-ads.txt") not in self._seen:
            self._seen.add((domain, "app-ads.txt"))
            self.open_fetches(target_id)
            yield self.fetch_request(target_id, domain, "app-ads.txt", via="app_store", found_by=response.url)
        yield from self.close_fetch(target_id, [], None)

    def on_store_error(self, failure):
        self.count("download_errors")
        self.logger.warning("%s: %s; no app-ads.txt to fetch", failure.request.url, failure.getErrorMessage())
        yield from self.close_fetch(failure.request.meta["target"], [], None)

    # ---- items

    def _finish(self, fetch: dict, status: str, response, *, content_type=None, error=None, parsed=None):
        body_sha256 = hashlib.sha256(response.body).hexdigest() if response is not None else None
        page_number = self.next_page_number()
        url_final = response.url if response is not None else fetch["chain"][-1]
        item = empty_item("ads_txt_fetch")
        item.update(self.provenance("ads_txt_fetch", url_final, body_sha256, page_number))
        item.update(fetch_key=f"{fetch['domain']}/{fetch['file_kind']}", domain=fetch["domain"],
                    root_domain=fetch["root"], file_kind=fetch["file_kind"], discovered_via=fetch["via"],
                    discovered_from=fetch["from"], url_requested=fetch["url_requested"], url_final=url_final,
                    status=status, http_status=response.status if response is not None else None, error=error,
                    redirect_chain=list(fetch["chain"]), cross_domain_hops=fetch["cross_hops"],
                    content_type=content_type, records=len(parsed.records) if parsed else 0)
        self.count(f"files_{status}")
        if error:
            self.logger.warning("%s/%s: %s", fetch["domain"], fetch["file_kind"], error)
        items = [item]
        if parsed is not None:
            provenance = self.provenance("ads_txt_record", url_final, body_sha256, page_number)
            items += list(ads_txt_parser.items(parsed, domain=fetch["domain"], provenance=provenance))
        yield from self.close_fetch(fetch["target"], items, body_sha256)
