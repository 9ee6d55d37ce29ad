"""A scripted HTTP server on 127.0.0.1 (port 0) that replays fixture responses to a spider, with faults.

A scenario is a folder ``tests/fixtures/replay/<scenario>/`` with ``script.json``::

    {"about": "...",
     "responses": {"<key>": [{"status": 200, "headers": {...}, "body_file": "page1.json",
                              "truncate_at": 120, "drop_at": 300, "gzip": true}, ...]}}

The key of a request is its ``after`` parameter; a request without one is the first of these keys the
script has: ``first:<country>:<search_terms>``, ``first:<search_terms>``, ``first:<country>`` (the one
country of ``ad_reached_countries``), else ``first``. The responses of a key are served in turn; when
they run out, the last one is served again. ``body_file`` is a file of the scenario folder, or
``realdata:<path>`` under ``../shared/realdata``. Faults:

- ``truncate_at``: only the first N bytes are sent, with a Content-Length of N (a body cut short upstream);
- ``drop_at``: the full Content-Length is announced, N bytes are sent, then the connection is closed;
- ``gzip``: the body is sent gzip-compressed (Content-Encoding: gzip).

Like the Graph API, the server puts the caller's token back into what it sends. In bodies:
``{{next:CURSOR}}`` becomes the request's own URL with ``after=CURSOR`` and ``access_token=<token,
URL-encoded>`` (Meta's paging.next), ``{{token_json}}`` the token JSON-escaped with ``\\/`` (Meta's
ad_snapshot_url), ``{{token_quote}}``, ``{{token_quote_plus}}`` and ``{{token}}`` the other spellings.
``"next_after": "C2"`` on a response replaces paging.next of a JSON body (for real recorded pages). The
token is the bearer token of the request's Authorization header.

Every request is logged (``server.requests``): path, query, key, Authorization header, what was served.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

from demo.local_server import LocalServer, QuietHandler

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SCENARIOS = Path(__file__).resolve().parent / "fixtures" / "replay"
_PLACEHOLDER = re.compile(r"\{\{(next:[^}]*|token_json|token_quote_plus|token_quote|token)\}\}")


def json_escaped(text: str) -> str:
    """``text`` as Meta writes it inside a JSON string: escaped, with ``/`` as ``\\/``."""
    return json.dumps(text)[1:-1].replace("/", "\\/")


class ReplayServer(LocalServer):
    def __init__(self, scenario: str | Path):
        folder = Path(scenario) if Path(scenario).is_absolute() else SCENARIOS / scenario
        self.folder = folder
        self.script = json.loads((folder / "script.json").read_text(encoding="utf-8"))
        self.served: dict[str, int] = {}
        self.requests: list[dict] = []
        super().__init__(self._handler_class())

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/v23.0/ads_archive"

    def keys_requested(self) -> list[str]:
        return [request["key"] for request in self.requests]

    # ---- serving

    def _key(self, query: dict) -> str:
        if query.get("after"):
            return query["after"]
        try:
            countries = json.loads(query.get("ad_reached_countries") or "[]")
        except json.JSONDecodeError:
            countries = []
        country = countries[0] if len(countries) == 1 else None
        term = query.get("search_terms")
        for key in (f"first:{country}:{term}", f"first:{term}", f"first:{country}"):
            if key in self.script["responses"]:
                return key
        return "first"

    def _next_response(self, key: str) -> tuple[int, dict]:
        with self.lock:
            entries = self.script["responses"].get(key)
            if not entries:
                return -1, {"status": 404, "body": json.dumps({"error": {
                    "message": f"replay script has no responses for key {key!r}", "code": 100}})}
            index = self.served.get(key, 0)
            self.served[key] = index + 1
        return index, entries[min(index, len(entries) - 1)]

    def _body(self, entry: dict, request_url: str, token: str) -> bytes:
        if "body" in entry:
            text = entry["body"]
        else:
            name = entry["body_file"]
            path = REALDATA / name.removeprefix("realdata:") if name.startswith("realdata:") else self.folder / name
            text = path.read_text(encoding="utf-8")

        def next_url(cursor: str) -> str:
            parts = urlsplit(request_url)
            query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
                     if name not in ("after", "access_token")]
            query = [("access_token", token), *query, ("after", cursor)]
            return f"{self.base_url}{parts.path}?{urlencode(query)}"

        def fill(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("next:"):
                return json_escaped(next_url(name[5:]))
            return {"token_json": json_escaped(token), "token_quote": quote(token, safe=""),
                    "token_quote_plus": quote_plus(token), "token": token}[name]

        text = _PLACEHOLDER.sub(fill, text)
        if "next_after" in entry:
            page = json.loads(text)
            page.setdefault("paging", {})["next"] = next_url(entry["next_after"])
            text = json.dumps(page, ensure_ascii=False)
        return text.encode("utf-8")

    def _handler_class(self):
        server = self

        class Handler(QuietHandler):  # the request log is in server.requests
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                authorization = self.headers.get("Authorization")
                token = authorization.removeprefix("Bearer ") if authorization else ""
                key = server._key(query)
                index, entry = server._next_response(key)
                body = server._body(entry, self.path, token)
                headers = {name: _PLACEHOLDER.sub(lambda m: token if m.group(1) == "token" else m.group(0), value)
                           for name, value in entry.get("headers", {}).items()}
                if entry.get("gzip"):
                    body = gzip.compress(body)
                    headers["Content-Encoding"] = "gzip"
                length = len(body)
                sent = body
                if "truncate_at" in entry:
                    sent = body[: entry["truncate_at"]]
                    length = len(sent)
                if "drop_at" in entry:
                    sent = body[: entry["drop_at"]]
                with server.lock:
                    server.requests.append({
                        "path": parts.path, "query": query, "key": key, "index": index,
                        "authorization": authorization, "status": entry["status"],
                        "user_agent": self.headers.get("User-Agent"),
                    })
                self.send_response(entry["status"])
                headers.setdefault("Content-Type", "application/json; charset=UTF-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(length))
                if "drop_at" in entry:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(sent)
                self.wfile.flush()
                if "drop_at" in entry:
                    self.close_connection = True

        return Handler


# ---- running a crawl against the server, as adtrail does: a child process

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Tests make every wait tiny through settings; nothing in the spider is shortened for them.
FAST_SETTINGS = {
    "AUTOTHROTTLE_START_DELAY": "0",
    "ADTRAIL_BACKOFF_BASE_SECONDS": "0.01",
    "ADTRAIL_BACKOFF_MAX_SECONDS": "0.05",
}


def spider_command(server: ReplayServer, out: Path, *, token: str | None, scope: dict | None = None,
                   settings: dict[str, str] | None = None, spider: str = "meta_ads_archive"):
    """The command line and environment of ``python -m spiders.run`` against ``server`` into ``out``."""
    import os
    import sys

    from spiders.secrets import SECRET_ENV_VARS

    env = {name: value for name, value in os.environ.items() if name not in SECRET_ENV_VARS}
    if token is not None:
        env["META_ACCESS_TOKEN"] = token
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "spiders.run", spider, "--out", str(out),
               "--scope-json", json.dumps(scope if scope is not None else {"countries": ["BD"]})]
    for name, value in {**FAST_SETTINGS, "META_ADS_ARCHIVE_URL": server.endpoint, **(settings or {})}.items():
        command += ["--set", f"{name}={value}"]
    return command, env


def run_spider(server: ReplayServer, out: Path, **options):
    """Run the crawl to its end (options as for ``spider_command``); returns the CompletedProcess (text)."""
    import subprocess

    command, env = spider_command(server, out, **options)
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
