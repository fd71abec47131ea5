"""PAdES signatures on result PDFs (pyHanko): the agency's certificate with its chain embedded, and
an RFC 3161 time-stamp from the configured TSA."""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from asn1crypto import tsp
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import attributes
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, SimpleSigner
from pyhanko.sign.signers.pdf_cms import SignedAttributeProviderSpec
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from . import pki, tsa
from .models import SigningCertificate

FIELD_NAME = "ChuKyCoQuan"
#: Room for the CMS signature in hex digits (certificates, signature and time-stamp token take
#: about 7 KB with the development CA). Reserving it skips pyHanko's dry run, which signs and
#: stamps twice; a larger signature (a long chain) falls back to the dry run.
RESERVED_BYTES = 32768
#: The room for the next signature by a certificate (keyed by its PEM), measured on its last
#: one plus half, as pyHanko's dry run sizes it: every verifier reads the whole room digit by
#: digit (pyHanko's reader: two thirds of verifying a result with 32,768 digits).
_ROOM: dict[str, int] = {}


@dataclass(frozen=True)
class Signature:
    pdf: bytes
    certificate: SigningCertificate
    signer: str


class KeptKeySigner(SimpleSigner):
    """pyHanko's SimpleSigner parses its private key again for every signature, and
    cryptography checks an RSA key's consistency whenever it loads one: about 70 ms for
    RSA-2048, against 1 ms for the signature. This one signs with the key it was given."""

    def __init__(self, private_key: PrivateKeyTypes, **kwargs: Any) -> None:
        super().__init__(signing_key=pki.key_as_asn1(private_key), **kwargs)
        self.private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        if algorithm == "rsassa_pkcs1v15" and isinstance(self.private_key, RSAPrivateKey):
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            return self.private_key.sign(data, PKCS1v15(), hash_algorithm)
        return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's way

    def _signed_attr_provider_spec(self, *args: Any, **kwargs: Any) -> SignedAttributeProviderSpec:
        return _KeptCertificateIds(super()._signed_attr_provider_spec(*args, **kwargs))


class _KeptCertificateIds(SignedAttributeProviderSpec):
    """pyHanko's signed attributes, the signing-certificate-v2 one built once per certificate
    (``pki.signing_certificate_v2``)."""

    def __init__(self, spec: SignedAttributeProviderSpec) -> None:
        self.spec = spec

    def signed_attr_providers(
        self, data_digest: bytes, digest_algorithm: str
    ) -> Iterator[attributes.CMSAttributeProvider]:
        for provider in self.spec.signed_attr_providers(data_digest, digest_algorithm):
            if type(provider) is attributes.SigningCertificateV2Provider:
                provider = _SigningCertificateV2(provider.signing_cert)
            yield provider


class _SigningCertificateV2(attributes.SigningCertificateV2Provider):
    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return pki.signing_certificate_v2(self.signing_cert)


def signer_for(row: SigningCertificate) -> SimpleSigner:
    chain = [pki.as_asn1(c) for c in pki.load_chain(row)]
    return KeptKeySigner(
        pki.decrypt_key(row.key_pem),
        signing_cert=pki.as_asn1(pki.load_certificate(row)),
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
        output = pki.off_event_loop(lambda: sign(_ROOM.get(row.certificate_pem, RESERVED_BYTES)))
    except SigningError:
        output = pki.off_event_loop(lambda: sign(None))
    signed = output.getvalue()
    if used := _signature_digits(signed):
        _ROOM[row.certificate_pem] = -(-(used + used // 2) // 1024) * 1024
    return Signature(
        pdf=signed,
        certificate=row,
        signer=pki.common_name(signer.signing_cert),
    )


def _signature_digits(pdf: bytes) -> int:
    """The hex digits the last signature of ``pdf`` fills in its room, read from the DER length
    of its CMS structure (the room starts at the second number of its /ByteRange), or 0."""
    found = re.search(rb"/ByteRange\s*\[\s*\d+\s+(\d+)", pdf[pdf.rfind(b"/ByteRange") :])
    if found is None:
        return 0
    start = int(found.group(1)) + 1  # after "<"
    try:
        head = bytes.fromhex(pdf[start : start + 12].decode("ascii"))
    except ValueError:
        return 0
    if head[0] != 0x30:  # a DER SEQUENCE
        return 0
    if head[1] < 0x80:
        return 2 * (2 + head[1])
    size = head[1] & 0x7F
    return 2 * (2 + size + int.from_bytes(head[2 : 2 + size], "big"))
