"""egov's own time-stamping authority (RFC 3161), signed with the TSA certificate of the
development CA. It serves ``POST /tsa/`` (application/timestamp-query → application/timestamp-reply)
and is called in-process by the signer when no external TSA_URL is configured."""

from asn1crypto import core, tsp
from django.conf import settings
from pyhanko.sign.timestamps import DummyTimeStamper, TimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import pki

QUERY_TYPE, REPLY_TYPE = "application/timestamp-query", "application/timestamp-reply"
ACCEPTED_DIGESTS = frozenset({"sha256", "sha384", "sha512"})


def local_timestamper() -> DummyTimeStamper:
    """A time-stamper that signs with egov's TSA certificate, the root embedded."""
    row = pki.tsa_certificate()
    chain = [pki.as_asn1(c) for c in pki.load_chain(row)]
    return DummyTimeStamper(
        tsa_cert=pki.as_asn1(pki.load_certificate(row)),
        tsa_key=pki.key_as_asn1(pki.decrypt_key(row.key_pem)),
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
