"""A 127.0.0.1 server (port 0) that answers like TikTok's Commercial Content API, from tests/fixtures/tiktok.

- ``POST /v2/oauth/token/``: form ``client_key``, ``client_secret``, ``grant_type=client_credentials``;
  answers ``token.json`` with a new token each time (``clt.replay-token-1``, ``-2``...); wrong credentials
  get TikTok's ``invalid_client`` answer.
- ``POST /v2/research/adlib/ad/detail/``: body ``{"ad_id": N}``; answers ``ad_detail.json`` for ad N
  (its ``ad.id`` set to N: targeting of IT and GB, reach by country GB 18K, IT 12K).
- ``POST /v2/research/adlib/ad/query/``, ``.../advertiser/query/`` and ``.../commercial_content/query/``: the JSON body's
  ``search_id`` (``first`` without one) picks the script's list of answers, served in turn (the last one
  again when they run out). An answer is ``(status, fixture file)``. A request whose bearer token is not
  the latest issued one gets ``access_token_invalid`` (401), as an expired token would.

Every request is logged in ``server.requests`` (path, JSON body, Authorization, status served): the POST
plumbing and the log are demo/tiktok_server.py's ``TikTokApiServer``, shared with the demo's server.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

from demo.tiktok_server import TikTokApiServer, invalid_client

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tiktok"
CLIENT_KEY = "aw1234testclientkey"


class TikTokServer(TikTokApiServer):
    def __init__(self, script: dict[str, list[tuple[int, str]]], *, client_secret: str):
        self.script = script
        self.client_secret = client_secret
        self.served: dict[str, int] = {}
        self.tokens: list[str] = []
        super().__init__()

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (as after TikTok's two hours)."""
        with self.lock:
            self.tokens.append("(expired)")

    def api_requests(self) -> list[dict]:
        return [request for request in self.requests if request["path"] != "/v2/oauth/token/"]

    def detail_ad_ids(self) -> list[int]:
        """The ad ids of every ad detail asked, in order."""
        return [json.loads(request["body"])["ad_id"] for request in self.requests
                if request["path"] == "/v2/research/adlib/ad/detail/"]

    def answer(self, path: str, body: bytes, authorization: str | None) -> tuple[int, bytes]:
        if path == "/v2/oauth/token/":
            form = dict(parse_qsl(body.decode("utf-8")))
            if (form.get("client_key"), form.get("client_secret"), form.get("grant_type")) != (
                    CLIENT_KEY, self.client_secret, "client_credentials"):
                return invalid_client("2024TOKEN")
            with self.lock:
                token = f"clt.replay-token-{len([t for t in self.tokens if t.startswith('clt.')]) + 1}"
                self.tokens.append(token)
            text = (FIXTURES / "token.json").read_text(encoding="utf-8").replace("{{token}}", token)
            return 200, text.encode()
        with self.lock:
            latest = self.tokens[-1] if self.tokens else None
        if authorization != f"Bearer {latest}":
            return 401, (FIXTURES / "error_access_token_invalid.json").read_bytes()
        if path == "/v2/research/adlib/ad/detail/":
            ad_id = json.loads(body or b"{}").get("ad_id")
            if not isinstance(ad_id, int):
                return 400, json.dumps({"error": {"code": "invalid_params", "message": "ad_id must be an integer",
                                                  "log_id": "x"}}).encode()
            detail = json.loads((FIXTURES / "ad_detail.json").read_text(encoding="utf-8"))
            detail["data"]["ad"]["id"] = ad_id
            return 200, json.dumps(detail).encode()
        key = json.loads(body or b"{}").get("search_id") or "first"
        with self.lock:
            answers = self.script.get(key)
            if not answers:
                return 400, json.dumps({"error": {"code": "invalid_params", "message": f"no script for {key}",
                                                  "log_id": "x"}}).encode()
            index = self.served.get(key, 0)
            self.served[key] = index + 1
        status, name = answers[min(index, len(answers) - 1)]
        if name == "expire":  # the token expires now: this request and later ones with it are refused
            self.expire_tokens()
            return 401, (FIXTURES / "error_access_token_invalid.json").read_bytes()
        return status, (FIXTURES / name).read_bytes()
