"""The client access token of TikTok's research APIs, as a mixin of the tiktok_commercial_content spider.

Credentials come only from ``TIKTOK_CLIENT_KEY`` / ``TIKTOK_CLIENT_SECRET``. The token is asked for at the
start (``POST /v2/oauth/token/``, grant ``client_credentials``; developers.tiktok.com/doc/client-access-token-
management) outside Scrapy's request path, so neither the secret nor the token reaches the cache, jobdir or
the WARC; it is registered as a runtime secret (every redactor removes it). ``access_token_invalid`` renews it
once; refused again right after, the crawl stops and says so.
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from urllib.parse import urlsplit

from spiders.secrets import add_runtime_secret


class ClientAccessToken:
    """Needs ``self.settings``, ``self.stop``, ``self.count`` (the base spider); sets ``self.access_token``."""

    access_token: str | None = None
    renewed_since_last_page = False

    def _request_token(self) -> str:
        """POST client_credentials to TikTok's token endpoint (blocking; run in a thread)."""
        key, secret = (self.settings_env("TIKTOK_CLIENT_KEY"), self.settings_env("TIKTOK_CLIENT_SECRET"))
        form = urllib.parse.urlencode({"client_key": key, "client_secret": secret,
                                       "grant_type": "client_credentials"}).encode()
        request = urllib.request.Request(self.settings["TIKTOK_TOKEN_URL"], data=form, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cache-Control": "no-cache"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({})) \
            if urlsplit(self.settings["TIKTOK_TOKEN_URL"]).hostname in ("127.0.0.1", "localhost") \
            else urllib.request.build_opener()
        try:
            with opener.open(request, timeout=self.settings.getfloat("DOWNLOAD_TIMEOUT")) as answer:
                body = answer.read()
        except urllib.error.HTTPError as error:
            body = error.read()
        except (urllib.error.URLError, OSError) as error:
            raise RuntimeError(f"the token endpoint could not be reached ({error.__class__.__name__}: "
                               f"{getattr(error, 'reason', error)}); check the network, then rerun") from None
        try:
            answer = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RuntimeError("the token endpoint did not answer with JSON; rerun later") from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not token:
            code = answer.get("error") if isinstance(answer, dict) else None
            description = answer.get("error_description") if isinstance(answer, dict) else None
            raise RuntimeError(f"TikTok refused the client credentials ({code}: {description}); check "
                               "TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET of your approved research client")
        return str(token)

    @staticmethod
    def settings_env(name: str) -> str:
        """A credential, from the environment only (spiders.run refuses --set for secrets)."""
        return os.environ.get(name, "").strip()

    async def obtain_token(self) -> bool:
        try:
            token = await asyncio.to_thread(self._request_token)
        except RuntimeError as error:
            self.stop("token_refused", str(error))
            return False
        add_runtime_secret(token)  # before anything can log it
        self.access_token = token
        self.count("token_requests")
        return True

    async def start(self):
        missing = [name for name in ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET") if not self.settings_env(name)]
        if missing:
            self.stop("credentials_missing", (
                f"{' and '.join(missing)} not set: the Commercial Content API needs an approved research client "
                "(developers.tiktok.com, Research Tools); export its client key and secret as TIKTOK_CLIENT_KEY "
                "and TIKTOK_CLIENT_SECRET, then rerun"))
            return
        if not await self.obtain_token():
            return
        async for request in super().start():
            yield request

    async def renew_token(self, where: str) -> bool:
        if self.renewed_since_last_page:
            self.stop("token_expired", (
                f"{where}: TikTok refused the client access token again right after it was renewed; check that "
                "the research client is still approved and its credentials current, then rerun the same command "
                "to continue from the saved cursor"))
            return False
        self.logger.warning("%s: the access token expired; asking for a new one", where)
        self.renewed_since_last_page = True
        return await self.obtain_token()
