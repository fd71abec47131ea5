"""Anyone can verify a result without egov: the trust roots are published at a well-known
address (and linked from the verification page), and every signature embeds its chain, so
pyHanko validates a result with the published roots alone."""

import io
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.test import Client
from pyhanko.pdf_utils.reader import PdfFileReader

from egov.records import pki
from egov.records.models import ResultDocument
from tests.records.conftest import independent_status, signed_pdf


def published_roots(client: Client) -> list[x509.Certificate]:
    response = client.get("/.well-known/egov/trust-roots.pem")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pem-file"
    return x509.load_pem_x509_certificates(response.content)


def as_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def test_a_result_validates_with_the_published_roots_only(
    signed: ResultDocument, client: Client
) -> None:
    roots = published_roots(client)
    assert [root.subject.rfc4514_string() for root in roots] == [
        pki.load_certificate(pki.development_root()).subject.rfc4514_string()
    ]
    status = independent_status(signed_pdf(signed), [as_asn1(root) for root in roots])
    assert status.bottom_line and status.trusted
    stamp = status.timestamp_validity
    assert stamp is not None and stamp.trusted and stamp.valid


def test_the_signature_and_its_time_stamp_embed_their_chains(signed: ResultDocument) -> None:
    reader = PdfFileReader(io.BytesIO(signed_pdf(signed)))
    (signature,) = reader.embedded_signatures
    embedded = {
        c.chosen.subject.native["common_name"] for c in signature.signed_data["certificates"]
    }
    assert {signed.agency.name, pki.ROOT_NAME} <= embedded
    token = signature.signer_info["unsigned_attrs"][0]["values"][0]["content"]
    stamped = {c.chosen.subject.native["common_name"] for c in token["certificates"]}
    assert {pki.TSA_NAME, pki.ROOT_NAME} <= stamped


def test_each_published_certificate_downloads_by_its_fingerprint(
    signed: ResultDocument, client: Client
) -> None:
    published = pki.published_certificates()
    assert {c.role for c in published} == {"root", "tsa"}
    for certificate in published:
        fingerprint = certificate.certificate.fingerprint(hashes.SHA256()).hex()
        pem = client.get(f"/.well-known/egov/certificates/{fingerprint}.pem")
        assert pem.status_code == 200
        assert x509.load_pem_x509_certificate(pem.content) == certificate.certificate
        der = client.get(f"/.well-known/egov/certificates/{fingerprint}.cer")
        assert der["Content-Type"] == "application/pkix-cert"
        assert x509.load_der_x509_certificate(der.content) == certificate.certificate
    assert client.get("/.well-known/egov/certificates/" + "0" * 64 + ".pem").status_code == 404


def test_the_verification_page_links_the_trust_roots(
    signed: ResultDocument, client: Client
) -> None:
    page = client.get("/verify/").content.decode()
    assert 'href="/.well-known/egov/trust-roots.pem"' in page
    for certificate in pki.published_certificates():
        assert f"/.well-known/egov/certificates/{certificate.fingerprint}.pem" in page
    assert "Tự xác thực không cần egov" in page


def test_configured_roots_are_published_too(
    signed: ResultDocument, client: Client, settings: Any, tmp_path: Any, foreign_ca: Any
) -> None:
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(foreign_ca[0].public_bytes(serialization.Encoding.PEM))
    settings.SIGNING_TRUST_ROOTS = str(bundle)
    assert foreign_ca[0] in published_roots(client)
