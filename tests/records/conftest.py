"""Fixtures of the records tests: a signed result, an unknown CA, pyHanko validation done
independently of egov's own verification code."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from egov.core.files import read_stored
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.records import pki
from egov.records.models import CertificateKind, ResultDocument

ForeignCa = tuple[x509.Certificate, Any]


@pytest.fixture
def signed(make_dossier: Callable[..., Dossier]) -> ResultDocument:
    """The signed result of an approved birth registration (the immediate task backend signs
    while the approval runs)."""
    dossier = make_dossier(Status.RESULT_READY)
    return ResultDocument.objects.select_related("agency", "file").get(dossier=dossier)


def signed_pdf(document: ResultDocument) -> bytes:
    assert document.file is not None
    return read_stored(document.file)


def development_root_asn1() -> asn1_x509.Certificate:
    root = pki.development_root()
    return asn1_x509.Certificate.load(
        pki.load_certificate(root).public_bytes(serialization.Encoding.DER)
    )


def independent_status(data: bytes, roots: list[asn1_x509.Certificate]) -> Any:
    """pyHanko's own verdict on the only signature, with ``roots`` as the trust anchors."""
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    return validate_pdf_signature(
        signature, ValidationContext(trust_roots=roots, allow_fetching=False)
    )


@pytest.fixture
def foreign_ca() -> ForeignCa:
    """A root CA egov has never heard of, with its key."""
    key = pki._new_key()
    name = pki._name("Unknown Root CA", "Somebody else")
    return pki._issue(name, key, None, 5, CertificateKind.ROOT), key


def foreign_leaf(ca: ForeignCa, common_name: str) -> tuple[x509.Certificate, Any]:
    key = pki._new_key()
    name = pki._name(common_name, common_name)
    return pki._issue(name, key, ca, 2, CertificateKind.AGENCY), key
