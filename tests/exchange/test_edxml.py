"""edXML envelopes (QCVN 102:2016): build, parse, validate, sign, verify, hub hops, message keys.

No database: the module under test is pure. Keys and certificates are made once per module.
"""

import base64
import copy
import dataclasses
import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureConstructionMethod,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)

from egov.exchange import edxml
from egov.exchange.edxml import (
    NS,
    STATUS_CODES,
    Attachment,
    Business,
    DocumentMessage,
    EnvelopeInvalid,
    Organ,
    Reference,
    SignatureInvalid,
    StaffInfo,
    StatusMessage,
    Trace,
)

FIXTURES = Path(__file__).parent / "fixtures"
DS = "http://www.w3.org/2000/09/xmldsig#"
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NEW_DOC_ID = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


def codes(exc: EnvelopeInvalid) -> set[tuple[str, str]]:
    return {(p.code, p.field) for p in exc.problems}


def problems_of(data: bytes) -> set[tuple[str, str]]:
    with pytest.raises(EnvelopeInvalid) as caught:
        edxml.parse(data)
    return codes(caught.value)


REASONS = {
    "absent",
    "malformed",
    "digest_mismatch",
    "bad_signature",
    "untrusted_certificate",
    "expired_certificate",
    "wrong_signer",
}


def refusal(data: bytes, roots: list[x509.Certificate], at: datetime | None = None) -> str:
    with pytest.raises(SignatureInvalid) as caught:
        edxml.verify(data, roots, at)
    assert caught.value.message  # always an explanation
    return caught.value.reason


# --- keys and certificates -----------------------------------------------------------------------


@dataclass
class Pki:
    root: x509.Certificate
    root_key: rsa.RSAPrivateKey
    leaf: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    expired: x509.Certificate
    expired_key: rsa.RSAPrivateKey
    stranger: x509.Certificate  # issued by another root
    stranger_key: rsa.RSAPrivateKey
    intermediate: x509.Certificate
    via_intermediate: x509.Certificate
    via_intermediate_key: rsa.RSAPrivateKey
    old_intermediate: x509.Certificate  # expired, though what it issued is not
    via_old: x509.Certificate


