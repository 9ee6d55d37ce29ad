"""Certificate-verifying TLS for website spiders (ads_txt), with an optional extra certificate authority.

Scrapy does not verify server certificates by default. The ads_txt spider does (its "HTTPS first" would
mean little otherwise): a certificate that does not verify is a TLS error, and the spider then tries plain
HTTP, as it does for any HTTPS failure (IAB ads.txt 1.1, "HTTPS first, then HTTP").

Trust: the certificate authorities of the system (OpenSSL's default paths, Debian's ``ca-certificates``),
or, when the setting ``ADTRAIL_TLS_CA_FILE`` names a PEM file, the authorities in that file only (a mirror's
own authority; the tests' local one).
"""

from __future__ import annotations

from pathlib import Path

from scrapy.core.downloader.contextfactory import _ScrapyClientContextFactory
from twisted.internet.ssl import Certificate, optionsForClientTLS, platformTrust, trustRootFromCertificates


def _certificates(pem: bytes) -> list[Certificate]:
    marker = b"-----END CERTIFICATE-----"
    return [Certificate.loadPEM(block + marker) for block in pem.split(marker) if b"-----BEGIN" in block]


class VerifyingContextFactory(_ScrapyClientContextFactory):
    """DOWNLOADER_CLIENTCONTEXTFACTORY: verify the server's certificate and host name."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        factory = super().from_crawler(crawler, *args, **kwargs)
        ca_file = crawler.settings.get("ADTRAIL_TLS_CA_FILE")
        if ca_file:
            try:
                certificates = _certificates(Path(ca_file).read_bytes())
            except OSError as error:
                raise ValueError(f"ADTRAIL_TLS_CA_FILE {ca_file}: {error.strerror}; fix the path or unset it "
                                 "to trust the system's certificate authorities") from None
            if not certificates:
                raise ValueError(f"ADTRAIL_TLS_CA_FILE {ca_file} holds no PEM certificate")
            factory.trust_root = trustRootFromCertificates(certificates)
        else:
            factory.trust_root = platformTrust()
        return factory

    def creatorForNetloc(self, hostname: bytes, port: int):
        return optionsForClientTLS(hostname=hostname.decode("ascii"), trustRoot=self.trust_root,
                                   extraCertificateOptions=self._get_cert_options_kwargs())
