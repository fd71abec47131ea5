"""PAdES signatures on result PDFs (pyHanko): the agency's certificate with its chain embedded, and
an RFC 3161 time-stamp from the configured TSA."""

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import pki, tsa
from .models import SigningCertificate

FIELD_NAME = "ChuKyCoQuan"
#: Room for the CMS signature in hex digits (certificates, signature and time-stamp token take
#: about 7 KB with the development CA). Reserving it skips pyHanko's dry run, which signs and
#: stamps twice; a larger signature (a long chain) falls back to the dry run.
RESERVED_BYTES = 32768


@dataclass(frozen=True)
class Signature:
    pdf: bytes
    certificate: SigningCertificate
    signer: str


def signer_for(row: SigningCertificate) -> SimpleSigner:
    chain = [pki.as_asn1(c) for c in pki.load_chain(row)]
    return SimpleSigner(
        signing_cert=pki.as_asn1(pki.load_certificate(row)),
        signing_key=pki.key_as_asn1(pki.decrypt_key(row.key_pem)),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def sign_pdf(pdf: bytes, row: SigningCertificate, reason: str, location: str) -> Signature:
    """``pdf`` signed (PAdES B-T) with the certificate ``row``."""
    signer = signer_for(row)
    metadata = PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    pdf_signer = PdfSigner(metadata, signer, timestamper=tsa.timestamper())

    def sign(reserved: int | None) -> io.BytesIO:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return pdf_signer.sign_pdf(writer, bytes_reserved=reserved)

    try:
        output = pki.off_event_loop(lambda: sign(RESERVED_BYTES))
    except SigningError:
        output = pki.off_event_loop(lambda: sign(None))
    return Signature(
        pdf=output.getvalue(),
        certificate=row,
        signer=pki.common_name(signer.signing_cert),
    )
