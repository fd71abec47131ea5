"""egov's time-stamping service speaks RFC 3161 over HTTP."""

import hashlib
import os

import pytest
from asn1crypto import algos, tsp
from django.test import Client

from egov.records import pki, tsa
from egov.records.models import ResultDocument
from egov.records.verification import Outcome, verify_pdf
from tests.records.conftest import signed_pdf


def _query(digest: bytes, algorithm: str = "sha256") -> bytes:
    return tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": tsp.MessageImprint(
                {
                    "hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
                    "hashed_message": digest,
                }
            ),
            "nonce": int.from_bytes(os.urandom(8), "big"),
            "cert_req": True,
        }
    ).dump()


def test_the_endpoint_grants_a_signed_time_stamp_token(client: Client, db: object) -> None:
    digest = hashlib.sha256(b"Giay khai sinh").digest()
    query = _query(digest)
    response = client.post("/tsa/", query, content_type="application/timestamp-query")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/timestamp-reply"
    reply = tsp.TimeStampResp.load(response.content)
    assert reply["status"]["status"].native == "granted"
    token = reply["time_stamp_token"]
    signed_data = token["content"]
    info = signed_data["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["nonce"].native == tsp.TimeStampReq.load(query)["nonce"].native
    (signer,) = signed_data["signer_infos"]
    tsa_certificate = pki.as_asn1(pki.load_certificate(pki.tsa_certificate()))
    sid = signer["sid"].chosen
    assert sid["serial_number"].native == tsa_certificate.serial_number
    # The signature over the signed attributes checks out with the TSA's public key.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    pki.load_certificate(pki.tsa_certificate()).public_key().verify(  # type: ignore[call-arg]
        signer["signature"].native,
        # Signed as a DER SET (tag 0x31), embedded with the implicit [0] tag (0xA0).
        b"\x31" + signer["signed_attrs"].dump()[1:],
        padding.PKCS1v15(),  # type: ignore[arg-type]
        hashes.SHA256(),  # type: ignore[arg-type]
    )


def test_malformed_and_unsupported_queries_are_rejected(client: Client, db: object) -> None:
    bad = client.post("/tsa/", b"not DER", content_type="application/timestamp-query")
    assert bad.status_code == 400
    reply = tsa.Rejection.load(bad.content)
    assert reply["status"]["status"].native == "rejection"
    assert reply["status"]["fail_info"].native == {"bad_data_format"}
    md5 = client.post(
        "/tsa/",
        _query(hashlib.md5(b"x").digest(), "md5"),
        content_type="application/timestamp-query",
    )
    assert tsa.Rejection.load(md5.content)["status"]["fail_info"].native == {"bad_alg"}
    assert client.post("/tsa/", b"x", content_type="text/plain").status_code == 415
    assert client.get("/tsa/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_results_can_be_stamped_by_a_tsa_over_http(
    live_server: object, make_dossier: object, settings: object
) -> None:
    """TSA_URL set: the signer asks the TSA over HTTP (here egov's own endpoint)."""
    from egov.dossiers.constants import Status

    # The TSA has its certificate before it serves, as `setup_pki` gives it in a deployment
    # (here the immediate task backend signs inside the approving transaction, which holds
    # SQLite's write lock while the TSA is asked).
    pki.tsa_certificate()
    settings.TSA_URL = f"{live_server.url}/tsa/"  # type: ignore[attr-defined]
    assert type(tsa.timestamper()).__name__ == "RequestsHTTPTimeStamper"
    dossier = make_dossier(Status.RESULT_READY)  # type: ignore[operator]
    document = ResultDocument.objects.get(dossier=dossier)
    assert document.status == "signed", document.last_error
    assert verify_pdf(signed_pdf(document)).outcome == Outcome.VALID
