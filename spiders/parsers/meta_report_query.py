"""The Meta Ad Library Report website's internal download query (``AdReportV2DownloadButtonContainerQuery``):
the form the "Download report" button POSTs to facebook.com's GraphQL endpoint, and the download URI read
from its answer.

The query is internal and undocumented. What is here follows one recording of the website's own request and
answer (2025-07-20): a form POST with ``doc_id`` (the persisted query's id), ``fb_api_req_friendly_name``,
``fb_api_caller_class`` and ``variables`` = ``{"country": ISO2, "reportDS": day, "timePreset": period}``; the
answer ``{"data": {"ad_library_report": {"download_uri": "https://scontent...fbcdn.net/.../<file>.zip?..."}}}``.
The recorded form also carries browser-session fields (``lsd``, ``jazoest``, ``__dyn``, ``__csr``, ``__hsi``,
``__spin_*`` ...): they are bound to one browser session and are not sent; the anonymous fields of the
recording (``av=0``, ``__user=0``, ``__a=1``, ``__comet_req``) are. Meta may change the query's id, its
variables or its answer at any time: an answer without a download URI is refused with a message saying so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from spiders.parsers.meta_report import PERIOD_DAYS

FRIENDLY_NAME = "AdReportV2DownloadButtonContainerQuery"
DOC_ID = "8277332145725251"  # as recorded on 2025-07-20; sources.meta_ad_report.doc_id overrides
ANONYMOUS_FIELDS = {"av": "0", "__aaid": "0", "__user": "0", "__a": "1", "__comet_req": "94"}
# facebook.com prefixes some JSON answers with this guard against JSON hijacking.
_JSON_GUARD = "for (;;);"
_FALLBACK = ("download the report from facebook.com/ads/library/report (\"Download report\") and load it with "
             "`adtrail import meta-report ZIP`")


class MetaReportQueryError(ValueError):
    """The query's answer carries no usable download URI; the message says what came and what to do."""


def query_variables(country: str, report_ds: str, period: str) -> str:
    """The ``variables`` JSON exactly as the website writes it (compact, this key order)."""
    if period not in PERIOD_DAYS:
        raise ValueError(f"period {period!r} is not one of {', '.join(PERIOD_DAYS)}")
    return json.dumps({"country": country, "reportDS": report_ds, "timePreset": period}, separators=(",", ":"))


def query_form(country: str, report_ds: str, period: str, doc_id: str = DOC_ID) -> dict[str, str]:
    """The form fields of one query: the recording's anonymous and query fields, no session fields."""
    return {**ANONYMOUS_FIELDS, "fb_api_caller_class": "RelayModern", "fb_api_req_friendly_name": FRIENDLY_NAME,
            "variables": query_variables(country, report_ds, period), "server_timestamps": "true", "doc_id": doc_id}


def download_uri(body: bytes) -> str:
    """The report zip's URI in the query's answer, or MetaReportQueryError saying what the answer was."""
    text = body.decode("utf-8", "replace").strip().removeprefix(_JSON_GUARD)
    opening = " ".join(text[:120].split())
    try:
        # A streamed GraphQL answer may hold several JSON objects, one a line; the data is in the first.
        answer = json.loads(text.splitlines()[0] if text else "")
    except (ValueError, IndexError):
        what = "an HTML page (a login wall or an error page)" if opening.startswith("<") else "not JSON"
        raise MetaReportQueryError(f"the answer is {what}, starting {opening!r}; {_FALLBACK}") from None
    if not isinstance(answer, dict):
        raise MetaReportQueryError(f"the answer is JSON but not an object ({opening!r}); {_FALLBACK}")
    errors = answer.get("errors") or ([answer["error"]] if answer.get("error") else [])
    report = (answer.get("data") or {}).get("ad_library_report") if isinstance(answer.get("data"), dict) else None
    uri = report.get("download_uri") if isinstance(report, dict) else None
    if not uri:
        if errors:
            first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
            said = first.get("message") or first.get("summary") or json.dumps(first)[:200]
            raise MetaReportQueryError(f"the query was refused: {said!r}; Meta may have changed or withdrawn the "
                                       f"internal query (check sources.meta_ad_report.doc_id), or {_FALLBACK}")
        found = sorted(answer.get("data") or {}) if isinstance(answer.get("data"), dict) else sorted(answer)
        raise MetaReportQueryError(
            f"the answer has no data.ad_library_report.download_uri (it holds {', '.join(found) or 'nothing'}): "
            f"Meta changed the internal query's answer, or has no report for this country, day and period; "
            f"{_FALLBACK}")
    if not isinstance(uri, str) or urlsplit(uri).scheme not in ("http", "https"):
        raise MetaReportQueryError(f"the download URI {str(uri)[:120]!r} is not a web address; {_FALLBACK}")
    return uri


def report_file_name(uri: str) -> str:
    """The report's own file name: the last segment of the download URI's path (it names day, country, period)."""
    return unquote(urlsplit(uri).path.rsplit("/", 1)[-1])


def without_query(uri: str) -> str:
    """The URI without its query: the CDN's signature (``oh``, ``oe``, ``_nc_*``) expires and is not kept."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def parse_file(path) -> Iterator[dict]:
    """``adtrail parse meta-report-query``: a saved answer of the query: its download URI and what its file is."""
    from pathlib import Path

    from spiders.parsers.meta_report import parse_name

    uri = download_uri(Path(path).read_bytes())
    name = report_file_name(uri)
    report = parse_name(name)
    yield {"download_uri": uri, "file_name": name, "country": report.country, "period": report.period,
           "report_date": report.report_date.isoformat()}