def _name(common: str, unit: str = "") -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bộ Nội vụ"),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(attributes)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(
    subject: x509.Name,
    key: Any,
    issuer: x509.Certificate | None = None,
    issuer_key: Any = None,
    *,
    ca: bool = False,
    valid: tuple[int, int] = (-1, 365),
) -> x509.Certificate:
    now = datetime.now(UTC)
    usage = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    usage.update({"key_cert_sign": True, "crl_sign": True} if ca else {"digital_signature": True})
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=valid[0]))
        .not_valid_after(now + timedelta(days=valid[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
    )
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki() -> Pki:
    root_key, leaf_key, expired_key = _key(), _key(), _key()
    root = _certificate(_name("egov Test Root CA"), root_key, ca=True, valid=(-3650, 3650))
    leaf = _certificate(_name("Văn thư Bộ Nội vụ", "000.00.00.H26"), leaf_key, root, root_key)
    expired = _certificate(
        _name("Văn thư cũ", "000.00.00.H26"), expired_key, root, root_key, valid=(-400, -30)
    )
    other_root_key, stranger_key = _key(), _key()
    other_root = _certificate(_name("Another Root CA"), other_root_key, ca=True)
    stranger = _certificate(
        _name("Mạo danh", "000.00.00.H26"), stranger_key, other_root, other_root_key
    )
    intermediate_key, via_key = _key(), _key()
    intermediate = _certificate(
        _name("egov Test Issuing CA"), intermediate_key, root, root_key, ca=True
    )
    via = _certificate(_name("Văn thư", "000.00.00.H41"), via_key, intermediate, intermediate_key)
    old_intermediate = _certificate(
        _name("egov Old Issuing CA"), intermediate_key, root, root_key, ca=True, valid=(-400, -1)
    )
    via_old = _certificate(
        _name("Văn thư", "000.00.00.H41"), via_key, old_intermediate, intermediate_key
    )
    return Pki(
        root, root_key, leaf, leaf_key, expired, expired_key, stranger, stranger_key,
        intermediate, via, via_key, old_intermediate, via_old,
    )  # fmt: skip


# --- sample messages -----------------------------------------------------------------------------


def document(**changes: Any) -> DocumentMessage:
    message = DocumentMessage(
        sender=Organ("000.00.00.H26", "Bộ Nội vụ", address="Số 8 Tôn Thất Thuyết, Hà Nội"),
        recipients=[Organ("000.00.00.G22", "Văn phòng Chính phủ"), Organ("000.00.00.H41")],
        document_id=edxml.document_id("000.00.00.H26", date(2024, 3, 15), "125", "QĐ-BNV"),
        code_number="125",
        code_notation="QĐ-BNV",
        place="Hà Nội",
        promulgation_date=date(2024, 3, 15),
        type=1,
        type_detail=2,
        type_name="Quyết định",
        subject="Quyết định về việc <ban hành> quy chế & \"mẫu\" 'văn thư' Đạồ",
        content="Nội dung tóm tắt",
        signer_competence="KT. BỘ TRƯỞNG",
        signer_position="Thứ trưởng",
        signer_name="Phạm Thị Hồng",
        due_date=date(2024, 4, 1),
        priority=2,
        steering_type=1,
        to_places=["Như trên", "Lưu: VT"],
        appendixes=["Phụ lục I"],
        page_amount=3,
        promulgation_amount=5,
        business_reason="Văn bản mới",
        staff=StaffInfo("Văn thư", "Lê Văn Hải", "0987654321", "vanthu@moha.gov.vn"),
        traces=[Trace("000.00.00.H26", datetime(2024, 3, 15, 16, 40, 5))],
        attachments=[
            Attachment("1", "125-QD-BNV.pdf", "application/pdf", TINY_PDF, "Tệp chính"),
            Attachment("2", "phu-luc.docx", DOCX, b"PK\x03\x04 docx-ish bytes", "Phụ lục"),
        ],
    )
    return dataclasses.replace(message, **changes)


def status(**changes: Any) -> StatusMessage:
    message = StatusMessage(
        sender=Organ("000.00.00.G22", "Văn phòng Chính phủ"),
        response_for=Reference("000.00.00.H26", "125/QĐ-BNV", date(2024, 3, 15), "x"),
        status_code="03",
        description="Đã tiếp nhận",
        timestamp=datetime(2024, 3, 15, 17, 0, 0),
        staff=StaffInfo("Văn thư", "Trần Thị B"),
        traces=[Trace("000.00.00.G22", datetime(2024, 3, 15, 17, 0, 1))],
    )
    return dataclasses.replace(message, **changes)


@pytest.fixture(scope="module")
def signed(pki: Pki) -> bytes:
    return edxml.build(document(), pki.leaf_key, pki.leaf)


def edit(data: bytes, change: Callable[[Any], None]) -> bytes:
    """The envelope after ``change(root)``; comments and layout kept as they were."""
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def find(root: Any, path: str) -> Any:
    """The element at a path of local names (namespace-agnostic), e.g. 'edXMLEnvelope/edXMLHeader'."""
    element = root
    for name in path.split("/"):
        element = next(c for c in element if etree.QName(c).localname == name)
    return element


def header(root: Any) -> Any:
    return find(root, "edXMLEnvelope/edXMLHeader/MessageHeader")


# --- the hand-written fixtures -------------------------------------------------------------------


def test_a_new_official_letter_from_the_axis_parses() -> None:
    message = edxml.parse(fixture("edoc_new.edxml"))
    assert isinstance(message, DocumentMessage)
    assert message.sender == Organ(
        organ_id="000.00.00.G22",
        name="Văn phòng Chính phủ",
        in_charge="Chính phủ",
        address="Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
        email="vpcp@chinhphu.vn",
        telephone="080 43100",
        fax="080 44130",
        website="vpcp.chinhphu.vn",
    )
    assert [r.organ_id for r in message.recipients] == ["000.00.00.H26", "000.00.00.H41"]
    assert message.recipients[0].name == "Bộ Nội vụ"
    assert message.document_id == NEW_DOC_ID
    assert (message.code_number, message.code_notation) == ("7816", "VPCP-TTĐT")
    assert (message.place, message.promulgation_date) == ("Hà Nội", date(2015, 9, 30))
    assert (message.type, message.type_detail, message.type_name) == (1, 18, "Công văn")
    assert message.subject == "V/v kết nối, liên thông phần mềm quản lý văn bản"
    assert message.signer_competence == "KT. BỘ TRƯỞNG, CHỦ NHIỆM"
    assert message.signer_name == "Nguyễn Văn Tùng"
    assert message.due_date == date(2015, 12, 31)
    assert (message.priority, message.steering_type) == (1, 1)
    assert (message.promulgation_amount, message.page_amount) == (2, 3)
    assert message.appendixes == ["Danh sách cơ quan kết nối"]
    assert message.to_places == [
        "Các bộ, cơ quan ngang bộ",
        "UBND các tỉnh, thành phố trực thuộc Trung ương",
    ]
    assert message.response_for is None
    assert message.business == Business.NEW
    assert message.business_reason == "Văn bản điện tử mới"
    assert message.staff == StaffInfo(
        "Văn thư Văn phòng", "Nguyễn Thị Ngọc Trâm", "0912000001", "vanthu@chinhphu.vn"
    )
    assert message.traces == [Trace("000.00.00.G22", datetime(2015, 9, 30, 10, 15))]


def test_the_sdk_zipped_attachment_is_unwrapped_to_the_manifest_type() -> None:
    message = edxml.parse(fixture("edoc_new.edxml"))
    assert isinstance(message, DocumentMessage)
    assert message.attachments == [
        Attachment(
            content_id="7816-vpcp",
            name="7816-VPCP-TTDT.pdf",
            content_type="application/pdf",
            data=TINY_PDF,
            description="Công văn 7816/VPCP-TTĐT",
        )
    ]


def test_a_decision_with_two_prefixed_attachments_parses() -> None:
    message = edxml.parse(fixture("edoc_attachments.edxml"))
    assert isinstance(message, DocumentMessage)
    assert (message.type_detail, message.type_name) == (2, "Quyết định")
    assert message.document_id == "000.00.00.H26,2024/03/15,125/QĐ-BNV"
    assert message.business == Business.NEW
    assert message.traces == [Trace("000.00.00.H26", datetime(2024, 3, 15, 16, 40, 5))]
    pdf, docx = message.attachments
    assert (pdf.content_id, pdf.name, pdf.content_type, pdf.data) == (
        "qd-125",
        "125-QD-BNV.pdf",
        "application/pdf",
        TINY_PDF,
    )
    # A DOCX is a zip, but it is not labelled application/zip: it stays as it came.
    assert (docx.content_id, docx.content_type) == ("qd-125-phu-luc", DOCX)
    with zipfile.ZipFile(io.BytesIO(docx.data)) as archive:
        assert archive.namelist() == ["[Content_Types].xml", "word/document.xml"]
    assert docx.description == "Phụ lục: Quy chế công tác văn thư"


def test_a_status_03_answering_the_new_letter_parses() -> None:
    message = edxml.parse(fixture("status_03.edxml"))
    assert message == StatusMessage(
        sender=Organ("000.00.00.H26", "Bộ Nội vụ"),
        response_for=Reference("000.00.00.G22", "7816/VPCP-TTĐT", date(2015, 9, 30), NEW_DOC_ID),
        status_code="03",
        description="Đã tiếp nhận văn bản",
        timestamp=datetime(2015, 9, 30, 14, 2, 11),
        staff=StaffInfo("Văn thư Bộ", "Lê Văn Hải", "0987654321", "vanthu@moha.gov.vn"),
        traces=[Trace("000.00.00.H26", datetime(2015, 9, 30, 14, 2, 12))],
    )
    assert STATUS_CODES[message.status_code] == "accepted"


def test_a_revoke_with_business_after_the_trace_parses() -> None:
    message = edxml.parse(fixture("edoc_revoke.edxml"))
    assert isinstance(message, DocumentMessage)
    assert message.business == Business.REVOKE
    assert message.business_reason == "Thu hồi để bổ sung phụ lục"
    assert message.response_for == Reference(
        "000.00.00.G22", "7816/VPCP-TTĐT", date(2015, 9, 30), NEW_DOC_ID
    )
    assert message.staff == StaffInfo("Văn thư Văn phòng", "Nguyễn Thị Ngọc Trâm")
    assert message.attachments == []
    assert message.traces == [Trace("000.00.00.G22", datetime(2015, 10, 1, 8, 30))]


@pytest.mark.parametrize(
    "name", ["edoc_new.edxml", "edoc_attachments.edxml", "status_03.edxml", "edoc_revoke.edxml"]
)
def test_the_fixtures_round_trip(name: str) -> None:
    message = edxml.parse(fixture(name))
    again = edxml.build(message)
    assert edxml.parse(again) == message
    assert edxml.build(edxml.parse(again)) == again  # what we write is stable


def test_a_duplicate_recipient_is_the_only_problem() -> None:
    assert problems_of(fixture("invalid_duplicate_to.edxml")) == {
        ("duplicate_recipient", "MessageHeader/To[2]/OrganId")
    }


def test_lengths_over_the_limits_are_the_only_problems() -> None:
    with pytest.raises(EnvelopeInvalid) as caught:
        edxml.parse(fixture("invalid_lengths.edxml"))
    assert codes(caught.value) == {
        ("too_long", "MessageHeader/Subject"),
        ("too_long", "MessageHeader/Code/CodeNumber"),
    }
    messages = " ".join(p.message for p in caught.value.problems)
    assert "501 characters; at most 500" in messages
    assert "12 characters; at most 11" in messages


def test_the_axis_placeholder_signature_is_refused_clearly(pki: Pki) -> None:
    with pytest.raises(SignatureInvalid) as caught:
        edxml.verify(fixture("edoc_new.edxml"), [pki.root])
    assert caught.value.reason == "malformed"
    assert "XML-Signature namespace" in caught.value.message
    assert "placeholder" in caught.value.message


def test_a_sha1_xmldsig_signature_is_refused(pki: Pki) -> None:
    def to_xmldsig(root: Any) -> None:
        signature = find(root, "edXMLEnvelope/edXMLHeader/Signature")
        for element in signature.iter():
            element.tag = f"{{{DS}}}{etree.QName(element).localname}"

    data = edit(fixture("edoc_new.edxml"), to_xmldsig)
    with pytest.raises(SignatureInvalid) as caught:
        edxml.verify(data, [pki.root])
    assert caught.value.reason == "bad_signature"
    assert "rsa-sha1" in caught.value.message


# --- build ---------------------------------------------------------------------------------------


def test_build_writes_the_tree_of_the_standard() -> None:
    root = etree.fromstring(edxml.build(document()))
    assert root.tag == q("edXML") and root.prefix is None
    envelope = root[0]
    assert envelope.tag == q("edXMLEnvelope") and envelope.prefix == "edXML"
    assert [etree.QName(c).localname for c in root] == ["edXMLEnvelope", "AttachmentEncoded"]
    assert [etree.QName(c).localname for c in header(root)] == [
        "From", "To", "To", "DocumentId", "Code", "PromulgationInfo", "DocumentType", "Subject",
        "Content", "SignerInfo", "DueDate", "OtherInfo", "SteeringType", "ToPlaces",
    ]  # fmt: skip
    traces = find(root, "edXMLEnvelope/edXMLHeader/TraceHeaderList")
    assert [etree.QName(c).localname for c in traces] == ["TraceHeader", "Bussiness"]
    business = find(traces, "Bussiness")
    assert [etree.QName(c).localname for c in business] == [
        "BussinessDocType", "BussinessDocReason", "Paper", "StaffInfo",
    ]  # fmt: skip
    assert find(business, "Paper").text == "0"
    manifest = find(root, "edXMLEnvelope/edXMLBody/edXMLManifest")
    assert manifest.get("version") == "1.0"
    assert find(manifest, "Reference/ContentId").text == "cid:1"
    attachment = find(root, "AttachmentEncoded/Attachment")
    assert [etree.QName(c).localname for c in attachment] == [
        "ContentId", "AttachmentName", "Description", "ContentType", "ContentTransferEncoded",
    ]  # fmt: skip
    assert base64.b64decode(find(attachment, "ContentTransferEncoded").text) == TINY_PDF
    assert all(e.tag.startswith(f"{{{NS}}}") for e in root.iter())


def test_build_writes_utf8_with_a_declaration_and_dates_of_the_standard() -> None:
    data = edxml.build(document())
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "Đạồ".encode() in data
    assert b"<edXML:PromulgationDate>2024/03/15</edXML:PromulgationDate>" in data
    assert b"<edXML:Timestamp>2024/03/15 16:40:05</edXML:Timestamp>" in data
    assert b"&lt;ban h" in data and b"&amp;" in data


def test_a_status_has_a_trace_list_and_an_empty_manifest() -> None:
    root = etree.fromstring(edxml.build(status()))
    assert [etree.QName(c).localname for c in header(root)] == [
        "From", "ResponseFor", "StaffInfo", "StatusCode", "Description", "Timestamp",
    ]  # fmt: skip
    assert len(find(root, "edXMLEnvelope/edXMLBody/edXMLManifest")) == 0
    assert [etree.QName(c).localname for c in root] == ["edXMLEnvelope"]
    traces = find(root, "edXMLEnvelope/edXMLHeader/TraceHeaderList")
    assert [etree.QName(c).localname for c in traces] == ["TraceHeader"]


def test_build_refuses_an_invalid_message() -> None:
    with pytest.raises(EnvelopeInvalid) as caught:
        edxml.build(document(recipients=[], subject=""))
    assert codes(caught.value) == {
        ("missing", "MessageHeader/To"),
        ("missing", "MessageHeader/Subject"),
    }


def test_control_characters_are_refused_before_they_break_the_xml() -> None:
    message = document(subject="Báo cáo\x00", recipients=[Organ("000.00.00.G22", "Bộ\x1b")])
    assert {(p.code, p.field) for p in edxml.validate(message)} == {
        ("bad_char", "MessageHeader/Subject"),
        ("bad_char", "MessageHeader/To[1]/OrganName"),
    }
    with pytest.raises(EnvelopeInvalid) as caught:
        edxml.build(message)
    assert "U+0000" in str(caught.value)


def test_tabs_newlines_and_carriage_returns_survive() -> None:
    message = document(content="Dòng 1\r\nDòng 2\tcột")
    again = edxml.parse(edxml.build(message))
    assert isinstance(again, DocumentMessage)
    assert again.content == "Dòng 1\r\nDòng 2\tcột"


def test_signing_needs_the_key_and_the_certificate(pki: Pki) -> None:
    with pytest.raises(ValueError, match="both"):
        edxml.build(document(), pki.leaf_key)


def test_an_elliptic_curve_key_signs_too() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(_name("EC", "000.00.00.H26"), key, valid=(-1, 30))
    data = edxml.build(document(), key, certificate)
    assert b"ecdsa-sha256" in data
    # A self-signed certificate listed among the trusted ones is trusted as it is (pinned).
    assert edxml.verify(data, [certificate]).organ_id == "000.00.00.H26"


# signxml, a maintained XMLDSig library, is the reference both ways: what build() signs verifies
# with it, and what it signs (by Id or the whole document, other canonicalisations and digests,
# comments signed) verifies here.


def signxml_signed(
    message: Any,
    key: Any,
    certificate: x509.Certificate,
    *,
    whole: bool = False,
    c14n: CanonicalizationMethod = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    digest: DigestAlgorithm = DigestAlgorithm.SHA256,
    method: SignatureMethod = SignatureMethod.RSA_SHA256,
    change: Callable[[Any], None] | None = None,
) -> bytes:
    root = etree.fromstring(edxml.build(message))
    if change is not None:
        change(root)
    # signxml fills a placeholder ds:Signature where the envelope wants it (in edXMLHeader).
    header_element = find(root, "edXMLEnvelope/edXMLHeader")
    etree.SubElement(header_element, f"{{{DS}}}Signature", {"Id": "placeholder"}, nsmap={"ds": DS})
    ids = [f"#{e.get('Id')}" for e in root.iter() if e.get("Id") in edxml.SIGNED_IDS.values()]
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=method,
        digest_algorithm=digest,
        c14n_algorithm=c14n,
    )
    result = signer.sign(
        root, key=key, cert=[certificate], reference_uri=None if whole else ids, id_attribute="Id"
    )
    return bytes(etree.tostring(result, xml_declaration=True, encoding="UTF-8"))


@pytest.mark.parametrize("message", [document(), document(attachments=[]), status()])
def test_what_build_signs_verifies_with_signxml(pki: Pki, message: Any) -> None:
    data = edxml.build(message, pki.leaf_key, pki.leaf)
    references = len(etree.fromstring(data).findall(f".//{{{DS}}}Reference"))
    XMLVerifier().verify(
        data,
        x509_cert=pki.leaf,
        id_attribute="Id",
        expect_config=SignatureConfiguration(expect_references=references),
    )


def test_an_elliptic_curve_signature_verifies_with_signxml() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    certificate = _certificate(_name("EC", "000.00.00.H26"), key, valid=(-1, 30))
    data = edxml.build(document(), key, certificate)
    XMLVerifier().verify(
        data,
        x509_cert=certificate,
        id_attribute="Id",
        expect_config=SignatureConfiguration(expect_references=4),
    )


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"whole": True, "c14n": CanonicalizationMethod.CANONICAL_XML_1_0},
        {"whole": True, "c14n": CanonicalizationMethod.CANONICAL_XML_1_1},
        {
            "c14n": CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0_WITH_COMMENTS,
            "digest": DigestAlgorithm.SHA512,
            "method": SignatureMethod.RSA_SHA512,
        },
        {"digest": DigestAlgorithm.SHA384, "method": SignatureMethod.RSA_SHA384},
    ],
    ids=["by-id", "whole-c14n", "whole-c14n11", "comments-sha512", "sha384"],
)
def test_what_signxml_signs_verifies_here(pki: Pki, options: dict[str, Any]) -> None:
    data = signxml_signed(document(), pki.leaf_key, pki.leaf, **options)
    assert edxml.verify(data, [pki.root]).organ_id == "000.00.00.H26"

    def change_subject(root: Any) -> None:
        find(root, "edXMLEnvelope/edXMLHeader/MessageHeader/Subject").text += "."

    assert refusal(edit(data, change_subject), [pki.root]) == "digest_mismatch"


