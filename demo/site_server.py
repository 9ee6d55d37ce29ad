"""The demo's local web: one server for many made-up sites, HTTP and HTTPS on 127.0.0.1, routing by Host header.

The ads_txt spider asks for ``https://<site>/ads.txt`` on real-looking domains. In the demo those names
must reach this server and nothing else, so the demo's configuration (only the demo's) gives the spider:

- ``TWISTED_DNS_RESOLVER = demo.site_server.LoopbackResolver``: every host name resolves to 127.0.0.1;
- ``ADS_TXT_PORTS``: the ports this server chose (port 0) for http and https, which the endpoint
  ``{scheme}://{host}:{port}/{file}`` (sources.ads_txt.endpoint, ADS_TXT_URL_TEMPLATE) puts in each URL;
- ``ADTRAIL_TLS_CA_FILE``: the demo's own certificate authority, which signed one certificate for every
  demo host, so HTTPS is verified as for a real site (the spider never skips verification).

Ad systems' sellers.json and the YouTube pages are asked for at 127.0.0.1 directly (their URL templates
point here); their routes use host ``127.0.0.1``. Unknown routes answer 404 (so robots.txt allows all).
"""

from __future__ import annotations

import datetime as dt
import json
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

LOCAL_HOST = "127.0.0.1"
PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


class LoopbackResolver(CachingThreadedResolver):
    """Every host is 127.0.0.1: the demo's sites exist only on the demo server."""

    def getHostByName(self, name, timeout=()):
        return defer.succeed(LOCAL_HOST)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: dict(PLAIN))
    body: bytes = b""


NOT_FOUND = Answer(404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body>not found</body></html>")


def _write_authority(folder: Path, hosts: list[str]) -> tuple[Path, Path, Path]:
    """A CA and one leaf certificate naming every demo host: (ca.pem, leaf.pem, leaf.key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "adtrail demo CA (not a real authority)")])
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
    paths = folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    return paths


class DemoSiteServer:
    """``routes[(host, path)] = Answer``; path includes the query string. Use as a context manager."""

    def __init__(self, routes: dict[tuple[str, str], Answer], tls_folder: Path):
        self.routes = routes
        hosts = sorted({host for host, _ in routes if host != LOCAL_HOST}) or ["demo.invalid"]
        self.ca_file, cert_file, key_file = _write_authority(tls_folder, hosts)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
                answer = server.routes.get((host, self.path), NOT_FOUND)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def do_HEAD(self):  # bulk downloads (sellers.json) ask HEAD first
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
                answer = server.routes.get((host, self.path), NOT_FOUND)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer((LOCAL_HOST, 0), Handler)
        self.https = ThreadingHTTPServer((LOCAL_HOST, 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.https.socket = context.wrap_socket(self.https.socket, server_side=True)
        self.http_port = self.http.server_address[1]
        self.https_port = self.https.server_address[1]
        self.local_url = f"http://{LOCAL_HOST}:{self.http_port}"
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (self.http, self.https)]

    def ads_txt_settings(self) -> dict[str, str]:
        """The ads_txt spider's settings that send every demo host here (the demo's configuration only)."""
        return {"TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver",
                "ADS_TXT_PORTS": json.dumps({"http": self.http_port, "https": self.https_port}),
                "ADTRAIL_TLS_CA_FILE": str(self.ca_file)}

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        for server in (self.http, self.https):
            server.shutdown()
            server.server_close()
