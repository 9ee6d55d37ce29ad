"""A local web of many made-up sites: one server, HTTP and HTTPS on 127.0.0.1, routing by Host header.

The demo and the website spiders' tests both use it. The ads_txt spider asks for ``https://<site>/ads.txt`` on
real-looking domains; those names must reach this server and nothing else, so the demo's configuration (only
the demo's) and the tests give the spider:

- ``TWISTED_DNS_RESOLVER = demo.site_server.LoopbackResolver``: every host name resolves to 127.0.0.1;
- ``ADS_TXT_PORTS``: the ports this server chose (port 0) for http and https, which the endpoint
  ``{scheme}://{host}:{port}/{file}`` (sources.ads_txt.endpoint, ADS_TXT_URL_TEMPLATE) puts in each URL;
- ``ADTRAIL_TLS_CA_FILE``: a local certificate authority (``LocalCertificateAuthority``), which signed one
  certificate for every host, so HTTPS is verified as for a real site (the spider never skips verification).

``SiteServer(routes, ca)``: ``routes[(host, path)] = Answer(status, headers, body)``, path with its query
string; header values may name ``{http}`` and ``{https}``, the ports chosen (a redirect to another host of
this server). ``https_refused`` hosts fail the TLS handshake (their SNI name is refused), as a site without
HTTPS does. Every request is logged as (scheme, host, path) in ``requests``, so a test can prove which scheme
was really used. Unknown routes answer 404 (so robots.txt allows all).

``DemoSiteServer(routes, tls_folder)``: the demo's server, its authority made for the routes' hosts. Ad
systems' sellers.json and the YouTube pages are asked for at 127.0.0.1 directly (their URL templates point
here); their routes use host ``LOCAL_HOST``.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer

from demo.local_server import QuietHandler

LOCAL_HOST = "127.0.0.1"
PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


class LoopbackResolver(CachingThreadedResolver):
    """Every host is 127.0.0.1: the made-up sites exist only on the local server."""

    def getHostByName(self, name, timeout=()):
        return defer.succeed(LOCAL_HOST)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: dict(PLAIN))
    body: bytes = b""


NOT_FOUND = Answer(404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body>not found</body></html>")


class LocalCertificateAuthority:
    """A CA and one leaf certificate naming every host, written as PEM: ``ca_file``, ``cert_file``, ``key_file``."""

    def __init__(self, folder: Path, hosts: list[str]):
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "adtrail local CA (not a real authority)")])
        ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
                   .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .sign(ca_key, hashes.SHA256()))
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
                .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(ca_key, hashes.SHA256()))
        folder.mkdir(parents=True, exist_ok=True)
        self.ca_file, self.cert_file, self.key_file = folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key"
        self.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        self.cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        self.key_file.write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))


class SiteServer:
    """``routes[(host, path)] = Answer`` on an HTTP and an HTTPS port. Use as a context manager."""

    def __init__(self, routes: dict[tuple[str, str], Answer], ca: LocalCertificateAuthority,
                 https_refused: set[str] = frozenset()):
        self.routes = routes
        self.requests: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        server = self

        def handler(scheme: str):
            class Handler(QuietHandler):
                protocol_version = "HTTP/1.1"

                def do_GET(self):
                    self._answer()

                def do_HEAD(self):  # bulk downloads (sellers.json) ask HEAD first
                    self._answer()

                def _answer(self):
                    host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
                    with server._lock:
                        server.requests.append((scheme, host, self.path))
                    answer = server.routes.get((host, self.path), NOT_FOUND)
                    # replace, not str.format: other braces in a header value stay as they are
                    self.reply(answer.status, answer.body, {
                        name: value.replace("{http}", str(server.http_port)).replace("{https}", str(server.https_port))
                        for name, value in answer.headers.items()})
            return Handler

        self.http = ThreadingHTTPServer((LOCAL_HOST, 0), handler("http"))
        self.https = ThreadingHTTPServer((LOCAL_HOST, 0), handler("https"))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(ca.cert_file, ca.key_file)

        def refuse(ssl_socket, server_name, _context):
            if server_name and server_name.lower() in https_refused:
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            return None
        context.sni_callback = refuse
        self.https.socket = context.wrap_socket(self.https.socket, server_side=True)
        self.http_port = self.http.server_address[1]
        self.https_port = self.https.server_address[1]
        self.local_url = f"http://{LOCAL_HOST}:{self.http_port}"
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (self.http, self.https)]

    def url(self, scheme: str, host: str, path: str) -> str:
        return f"{scheme}://{host}:{self.http_port if scheme == 'http' else self.https_port}{path}"

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        for server in (self.http, self.https):
            server.shutdown()
            server.server_close()


class DemoSiteServer(SiteServer):
    """The demo's server: its certificate authority, written to ``tls_folder``, names every route's host."""

    def __init__(self, routes: dict[tuple[str, str], Answer], tls_folder: Path):
        hosts = sorted({host for host, _ in routes if host != LOCAL_HOST}) or ["demo.invalid"]
        authority = LocalCertificateAuthority(tls_folder, hosts)
        super().__init__(routes, authority)
        self.ca_file = authority.ca_file

    def ads_txt_settings(self) -> dict[str, str]:
        """The ads_txt spider's settings that send every demo host here (the demo's configuration only)."""
        return {"TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver",
                "ADS_TXT_PORTS": json.dumps({"http": self.http_port, "https": self.https_port}),
                "ADTRAIL_TLS_CA_FILE": str(self.ca_file)}