def test_an_elliptic_curve_signature_from_signxml_verifies_here() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(_name("EC", "000.00.00.H26"), key, valid=(-1, 30))
    data = signxml_signed(document(), key, certificate, method=SignatureMethod.ECDSA_SHA256)
    assert edxml.verify(data, [certificate]).organ_id == "000.00.00.H26"


def test_a_signed_comment_is_verified_and_its_change_detected(pki: Pki) -> None:
    def comment(root: Any) -> None:
        find(root, "edXMLEnvelope/edXMLHeader/MessageHeader/Subject").append(
            etree.Comment("ban goc")
        )

    with_comments = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0_WITH_COMMENTS
    data = signxml_signed(document(), pki.leaf_key, pki.leaf, c14n=with_comments, change=comment)
    assert edxml.verify(data, [pki.root]).organ_id == "000.00.00.H26"
    assert edxml.parse(data) == document()  # the comment is not part of the subject
    assert refusal(data.replace(b"ban goc", b"ban sao"), [pki.root]) == "digest_mismatch"


def test_a_transform_other_than_enveloped_and_canonicalisation_is_refused(
    pki: Pki, signed: bytes
) -> None:
    def xpath_transform(root: Any) -> None:
        transform = next(root.iter(f"{{{DS}}}Transform"))
        transform.set("Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116")

    with pytest.raises(SignatureInvalid) as caught:
        edxml.verify(edit(signed, xpath_transform), [pki.root])
    # SignedInfo itself changed: its signature no longer matches, before any transform is run.
    assert caught.value.reason == "bad_signature"


