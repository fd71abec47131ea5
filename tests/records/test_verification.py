"""Anyone can tell a genuine result from a changed, foreign-signed or revoked one."""

import io
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore

from egov.identity.models import User
from egov.records import pki, services, tsa
from egov.records.errors import PkiError
from egov.records.models import ResultDocument
from egov.records.verification import Outcome, verify_code, verify_pdf
from tests.conftest import pdf_bytes
from tests.records.conftest import (
    ForeignCa,
    development_root_asn1,
    foreign_leaf,
    independent_status,
    signed_pdf,
)

# The tests run in Vietnamese, the first language of the pages.
NOT_ISSUED = "egov chưa cấp văn bản nào có nội dung này (SHA-256)."
UNTRUSTED = "Chứng thư số của người ký không do tổ chức được egov tin cậy cấp."
UNSIGNED = "Văn bản không có chữ ký số."
CHANGED = "Văn bản đã bị thay đổi sau khi ký."


def test_a_genuine_result_is_valid(signed: ResultDocument) -> None:
    verdict = verify_pdf(signed_pdf(signed))
    assert verdict.outcome == Outcome.VALID and verdict.reasons == []
    assert verdict.code == signed.code and verdict.sha256 == signed.sha256
    assert verdict.signer == "Ủy ban nhân dân phường Ba Đình"
    assert (verdict.agency, verdict.agency_code) == (
        "Ủy ban nhân dân phường Ba Đình",
        "000.00.31.H26",
    )
    assert verdict.issued_at == signed.signed_at
    assert verdict.timestamp is not None
    assert abs(verdict.timestamp - signed.signed_at) < timedelta(minutes=1)


def test_the_code_leads_to_the_same_verdict(signed: ResultDocument) -> None:
    verdict = verify_code(f"  {signed.code.lower()} ")
    assert verdict.outcome == Outcome.VALID and verdict.sha256 == signed.sha256
    assert verify_code("0000-0000-0000-0000").outcome == Outcome.UNKNOWN


def _byte_range(data: bytes) -> list[int]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    return list(signature.byte_range)


@pytest.mark.parametrize("where", [0.1, 0.5, 0.99])
def test_one_changed_byte_in_the_signed_content_makes_it_invalid(
    signed: ResultDocument, where: float
) -> None:
    data = bytearray(signed_pdf(signed))
    _, gap_start, _, _ = _byte_range(bytes(data))
    data[int(gap_start * where)] ^= 0x01
    verdict = verify_pdf(bytes(data))
    assert verdict.outcome == Outcome.INVALID
    assert NOT_ISSUED in verdict.reasons
    assert CHANGED in verdict.reasons  # a byte of content changed: the file stays readable
    # pyHanko on its own agrees; any error here fails the test rather than skip the check.
    status = independent_status(bytes(data), [development_root_asn1()])
    assert not status.intact and not status.bottom_line


def test_one_changed_byte_in_the_signature_padding_is_caught_by_the_hash(
    signed: ResultDocument,
) -> None:
    """The zero padding after the CMS blob in /Contents is outside the signed byte range and
    ignored by CMS parsers: the signature stays intact, the document's SHA-256 does not."""
    data = bytearray(signed_pdf(signed))
    _, _, gap_end, _ = _byte_range(bytes(data))
    position = gap_end - 3  # a hex "0" of the padding, before the closing ">"
    assert data[position : position + 1] == b"0"
    data[position] = ord("1")
    verdict = verify_pdf(bytes(data))
    assert (verdict.outcome, verdict.reasons) == (Outcome.INVALID, [NOT_ISSUED])


def test_a_document_signed_by_an_unknown_key_is_invalid(
    signed: ResultDocument, foreign_ca: ForeignCa
) -> None:
    certificate, key = foreign_leaf(foreign_ca, "Ủy ban nhân dân phường Ba Đình")
    signer = signers.SimpleSigner(
        signing_cert=pki.as_asn1(certificate),
        signing_key=pki.key_as_asn1(key),
        cert_registry=SimpleCertificateStore.from_certs([pki.as_asn1(foreign_ca[0])]),
    )
    forged = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="Forged", subfilter=SigSeedSubFilter.PADES),
        signer,
        timestamper=tsa.local_timestamper(),
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf_bytes("Giấy khai sinh giả"))))
    verdict = verify_pdf(forged.getvalue())
    assert verdict.outcome == Outcome.INVALID
    assert UNTRUSTED in verdict.reasons
    assert independent_status(forged.getvalue(), [development_root_asn1()]).trusted is False


