"""A local web of many sites for website-spider tests: one server, HTTP and HTTPS, routing by Host header.

- ``SiteServer(routes)``: ``routes[(host, path)] = Answer(status, headers, body)``; both an HTTP and an
  HTTPS port on 127.0.0.1 (port 0, chosen by the system) answer every host. ``https_refused`` hosts fail
  the TLS handshake (their SNI name is refused), as a site without HTTPS does. Every request is logged
  as (scheme, host, path) in ``requests``, so a test can prove which scheme was really used.
- ``LocalCertificateAuthority``: a CA and one leaf certificate for all the test hosts, made with
  ``cryptography``; the spider trusts ``ca_file`` (setting ``ADTRAIL_TLS_CA_FILE``) and verifies.
- ``LoopbackResolver``: a Scrapy DNS resolver (setting ``TWISTED_DNS_RESOLVER``) that maps every host name to
  127.0.0.1, so real-looking domains resolve to the test server and nothing leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer

PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


class LoopbackResolver(CachingThreadedResolver):
    """Every host is 127.0.0.1 (test-only: set TWISTED_DNS_RESOLVER=tests.site_server.LoopbackResolver)."""

    def getHostByName(self, name, timeout=()):
        return defer.succeed("127.0.0.1")


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: dict(PLAIN))
    body: bytes = b""


class LocalCertificateAuthority:
    def __init__(self, folder: Path, hosts: list[str]):
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "adtrail test CA")])
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
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        self.cert_file = folder / "leaf.pem"
        self.cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        self.key_file = folder / "leaf.key"
        self.key_file.write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))


class SiteServer:
    def __init__(self, routes: dict[tuple[str, str], Answer], ca: LocalCertificateAuthority,
                 https_refused: set[str] = frozenset()):
        self.routes = routes
        self.requests: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        server = self

        def handler(scheme: str):
            class Handler(BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"

                def do_GET(self):
                    host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
                    with server._lock:
                        server.requests.append((scheme, host, self.path))
                    answer = server.routes.get((host, self.path)) or Answer(404, {"Content-Type": "text/html"},
                                                                           b"<html>not found</html>")
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value.format(http=server.http_port, https=server.https_port))
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)

                def log_message(self, *args):
                    pass
            return Handler

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), handler("http"))
        self.https = ThreadingHTTPServer(("127.0.0.1", 0), handler("https"))
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