# --- validate ------------------------------------------------------------------------------------


def test_a_valid_message_has_no_problems() -> None:
    assert edxml.validate(document()) == []
    assert edxml.validate(status()) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"type": 3}, ("bad_value", "MessageHeader/DocumentType/Type")),
        ({"type_detail": 30}, ("bad_value", "MessageHeader/DocumentType/TypeDetail")),
        ({"priority": 5}, ("bad_value", "MessageHeader/OtherInfo/Priority")),
        ({"document_id": ""}, ("missing", "MessageHeader/DocumentId")),
        ({"code_number": "", "code_notation": ""}, ("missing", "MessageHeader/Code")),
        ({"code_notation": "X" * 31}, ("too_long", "MessageHeader/Code/CodeNotation")),
        ({"content": "x" * 501}, ("too_long", "MessageHeader/Content")),
        ({"place": "x" * 51}, ("too_long", "MessageHeader/PromulgationInfo/Place")),
        ({"signer_name": "x" * 51}, ("too_long", "MessageHeader/SignerInfo/FullName")),
        ({"appendixes": ["a", "x" * 251]}, ("too_long", "MessageHeader/OtherInfo/Appendixes/Appendix[2]")),
        ({"to_places": ["x" * 151]}, ("too_long", "MessageHeader/ToPlaces/Place[1]")),
        ({"sender": Organ("000.00.00.H26", "x" * 201)}, ("too_long", "MessageHeader/From/OrganName")),
        ({"sender": Organ("000.00.00.H26", address="x" * 251)}, ("too_long", "MessageHeader/From/OrganAdd")),
        ({"sender": Organ("")}, ("missing", "MessageHeader/From/OrganId")),
        ({"sender": Organ("000.00.00.00.H26")}, ("bad_organ_id", "MessageHeader/From/OrganId")),
        ({"sender": Organ("000.00.00.h26")}, ("bad_organ_id", "MessageHeader/From/OrganId")),
        ({"sender": Organ("A" * 36)}, ("bad_organ_id", "MessageHeader/From/OrganId")),
        ({"sender": Organ("000..00.H26")}, ("bad_organ_id", "MessageHeader/From/OrganId")),
        ({"recipients": [Organ("G22"), Organ("")]}, ("missing", "MessageHeader/To[2]/OrganId")),
        ({"business": Business.REVOKE}, ("missing", "MessageHeader/ResponseFor")),
        (
            {"response_for": Reference("000.00.00.H26", "1/X", None, "")},
            ("missing", "MessageHeader/ResponseFor/DocumentId"),
        ),
        (
            {"attachments": [Attachment("1", "a", "application/pdf", b""), Attachment("1", "b", "text/plain", b"")]},
            ("duplicate_attachment", "AttachmentEncoded/Attachment[2]/ContentId"),
        ),
        (
            {"attachments": [Attachment("a b", "a", "application/pdf", b"")]},
            ("bad_value", "AttachmentEncoded/Attachment[1]/ContentId"),
        ),
        (
            {"attachments": [Attachment("1", "", "application/pdf", b"")]},
            ("missing", "AttachmentEncoded/Attachment[1]/AttachmentName"),
        ),
        (
            {"attachments": [Attachment("1", "a", "pdf", b"")]},
            ("bad_value", "AttachmentEncoded/Attachment[1]/ContentType"),
        ),
    ],
)  # fmt: skip
def test_each_rule_names_its_field(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    problems = edxml.validate(document(**changes))
    assert [(p.code, p.field) for p in problems] == [expected]
    assert problems[0].message.endswith(".")


def test_limits_are_inclusive() -> None:
    message = document(
        subject="ạ" * 500,
        code_number="1" * 11,
        code_notation="Đ" * 30,
        sender=Organ("ABCDEFGH.IJKLMNOP.QRSTUVWX.YZ01234", "n" * 200, address="a" * 250),
        type_detail=0,  # "unspecified", as the axis SDK's own samples send it
    )
    assert edxml.validate(message) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"status_code": "07"}, ("bad_value", "MessageHeader/StatusCode")),
        ({"status_code": ""}, ("missing", "MessageHeader/StatusCode")),
        (
            {"response_for": Reference("", "", None, "")},
            ("missing", "MessageHeader/ResponseFor/DocumentId"),
        ),
        (
            {"response_for": Reference("bad id", "", None, "x")},
            ("bad_organ_id", "MessageHeader/ResponseFor/OrganId"),
        ),
        ({"description": "\x07"}, ("bad_char", "MessageHeader/Description")),
    ],
)
def test_status_rules(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    assert [(p.code, p.field) for p in edxml.validate(status(**changes))] == [expected]


def test_status_codes_are_the_nine_of_the_reference() -> None:
    assert list(STATUS_CODES) == ["01", "02", "03", "04", "05", "06", "13", "15", "16"]
    assert STATUS_CODES["01"] == "arrived"
    assert STATUS_CODES["02"] == "refused"


def test_an_aware_time_is_kept_as_vietnam_local_time_to_the_second() -> None:
    trace = Trace("HUB", datetime(2024, 3, 15, 9, 40, 5, 123456, tzinfo=UTC))
    assert trace.timestamp == datetime(2024, 3, 15, 16, 40, 5)
    later = status(timestamp=datetime(2024, 3, 15, 10, 0, tzinfo=timezone(timedelta(hours=9))))
    assert later.timestamp == datetime(2024, 3, 15, 8, 0)
    assert StatusMessage(Organ("A"), Reference("", "", None, "x"), "01").timestamp.microsecond == 0


# --- parse: liberal in what is accepted ----------------------------------------------------------


def test_unqualified_elements_parse_like_qualified_ones() -> None:
    data = edxml.build(document())

    def strip_namespaces(root: Any) -> None:
        for element in root.iter():
            element.tag = etree.QName(element).localname
        etree.cleanup_namespaces(root)

    assert edxml.parse(edit(data, strip_namespaces)) == document()


def test_element_order_does_not_matter() -> None:
    def shuffle(root: Any) -> None:
        message_header = header(root)
        # Alphabetical: Appendixes... before From, Subject after SignerInfo; To stays in order.
        for child in sorted(message_header, key=lambda c: etree.QName(c).localname):
            message_header.append(child)
        body, envelope = find(root, "edXMLEnvelope/edXMLBody"), find(root, "edXMLEnvelope")
        envelope.remove(body)
        envelope.insert(0, body)

    assert edxml.parse(edit(edxml.build(document()), shuffle)) == document()


def test_optional_children_may_be_left_out() -> None:
    data = (
        f'<edXML xmlns="{NS}"><edXMLEnvelope><edXMLHeader><MessageHeader>'
        "<From><OrganId>000.00.00.G22</OrganId></From><To><OrganId>000.00.00.H26</OrganId></To>"
        f"<DocumentId>{NEW_DOC_ID}</DocumentId><Code><CodeNumber>7816</CodeNumber></Code>"
        "<PromulgationInfo><PromulgationDate>2015-09-30</PromulgationDate></PromulgationInfo>"
        "<DocumentType><Type>1</Type><TypeDetail>0</TypeDetail></DocumentType>"
        "<Subject>V/v</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"
    ).encode()
    message = edxml.parse(data)
    assert isinstance(message, DocumentMessage)
    assert (message.subject, message.code_notation, message.type_detail) == ("V/v", "", 0)
    assert (message.traces, message.attachments, message.response_for) == ([], [], None)
    assert message.business == Business.NEW and message.priority == 0


def test_a_uuid_document_id_and_an_empty_response_for_are_accepted() -> None:
    def uuid_and_empty_reference(root: Any) -> None:
        message_header = header(root)
        find(message_header, "DocumentId").text = "5e515fca-3627-4f2e-b517-7169acdc8bda"
        reference = etree.SubElement(message_header, q("ResponseFor"))
        etree.SubElement(reference, q("OrganId"))
        etree.SubElement(reference, q("DocumentId"))

    message = edxml.parse(edit(edxml.build(document()), uuid_and_empty_reference))
    assert isinstance(message, DocumentMessage)
    assert message.document_id == "5e515fca-3627-4f2e-b517-7169acdc8bda"
    assert message.response_for is None


def test_surrounding_layout_whitespace_is_not_data() -> None:
    def pad(root: Any) -> None:
        subject = find(header(root), "Subject")
        subject.text = "\n      " + subject.text + "\n    "

    message = edxml.parse(edit(edxml.build(document()), pad))
    assert isinstance(message, DocumentMessage)
    assert message.subject == document().subject


def test_a_comment_does_not_truncate_a_value() -> None:
    data = edxml.build(document(subject="Chi 100 triệu"))
    data = data.replace("Chi 100 triệu".encode(), "Chi <!-- x -->100<?pi y?> triệu".encode())
    message = edxml.parse(data)
    assert isinstance(message, DocumentMessage)
    assert message.subject == "Chi 100 triệu"


def test_a_manifest_reference_by_xlink_href_is_accepted() -> None:
    def xlink(root: Any) -> None:
        for reference in find(root, "edXMLEnvelope/edXMLBody/edXMLManifest"):
            content_id = find(reference, "ContentId")
            reference.set("{http://www.w3.org/1999/xlink}href", content_id.text)
            reference.remove(content_id)

    assert edxml.parse(edit(edxml.build(document()), xlink)) == document()


def test_iso_dates_and_times_with_a_zone_are_read() -> None:
    def iso(root: Any) -> None:
        find(header(root), "PromulgationInfo/PromulgationDate").text = "2024-03-15"
        trace = find(root, "edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/Timestamp")
        trace.text = "2024-03-15T09:40:05.250Z"

    message = edxml.parse(edit(edxml.build(document()), iso))
    assert isinstance(message, DocumentMessage)
    assert message.promulgation_date == date(2024, 3, 15)
    assert message.traces[0].timestamp == datetime(2024, 3, 15, 16, 40, 5)


def with_attachment(carried_type: str, listed_type: str, data: bytes) -> bytes:
    """An envelope whose one attachment is labelled ``carried_type`` in AttachmentEncoded and
    ``listed_type`` in the manifest, carrying ``data``."""
    message = document(attachments=[Attachment("1", "file.pdf", listed_type, b"x")])

    def relabel(root: Any) -> None:
        attachment = find(root, "AttachmentEncoded/Attachment")
        find(attachment, "ContentType").text = carried_type
        find(attachment, "ContentTransferEncoded").text = base64.b64encode(data).decode()

    return edit(edxml.build(message), relabel)


def zipped(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def only_attachment(data: bytes) -> Attachment:
    message = edxml.parse(data)
    assert isinstance(message, DocumentMessage)
    (attachment,) = message.attachments
    return attachment


def test_a_one_entry_zip_labelled_zip_takes_the_manifest_type() -> None:
    attachment = only_attachment(
        with_attachment("application/zip", "application/pdf", zipped(("a.pdf", TINY_PDF)))
    )
    assert (attachment.content_type, attachment.data) == ("application/pdf", TINY_PDF)


@pytest.mark.parametrize(
    ("carried_type", "listed_type", "data"),
    [
        ("application/zip", "application/pdf", zipped(("a.pdf", b"1"), ("b.pdf", b"2"))),
        ("application/zip", "application/zip", zipped(("a.pdf", TINY_PDF))),
        ("application/pdf", "application/pdf", zipped(("a.pdf", TINY_PDF))),
        ("application/zip", "application/pdf", b"not a zip at all"),
    ],
    ids=["two entries", "manifest says zip", "not labelled zip", "not a zip"],
)
def test_other_attachments_are_kept_as_they_came(
    carried_type: str, listed_type: str, data: bytes
) -> None:
    attachment = only_attachment(with_attachment(carried_type, listed_type, data))
    assert (attachment.content_type, attachment.data) == (carried_type, data)


def test_attachments_over_the_parser_limit_are_refused_on_both_sides() -> None:
    big = Attachment("1", "scan.pdf", "application/pdf", b"%" * (edxml.MAX_ATTACHMENT_BYTES + 1))
    with pytest.raises(EnvelopeInvalid) as caught:
        edxml.build(document(attachments=[big]))
    assert codes(caught.value) == {
        ("too_large", "AttachmentEncoded/Attachment[1]/ContentTransferEncoded")
    }
    # What another producer sends beyond libxml2's 10 MB text limit is named, not "malformed".
    huge = base64.b64encode(b"%" * 7_600_000).decode()

    def stuff(root: Any) -> None:
        find(root, "AttachmentEncoded/Attachment/ContentTransferEncoded").text = huge

    assert problems_of(edit(edxml.build(document()), stuff)) == {("too_large", "")}


def test_a_zip_bomb_is_not_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edxml, "MAX_UNZIPPED_BYTES", 1000)
    data = with_attachment("application/zip", "application/pdf", zipped(("a.pdf", b"0" * 5000)))
    assert problems_of(data) == {("attachment_too_large", "AttachmentEncoded/Attachment[1]")}


# --- parse: precise problems ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"not xml", b"<edXML", b"<edXML>\x00</edXML>", b"\xff\xfe<"],
    ids=["empty", "text", "unclosed", "nul", "bad encoding"],
)
def test_what_is_not_xml_is_malformed(data: bytes) -> None:
    assert problems_of(data) == {("malformed_xml", "")}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader>