def test_a_result_re_signed_on_top_by_an_unknown_key_is_invalid(
    signed: ResultDocument, foreign_ca: ForeignCa
) -> None:
    certificate, key = foreign_leaf(foreign_ca, "Kẻ giả mạo")
    signer = signers.SimpleSigner(
        signing_cert=pki.as_asn1(certificate),
        signing_key=pki.key_as_asn1(key),
        cert_registry=SimpleCertificateStore.from_certs([pki.as_asn1(foreign_ca[0])]),
    )
    output = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="Again", subfilter=SigSeedSubFilter.PADES),
        signer,
        timestamper=tsa.local_timestamper(),
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(signed_pdf(signed))))
    verdict = verify_pdf(output.getvalue())
    assert verdict.outcome == Outcome.INVALID
    assert NOT_ISSUED in verdict.reasons


def test_a_pdf_without_a_signature_is_invalid(db: object) -> None:
    verdict = verify_pdf(pdf_bytes("Giấy khai sinh"))
    assert verdict.outcome == Outcome.INVALID
    assert UNSIGNED in verdict.reasons


def test_a_revoked_result_is_reported_revoked_with_reason_and_date(
    signed: ResultDocument, staff: dict[str, User]
) -> None:
    services.revoke(signed.code, staff["approver"], "Cấp sai ngày sinh")
    for verdict in (verify_pdf(signed_pdf(signed)), verify_code(signed.code)):
        assert verdict.outcome == Outcome.REVOKED
        assert verdict.revocation_reason == "Cấp sai ngày sinh"
        assert verdict.revoked_at is not None
        assert timezone.now() - verdict.revoked_at < timedelta(minutes=1)
    # The signature itself is still intact: pyHanko alone cannot know of the revocation.
    assert independent_status(signed_pdf(signed), [development_root_asn1()]).bottom_line


def test_an_imported_certificate_is_trusted_only_through_the_configured_roots(
    signed: ResultDocument, foreign_ca: ForeignCa, settings: object, tmp_path: object
) -> None:
    """Production: an agency certificate from a real CA, imported from PKCS#12; its root is
    trusted because SIGNING_TRUST_ROOTS lists it."""
    from pathlib import Path

    from egov.dossiers.constants import Status

    certificate, key = foreign_leaf(foreign_ca, "Ủy ban nhân dân phường Ba Đình")
    p12 = pkcs12.serialize_key_and_certificates(
        b"ubnd",
        key,
        certificate,
        [foreign_ca[0]],
        serialization.BestAvailableEncryption(b"mat-khau"),
    )
    row = pki.import_pkcs12(signed.agency, p12, b"mat-khau")
    assert pki.agency_certificate(signed.agency) == row
    from egov.records import tasks

    document = ResultDocument.objects.get(pk=signed.pk)
    document.status, document.file = "pending", None
    document.save()
    tasks.sign_result.call(document.pk)
    document.refresh_from_db()
    assert document.certificate == row and document.status == "signed"
    assert verify_pdf(signed_pdf(document)).outcome == Outcome.INVALID  # root not configured
    bundle = Path(str(tmp_path)) / "roots.pem"
    bundle.write_bytes(foreign_ca[0].public_bytes(serialization.Encoding.PEM))
    settings.SIGNING_TRUST_ROOTS = str(bundle)  # type: ignore[attr-defined]
    assert verify_pdf(signed_pdf(document)).outcome == Outcome.VALID
    assert Status  # the dossier keeps its status


def test_a_wrong_p12_passphrase_is_refused(signed: ResultDocument, foreign_ca: ForeignCa) -> None:
    certificate, key = foreign_leaf(foreign_ca, "UBND")
    p12 = pkcs12.serialize_key_and_certificates(
        b"ubnd", key, certificate, None, serialization.BestAvailableEncryption(b"dung")
    )
    with pytest.raises(PkiError):
        pki.import_pkcs12(signed.agency, p12, b"sai")
