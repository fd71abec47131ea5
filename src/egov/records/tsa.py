"""egov's own time-stamping authority (RFC 3161), signed with the TSA certificate of the
development CA. It serves ``POST /tsa/`` (application/timestamp-query → application/timestamp-reply)
and is called in-process by the signer when no external TSA_URL is configured."""

from datetime import datetime
from typing import Any

from asn1crypto import cms, core, tsp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.conf import settings
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper, TimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from . import pki
from .errors import PkiError

QUERY_TYPE, REPLY_TYPE = "application/timestamp-query", "application/timestamp-reply"
ACCEPTED_DIGESTS = frozenset({"sha256", "sha384", "sha512"})


class KeptKeyTimeStamper(DummyTimeStamper):
    """pyHanko's in-process TSA, signing with the key object it was given instead of parsing
    the key again for every time-stamp (about 70 ms for RSA-2048; see
    ``signing.KeptKeySigner``). The signed attributes are pyHanko's own."""

    def __init__(self, private_key: RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(tsa_key=pki.key_as_asn1(private_key), **kwargs)
        self.private_key = private_key

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", pki.signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self.private_key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


def local_timestamper() -> DummyTimeStamper:
    """A time-stamper that signs with egov's TSA certificate, the root embedded."""
    row = pki.tsa_certificate()
    chain = [pki.as_asn1(c) for c in pki.load_chain(row)]
    key = pki.decrypt_key(row.key_pem)
    if not isinstance(key, RSAPrivateKey):  # pyHanko's dummy TSA signs RSA only
        raise PkiError("The time-stamping key must be an RSA key.")
    return KeptKeyTimeStamper(
        key,
        tsa_cert=pki.as_asn1(pki.load_certificate(row)),
        certs_to_embed=SimpleCertificateStore.from_certs(chain),
    )


def timestamper() -> TimeStamper:
    """The configured TSA (TSA_URL), else egov's own, in-process."""
    if settings.TSA_URL:
        return RequestsHTTPTimeStamper(settings.TSA_URL, timeout=settings.TSA_TIMEOUT)
    return local_timestamper()


class Rejection(core.Sequence):
    """A TimeStampResp without a token (asn1crypto's TimeStampResp requires one)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def _rejection(reason: str, fail_info: str) -> bytes:
    return Rejection(
        {
            "status": tsp.PKIStatusInfo(
                {
                    "status": tsp.PKIStatus("rejection"),
                    "status_string": [reason],
                    "fail_info": tsp.PKIFailureInfo({fail_info}),
                }
            )
        }
    ).dump()


def respond(query: bytes) -> tuple[bytes, bool]:
    """(DER TimeStampResp, granted) for a DER TimeStampReq."""
    try:
        request = tsp.TimeStampReq.load(query)
        algorithm = request["message_imprint"]["hash_algorithm"]["algorithm"].native
    except (ValueError, TypeError, KeyError):
        return _rejection("malformed request", "bad_data_format"), False
    if algorithm not in ACCEPTED_DIGESTS:
        return _rejection("unsupported hash algorithm", "bad_alg"), False
    return local_timestamper().request_tsa_response(request).dump(), True