<MessageHeader><Subject>&lol9;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"""


def test_a_billion_laughs_does_not_expand(pki: Pki) -> None:
    started = time.monotonic()
    assert problems_of(BILLION_LAUGHS) == {("malformed_xml", "")}
    assert refusal(BILLION_LAUGHS, [pki.root]) == "malformed"
    with pytest.raises(EnvelopeInvalid):
        edxml.add_trace(BILLION_LAUGHS, Trace("HUB", datetime(2024, 1, 1)))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE edXML SYSTEM "http://example.invalid/edxml.dtd">',
        "<!DOCTYPE edXML>",
    ],
    ids=["external entity", "external dtd", "bare doctype"],
)
def test_a_doctype_is_refused(doctype: str) -> None:
    data = edxml.build(document()).replace(b"?>\n", f"?>\n{doctype}\n".encode(), 1)
    with pytest.raises(EnvelopeInvalid) as caught:
        edxml.parse(data)
    assert codes(caught.value) == {("malformed_xml", "")}
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd


@pytest.mark.parametrize(
    "data",
    [b"<html/>", b'<edXML xmlns="urn:other"/>', f'<edXMLEnvelope xmlns="{NS}"/>'.encode()],
)
def test_a_wrong_root_is_named(data: bytes) -> None:
    assert problems_of(data) == {("wrong_root", "")}


def test_a_missing_envelope_part_is_named() -> None:
    assert problems_of(f'<edXML xmlns="{NS}"/>'.encode()) == {("missing", "edXMLEnvelope")}
    no_header = f'<edXML xmlns="{NS}"><edXMLEnvelope/></edXML>'.encode()
    assert problems_of(no_header) == {("missing", "edXMLHeader")}


def test_missing_required_fields_are_all_reported() -> None:
    def remove(root: Any) -> None:
        message_header = header(root)
        for name in ("Subject", "DocumentId", "Code", "To"):
            for element in [c for c in message_header if etree.QName(c).localname == name]:
                message_header.remove(element)
        find(message_header, "From").remove(find(message_header, "From/OrganId"))
        info = find(message_header, "PromulgationInfo")
        info.remove(find(info, "PromulgationDate"))

    assert problems_of(edit(edxml.build(document()), remove)) == {
        ("missing", "MessageHeader/From/OrganId"),
        ("missing", "MessageHeader/To"),
        ("missing", "MessageHeader/DocumentId"),
        ("missing", "MessageHeader/Code"),
        ("missing", "MessageHeader/PromulgationInfo/PromulgationDate"),
        ("missing", "MessageHeader/Subject"),
    }


def test_missing_status_fields_are_all_reported() -> None:
    def remove(root: Any) -> None:
        message_header = header(root)
        find(message_header, "From").remove(find(message_header, "From/OrganId"))
        reference = find(message_header, "ResponseFor")
        reference.remove(find(reference, "DocumentId"))
        find(message_header, "StatusCode").text = ""  # present (a status) but empty
        message_header.remove(find(message_header, "Timestamp"))

    assert problems_of(edit(edxml.build(status()), remove)) == {
        ("missing", "MessageHeader/From/OrganId"),
        ("missing", "MessageHeader/ResponseFor/DocumentId"),
        ("missing", "MessageHeader/StatusCode"),
        ("missing", "MessageHeader/Timestamp"),
    }


def test_bad_values_are_all_reported_once() -> None:
    def spoil(root: Any) -> None:
        message_header = header(root)
        find(message_header, "DocumentType/Type").text = "3"
        find(message_header, "DocumentType/TypeDetail").text = "công văn"
        find(message_header, "OtherInfo/Priority").text = "5"
        find(message_header, "PromulgationInfo/PromulgationDate").text = "2015/13/01"
        find(message_header, "DueDate").text = "30/09/2015"
        find(message_header, "From/OrganId").text = "vxp.saas.03"
        trace_list = find(root, "edXMLEnvelope/edXMLHeader/TraceHeaderList")
        find(trace_list, "TraceHeader/Timestamp").text = "hôm qua"
        find(trace_list, "Bussiness/BussinessDocType").text = "7"
        etree.SubElement(find(message_header, "OtherInfo"), q("TyperNotation")).text = "x" * 11

    assert problems_of(edit(edxml.build(document()), spoil)) == {
        ("bad_value", "MessageHeader/DocumentType/Type"),
        ("bad_value", "MessageHeader/DocumentType/TypeDetail"),
        ("bad_value", "MessageHeader/OtherInfo/Priority"),
        ("bad_date", "MessageHeader/PromulgationInfo/PromulgationDate"),
        ("bad_date", "MessageHeader/DueDate"),
        ("bad_organ_id", "MessageHeader/From/OrganId"),
        ("bad_date", "TraceHeaderList/TraceHeader[1]/Timestamp"),
        ("bad_value", "TraceHeaderList/Bussiness/BussinessDocType"),
        ("too_long", "MessageHeader/OtherInfo/TyperNotation"),
    }


@pytest.mark.parametrize(
    "value", ["9999/12/31 23:00:00Z", "2024/01/01 00:00:00+99:99", "2024/02/30 10:00:00"]
)
def test_impossible_times_are_bad_dates(value: str) -> None:
    data = edxml.build(status()).replace(b"2024/03/15 17:00:00", value.encode())
    assert problems_of(data) == {("bad_date", "MessageHeader/Timestamp")}


def test_a_bad_status_code_is_named() -> None:
    data = edxml.build(status()).replace(b">03<", b">07<")
    assert problems_of(data) == {("bad_value", "MessageHeader/StatusCode")}


def test_invalid_base64_is_named() -> None:
    def spoil(root: Any) -> None:
        find(root, "AttachmentEncoded/Attachment/ContentTransferEncoded").text = "JVBER@@@"

    assert problems_of(edit(edxml.build(document()), spoil)) == {
        ("bad_base64", "AttachmentEncoded/Attachment[1]/ContentTransferEncoded")
    }


def test_attachments_without_their_counterpart_are_named() -> None:
    def unpair(root: Any) -> None:
        manifest = find(root, "edXMLEnvelope/edXMLBody/edXMLManifest")
        manifest.remove(manifest[1])  # the docx is carried but not listed
        block = find(root, "AttachmentEncoded")
        block.remove(block[0])  # the pdf is listed but not carried

    assert problems_of(edit(edxml.build(document()), unpair)) == {
        ("attachment_mismatch", "edXMLManifest/Reference[1]"),
        ("attachment_mismatch", "AttachmentEncoded/Attachment[1]"),
    }


def test_a_duplicated_envelope_part_is_refused() -> None:
    def twice(root: Any) -> None:
        message_header = header(root)
        message_header.addnext(copy.deepcopy(message_header))

    assert problems_of(edit(edxml.build(document()), twice)) == {("duplicate", "MessageHeader")}


def test_problems_are_reported_together_with_readable_messages() -> None:
    with pytest.raises(EnvelopeInvalid) as caught:
        edxml.parse(fixture("invalid_lengths.edxml"))
    assert len(caught.value.problems) == 2
    assert all(p.message and p.field in p.message for p in caught.value.problems)


# --- round trips ---------------------------------------------------------------------------------

XML_CHAR = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")),
    st.sampled_from(list("ĐđạồưƯẫỹ<&>\"'\t\n\r ")),
)


def xml_text(max_size: int, *, min_size: int = 0) -> st.SearchStrategy[str]:
    # Surrounding XML whitespace is layout to parse(); values are drawn without it.
    text = st.text(XML_CHAR, max_size=max_size).map(lambda s: s.strip(" \t\r\n"))
    return text.filter(lambda s: len(s) >= min_size)


ORGAN_IDS = st.from_regex(r"[0-9A-Z]{1,3}(\.[0-9A-Z]{1,3}){0,3}", fullmatch=True)
TIMES = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))


def organs() -> st.SearchStrategy[Organ]:
    return st.builds(
        Organ,
        organ_id=ORGAN_IDS,
        name=xml_text(200),
        in_charge=xml_text(40),
        address=xml_text(250),
        email=xml_text(20),
        telephone=xml_text(20),
        fax=xml_text(20),
        website=xml_text(20),
    )


def references() -> st.SearchStrategy[Reference]:
    return st.builds(
        Reference,
        organ_id=st.one_of(st.just(""), ORGAN_IDS),
        code=xml_text(40),
        promulgation_date=st.none() | st.dates(),
        document_id=xml_text(80, min_size=1),
    )


def staff_infos() -> st.SearchStrategy[StaffInfo]:
    return st.builds(StaffInfo, xml_text(30), xml_text(30), xml_text(15), xml_text(30))


def attachments() -> st.SearchStrategy[list[Attachment]]:
    attachment = st.builds(
        Attachment,
        content_id=st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True),
        name=xml_text(40, min_size=1),
        content_type=st.sampled_from(
            ["application/pdf", "application/zip", DOCX, "image/png", "text/plain; charset=utf-8"]
        ),
        data=st.binary(max_size=300),
        description=xml_text(40),
    )
    return st.lists(attachment, max_size=3, unique_by=lambda a: a.content_id)


@st.composite
def document_messages(draw: st.DrawFn) -> DocumentMessage:
    business = draw(st.sampled_from(Business))
    reference = draw(references() if business == Business.REVOKE else st.none() | references())
    return DocumentMessage(
        sender=draw(organs()),
        recipients=draw(st.lists(organs(), min_size=1, max_size=3, unique_by=lambda o: o.organ_id)),
        document_id=draw(xml_text(80, min_size=1)),
        code_number=draw(xml_text(11, min_size=1)),
        code_notation=draw(xml_text(30)),
        place=draw(xml_text(50)),
        promulgation_date=draw(st.dates()),
        type=draw(st.sampled_from([1, 2])),
        type_detail=draw(st.integers(0, 29)),
        type_name=draw(xml_text(40)),
        subject=draw(xml_text(500, min_size=1)),
        content=draw(xml_text(500)),
        signer_competence=draw(xml_text(40)),
        signer_position=draw(xml_text(40)),
        signer_name=draw(xml_text(50)),
        due_date=draw(st.none() | st.dates()),
        priority=draw(st.integers(0, 4)),
        steering_type=draw(st.none() | st.integers(0, 10)),
        to_places=draw(st.lists(xml_text(150), max_size=3)),
        appendixes=draw(st.lists(xml_text(250), max_size=3)),
        page_amount=draw(st.none() | st.integers(0, 10_000)),
        promulgation_amount=draw(st.none() | st.integers(0, 10_000)),
        response_for=reference,
        business=business,
        business_reason=draw(xml_text(100)),
        staff=draw(staff_infos()),
        traces=draw(st.lists(st.builds(Trace, xml_text(35), TIMES), max_size=3)),
        attachments=draw(attachments()),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document_messages())
def test_any_valid_document_round_trips(message: DocumentMessage) -> None:
    assert edxml.validate(message) == []
    assert edxml.parse(edxml.build(message)) == message


@settings(max_examples=60, deadline=None)
@given(
    st.builds(
        StatusMessage,
        sender=organs(),
        response_for=references(),
        status_code=st.sampled_from(list(STATUS_CODES)),
        description=xml_text(200),
        timestamp=TIMES,
        staff=staff_infos(),
        traces=st.lists(st.builds(Trace, xml_text(35), TIMES), max_size=3),
    )
)
def test_any_valid_status_round_trips(message: StatusMessage) -> None:
    assert edxml.parse(edxml.build(message)) == message


def test_documents_with_and_without_attachments_round_trip_signed(pki: Pki) -> None:
    for message in (document(), document(attachments=[]), status()):
        assert edxml.parse(edxml.build(message, pki.leaf_key, pki.leaf)) == message


# --- signatures ----------------------------------------------------------------------------------


def test_a_signed_envelope_verifies(pki: Pki, signed: bytes) -> None:
    signer = edxml.verify(signed, [pki.root])
    assert signer.organ_id == "000.00.00.H26"
    assert "CN=Văn thư Bộ Nội vụ" in signer.subject
    assert signer.certificate == pki.leaf
    assert edxml.parse(signed) == document()


def test_the_signature_covers_the_parts_by_id_and_sits_after_the_trace_list(signed: bytes) -> None:
    root = etree.fromstring(signed)
    header_children = [etree.QName(c).localname for c in find(root, "edXMLEnvelope/edXMLHeader")]
    assert header_children == ["MessageHeader", "TraceHeaderList", "Signature"]
    signature = find(root, "edXMLEnvelope/edXMLHeader/Signature")
    assert signature.tag == f"{{{DS}}}Signature"
    uris = [r.get("URI") for r in signature.iter(f"{{{DS}}}Reference")]
    assert uris == ["#MessageHeader", "#Bussiness", "#edXMLBody", "#AttachmentEncoded"]
    methods = {e.get("Algorithm") for e in signature.iter()} - {None}
    assert "http://www.w3.org/2001/10/xml-exc-c14n#" in methods
    assert "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" in methods
    assert "http://www.w3.org/2001/04/xmlenc#sha256" in methods
    assert b"<ds:X509Certificate>" in signed


def test_an_unsigned_envelope_is_absent(pki: Pki) -> None:
    assert refusal(edxml.build(document()), [pki.root]) == "absent"

    def empty_digital_signature(root: Any) -> None:
        etree.SubElement(find(root, "edXMLEnvelope/edXMLHeader"), q("DigitalSignature"))

    assert refusal(edit(edxml.build(document()), empty_digital_signature), [pki.root]) == "absent"


def test_hub_hops_keep_the_signature_and_the_key(pki: Pki, signed: bytes) -> None:
    first = edxml.add_trace(signed, Trace("VPCP.HUB", datetime(2024, 3, 15, 16, 41)))
    second = edxml.add_trace(first, Trace("000.00.00.G22", datetime(2024, 3, 15, 16, 42)))
    assert edxml.verify(second, [pki.root]).organ_id == "000.00.00.H26"
    message = edxml.parse(second)
    assert isinstance(message, DocumentMessage)
    assert [t.organ_id for t in message.traces] == ["000.00.00.H26", "VPCP.HUB", "000.00.00.G22"]
    assert message.traces[1].timestamp == datetime(2024, 3, 15, 16, 41)
    assert edxml.message_key(message) == edxml.message_key(document())
    trace_list = find(etree.fromstring(second), "edXMLEnvelope/edXMLHeader/TraceHeaderList")
    assert [etree.QName(c).localname for c in trace_list] == [
        "TraceHeader", "TraceHeader", "TraceHeader", "Bussiness",
    ]  # fmt: skip


def test_changing_the_subject_by_one_byte_is_detected(pki: Pki, signed: bytes) -> None:
    tampered = signed.replace(b"<edXML:Subject>Q", b"<edXML:Subject>R", 1)
    assert len(tampered) == len(signed) and tampered != signed
    assert refusal(tampered, [pki.root]) == "digest_mismatch"


def test_changing_an_attachment_by_one_base64_character_is_detected(
    pki: Pki, signed: bytes
) -> None:
    encoded = base64.b64encode(TINY_PDF)
    position = signed.index(encoded) + 10
    swapped = b"B" if signed[position : position + 1] != b"B" else b"C"
    tampered = signed[:position] + swapped + signed[position + 1 :]
    assert refusal(tampered, [pki.root]) == "digest_mismatch"


def test_removing_an_attachment_is_detected(pki: Pki, signed: bytes) -> None:
    def drop_one(root: Any) -> None:
        block = find(root, "AttachmentEncoded")
        block.remove(block[1])

    assert refusal(edit(signed, drop_one), [pki.root]) == "digest_mismatch"

    def drop_all(root: Any) -> None:
        root.remove(find(root, "AttachmentEncoded"))

    assert refusal(edit(signed, drop_all), [pki.root]) == "digest_mismatch"


def test_turning_a_new_document_into_a_revoke_is_detected(pki: Pki, signed: bytes) -> None:
    tampered = signed.replace(b"<edXML:BussinessDocType>0<", b"<edXML:BussinessDocType>1<", 1)
    assert tampered != signed
    assert refusal(tampered, [pki.root]) == "digest_mismatch"


def test_an_added_unsigned_attachment_block_is_detected(pki: Pki) -> None:
    data = edxml.build(document(attachments=[]), pki.leaf_key, pki.leaf)

    def add_block(root: Any) -> None:
        etree.SubElement(etree.SubElement(root, q("AttachmentEncoded")), q("Attachment"))

    assert refusal(edit(data, add_block), [pki.root]) == "bad_signature"


def test_a_forged_signature_value_is_detected(pki: Pki, signed: bytes) -> None:
    def forge(root: Any) -> None:
        value = next(root.iter(f"{{{DS}}}SignatureValue"))
        raw = bytearray(base64.b64decode(value.text))
        raw[5] ^= 1
        value.text = base64.b64encode(bytes(raw)).decode()

    assert refusal(edit(signed, forge), [pki.root]) == "bad_signature"


def wrap_message_header(root: Any, *, keep_id: bool) -> None:
    """Signature wrapping: the signed MessageHeader is moved out of the way, a forged one (with
    the same content but another subject) takes its place."""
    original = header(root)
    forged = copy.deepcopy(original)
    find(forged, "Subject").text = "Chuyển 10 tỷ đồng vào tài khoản 123"
    if not keep_id:
        del forged.attrib["Id"]
    original.addprevious(forged)
    # The wrapper declares the edXML prefix so that the moved element keeps its exact form.
    etree.SubElement(root, q("Wrapper"), nsmap={"edXML": NS}).append(original)


def test_a_wrapped_message_header_is_refused(pki: Pki, signed: bytes) -> None:
    wrapped = edit(signed, lambda root: wrap_message_header(root, keep_id=False))
    # The attack works against a verifier that only checks the references...
    XMLVerifier().verify(
        wrapped,
        x509_cert=pki.leaf,
        id_attribute="Id",
        expect_config=SignatureConfiguration(expect_references=4),
    )
    message = edxml.parse(wrapped)
    assert isinstance(message, DocumentMessage)
    assert message.subject.startswith("Chuyển 10 tỷ")
    # ...not against verify(), which checks they are the elements parse() reads.
    with pytest.raises(SignatureInvalid) as caught:
        edxml.verify(wrapped, [pki.root])
    assert caught.value.reason == "bad_signature"
    assert "MessageHeader" in caught.value.message


def test_a_forged_element_with_the_signed_id_is_refused(pki: Pki, signed: bytes) -> None:
    wrapped = edit(signed, lambda root: wrap_message_header(root, keep_id=True))
    assert refusal(wrapped, [pki.root]) == "malformed"


def test_a_second_message_header_is_refused(pki: Pki, signed: bytes) -> None:
    def add_forged(root: Any) -> None:
        forged = copy.deepcopy(header(root))
        del forged.attrib["Id"]
        header(root).addnext(forged)

    assert refusal(edit(signed, add_forged), [pki.root]) == "malformed"


def test_a_moved_signature_is_refused(pki: Pki, signed: bytes) -> None:
    def move(root: Any) -> None:
        signature = next(root.iter(f"{{{DS}}}Signature"))
        root.append(signature)

    assert refusal(edit(signed, move), [pki.root]) == "malformed"


def test_a_certificate_from_another_root_is_untrusted(pki: Pki) -> None:
    data = edxml.build(document(), pki.stranger_key, pki.stranger)
    assert refusal(data, [pki.root]) == "untrusted_certificate"
    assert refusal(edxml.build(document(), pki.leaf_key, pki.leaf), []) == "untrusted_certificate"


def test_an_expired_certificate_is_refused_now_but_not_when_it_was_valid(pki: Pki) -> None:
    data = edxml.build(document(), pki.expired_key, pki.expired)
    assert refusal(data, [pki.root]) == "expired_certificate"
    back_then = datetime.now(UTC) - timedelta(days=100)
    assert edxml.verify(data, [pki.root], at=back_then).organ_id == "000.00.00.H26"
    naive_vietnam_time = back_then.astimezone(timezone(timedelta(hours=7))).replace(tzinfo=None)
    assert edxml.verify(data, [pki.root], at=naive_vietnam_time).organ_id == "000.00.00.H26"


def test_an_intermediate_from_key_info_completes_the_chain(pki: Pki) -> None:
    data = edxml.build(
        document(sender=Organ("000.00.00.H41")),
        pki.via_intermediate_key,
        pki.via_intermediate,
        [pki.intermediate],
    )
    assert edxml.verify(data, [pki.root]).organ_id == "000.00.00.H41"
    without = edxml.build(document(), pki.via_intermediate_key, pki.via_intermediate)
    assert refusal(without, [pki.root]) == "untrusted_certificate"


def test_an_expired_intermediate_breaks_the_chain(pki: Pki) -> None:
    data = edxml.build(document(), pki.via_intermediate_key, pki.via_old, [pki.old_intermediate])
    with pytest.raises(SignatureInvalid) as caught:
        edxml.verify(data, [pki.root])
    assert caught.value.reason == "expired_certificate"
    assert "egov Old Issuing CA" in caught.value.message


def test_a_ca_certificate_may_not_sign_documents(pki: Pki) -> None:
    data = edxml.build(document(), pki.root_key, pki.root)
    with pytest.raises(SignatureInvalid) as caught:
        edxml.verify(data, [pki.root])
    assert caught.value.reason == "untrusted_certificate"
    assert "not issued for signing" in caught.value.message


def test_the_signer_is_reported_not_judged(pki: Pki) -> None:
    # The From agency is 000.00.00.G22; the certificate speaks for 000.00.00.H26: the caller
    # compares the two and refuses with "wrong_signer".
    data = edxml.build(document(sender=Organ("000.00.00.G22")), pki.leaf_key, pki.leaf)
    signer = edxml.verify(data, [pki.root])
    assert signer.organ_id != edxml.parse(data).sender.organ_id
    assert SignatureInvalid("wrong_signer", "Signed by another agency.").reason == "wrong_signer"


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_damaged_envelopes_never_crash(pki: Pki, signed: bytes, position: int, flip: int) -> None:
    index = position % len(signed)
    damaged = signed[:index] + bytes([signed[index] ^ flip]) + signed[index + 1 :]
    try:
        edxml.verify(damaged, [pki.root])
    except SignatureInvalid as exc:
        assert exc.reason in REASONS
    try:
        edxml.parse(damaged)
    except EnvelopeInvalid as exc:
        assert exc.problems


# --- add_trace -----------------------------------------------------------------------------------


def test_a_trace_is_added_to_an_envelope_without_a_trace_list() -> None:
    def drop_traces(root: Any) -> None:
        envelope_header = find(root, "edXMLEnvelope/edXMLHeader")
        envelope_header.remove(find(envelope_header, "TraceHeaderList"))

    data = edit(edxml.build(status()), drop_traces)
    message = edxml.parse(edxml.add_trace(data, Trace("HUB01", datetime(2024, 1, 2, 3, 4, 5))))
    assert message.traces == [Trace("HUB01", datetime(2024, 1, 2, 3, 4, 5))]


def test_a_trace_goes_after_the_last_hop_in_the_producers_namespace() -> None:
    data = edxml.add_trace(fixture("edoc_new.edxml"), Trace("HUB", datetime(2015, 9, 30, 11, 0)))
    trace_list = find(etree.fromstring(data), "edXMLEnvelope/edXMLHeader/TraceHeaderList")
    assert [etree.QName(c).localname for c in trace_list] == [
        "Bussiness", "TraceHeader", "TraceHeader",
    ]  # fmt: skip
    assert all(etree.QName(c).namespace == NS for c in trace_list.iter())
    message = edxml.parse(data)
    assert [t.organ_id for t in message.traces] == ["000.00.00.G22", "HUB"]
    revoke = edxml.add_trace(fixture("edoc_revoke.edxml"), Trace("HUB", datetime(2015, 10, 1)))
    assert b"<TraceHeader>\n" in revoke  # laid out like its neighbours


def test_a_trace_without_an_organ_is_refused() -> None:
    with pytest.raises(EnvelopeInvalid) as caught:
        edxml.add_trace(edxml.build(status()), Trace("", datetime(2024, 1, 1)))
    assert codes(caught.value) == {("missing", "TraceHeaderList/TraceHeader/OrganId")}


# --- message keys and document ids --------------------------------------------------------------


def test_the_key_survives_serialisation_and_hops() -> None:
    message = document()
    key = edxml.message_key(message)
    assert len(key) == 64 and int(key, 16) >= 0
    data = edxml.build(message)
    assert edxml.message_key(edxml.parse(edxml.build(edxml.parse(data)))) == key
    hopped = edxml.add_trace(data, Trace("HUB", datetime(2024, 3, 15, 17, 0)))
    assert edxml.message_key(edxml.parse(hopped)) == key


def test_the_key_survives_a_first_hop_on_a_message_sent_without_a_trace() -> None:
    data = edxml.build(document(traces=[]))
    hopped = edxml.add_trace(data, Trace("HUB", datetime(2024, 3, 15, 17, 0)))
    assert edxml.message_key(edxml.parse(hopped)) == edxml.message_key(document(traces=[]))


def test_the_key_tells_documents_apart() -> None:
    key = edxml.message_key(document())
    revoke = document(
        business=Business.REVOKE,
        response_for=Reference("000.00.00.H26", "125/QĐ-BNV", date(2024, 3, 15), "x"),
    )
    assert edxml.message_key(revoke) != key
    resent = document(traces=[Trace("000.00.00.H26", datetime(2024, 3, 16, 8, 0))])
    assert edxml.message_key(resent) != key
    assert edxml.message_key(document(document_id="other")) != key
    assert edxml.message_key(document(subject="Khác")) == key  # same message, as identified


def test_the_key_of_a_status() -> None:
    key = edxml.message_key(status())
    assert edxml.message_key(edxml.parse(edxml.build(status()))) == key
    assert edxml.message_key(status(status_code="05")) != key
    assert edxml.message_key(status(timestamp=datetime(2024, 3, 15, 17, 0, 1))) != key
    assert edxml.message_key(status(description="Khác")) == key


def test_the_document_id_of_the_standard() -> None:
    assert edxml.document_id("000.00.00.G22", date(2015, 9, 30), "7816", "VPCP-TTĐT") == NEW_DOC_ID
    assert edxml.document_id("G22", date(999, 1, 2), "5", "") == "G22,0999/01/02,5"
