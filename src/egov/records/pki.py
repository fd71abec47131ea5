"""egov's signing PKI: a development root CA that issues a signing certificate per agency and a
time-stamping certificate; in production, agency certificates from a real CA imported from
PKCS#12 files. Private keys are stored encrypted (PKCS#8, ``SIGNING_KEY_PASSWORD``).
"""

import asyncio
import functools
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from pyhanko.sign import general

from egov.core.models import Agency

from .errors import PkiError
from .models import CertificateKind, CertificateSource, SigningCertificate

T = TypeVar("T")
ROOT_NAME = "egov Development Root CA"
TSA_NAME = "egov Development Time-Stamping Authority"
ROOT_YEARS, LEAF_YEARS = 10, 3


# --- keys ----------------------------------------------------------------------------------------


def key_password() -> bytes:
    """The password protecting stored private keys: SIGNING_KEY_PASSWORD, or with the development
    CA (DEBUG, tests) a password derived from SECRET_KEY. Without either, signing refuses."""
    if settings.SIGNING_KEY_PASSWORD:
        return settings.SIGNING_KEY_PASSWORD.encode()
    if settings.SIGNING_DEV_CA:
        return (
            hashlib.sha256(f"egov-signing-keys:{settings.SECRET_KEY}".encode()).hexdigest().encode()
        )
    raise ImproperlyConfigured("SIGNING_KEY_PASSWORD must be set to sign results in production.")


def encrypt_key(key: PrivateKeyTypes) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(key_password()),
    ).decode()


def decrypt_key(pem: str) -> PrivateKeyTypes:
    """The private key, or PkiError when the password does not open it."""
    try:
        return _decrypted(pem, key_password())
    except (ValueError, TypeError) as exc:
        raise PkiError("The signing key cannot be decrypted with SIGNING_KEY_PASSWORD.") from exc


@functools.lru_cache(maxsize=64)
def _decrypted(pem: str, password: bytes) -> PrivateKeyTypes:
    # Opening an encrypted key costs a deliberate key derivation (~0.1 s): a worker keeps the
    # keys it has opened in memory, as any signing server does, instead of paying it per result.
    return serialization.load_pem_private_key(pem.encode(), password=password)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# --- certificates --------------------------------------------------------------------------------


def _name(common_name: str, organisation: str, unit: str = "") -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit[:64]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(attributes)


def _issue(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Certificate, PrivateKeyTypes] | None,
    years: int,
    kind: str,
) -> x509.Certificate:
    now = timezone.now().replace(microsecond=0)
    issuer_name = issuer[0].subject if issuer else subject
    signing_key = issuer[1] if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[0].public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    if kind == CertificateKind.ROOT:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        usage = {"key_cert_sign": True, "crl_sign": True}
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        usage = {"digital_signature": True, "content_commitment": True}
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=usage.get("digital_signature", False),
            content_commitment=usage.get("content_commitment", False),
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=usage.get("key_cert_sign", False),
            crl_sign=usage.get("crl_sign", False),
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if kind == CertificateKind.TSA:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(signing_key, hashes.SHA256())  # type: ignore[arg-type]


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _save(
    kind: str,
    certificate: x509.Certificate,
    key: PrivateKeyTypes | None,
    chain: list[x509.Certificate],
    source: str,
    agency: Agency | None = None,
) -> SigningCertificate:
    return SigningCertificate.objects.create(
        kind=kind,
        agency=agency,
        source=source,
        subject=certificate.subject.rfc4514_string(),
        serial=format(certificate.serial_number, "x"),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        certificate_pem=_pem(certificate),
        chain_pem="".join(_pem(c) for c in chain),
        key_pem=encrypt_key(key) if key is not None else "",
    )


def load_certificate(row: SigningCertificate) -> x509.Certificate:
    return x509.load_pem_x509_certificate(row.certificate_pem.encode())


def load_chain(row: SigningCertificate) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(row.chain_pem.encode()) if row.chain_pem else []


def _current(kind: str, agency: Agency | None = None) -> SigningCertificate | None:
    return (
        SigningCertificate.objects.filter(
            kind=kind, agency=agency, active=True, not_after__gt=timezone.now()
        )
        .exclude(key_pem="")
        .order_by("-not_after", "-pk")
        .first()
    )


def _require_dev_ca() -> None:
    if not settings.SIGNING_DEV_CA:
        raise PkiError(
            "No usable certificate: import one with `manage.py import_signing_certificate` "
            "(the development CA is off)."
        )


def development_root() -> SigningCertificate:
    """The development root CA, created on first use."""
    _require_dev_ca()
    with transaction.atomic():
        root = _current(CertificateKind.ROOT)
        if root is None:
            key = _new_key()
            name = _name(ROOT_NAME, "egov (development)")
            certificate = _issue(name, key, None, ROOT_YEARS, CertificateKind.ROOT)
            root = _save(CertificateKind.ROOT, certificate, key, [], CertificateSource.DEVELOPMENT)
    return root


def _issue_from_root(kind: str, name: x509.Name, agency: Agency | None) -> SigningCertificate:
    root = development_root()
    root_certificate = load_certificate(root)
    key = _new_key()
    issuer = (root_certificate, decrypt_key(root.key_pem))
    certificate = _issue(name, key, issuer, LEAF_YEARS, kind)
    return _save(kind, certificate, key, [root_certificate], CertificateSource.DEVELOPMENT, agency)


def tsa_certificate() -> SigningCertificate:
    """The certificate of egov's own time-stamping service (issued by the development CA)."""
    current = _current(CertificateKind.TSA)
    if current is not None:
        return current
    _require_dev_ca()
    with transaction.atomic():
        return _issue_from_root(CertificateKind.TSA, _name(TSA_NAME, "egov (development)"), None)


def agency_certificate(agency: Agency) -> SigningCertificate:
    """The agency's signing certificate: the newest valid one imported, or with the development
    CA one issued now."""
    current = _current(CertificateKind.AGENCY, agency)
    if current is not None:
        return current
    _require_dev_ca()
    with transaction.atomic():
        name = _name(agency.name, agency.name, agency.code)
        return _issue_from_root(CertificateKind.AGENCY, name, agency)


def ensure_development_pki() -> list[SigningCertificate]:
    """Idempotent: the root, the time-stamping certificate and one per active agency."""
    made = [development_root(), tsa_certificate()]
    made += [agency_certificate(agency) for agency in Agency.objects.filter(is_active=True)]
    return made


def import_pkcs12(agency: Agency, data: bytes, passphrase: bytes | None) -> SigningCertificate:
    """Store an agency certificate issued by a real CA, with its key and chain, from a .p12."""
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError as exc:
        raise PkiError("The PKCS#12 file cannot be opened with this passphrase.") from exc
    if key is None or certificate is None:
        raise PkiError("The PKCS#12 file holds no private key and certificate.")
    if certificate.not_valid_after_utc <= timezone.now():
        raise PkiError("The certificate in the PKCS#12 file has expired.")
    with transaction.atomic():
        SigningCertificate.objects.filter(kind=CertificateKind.AGENCY, agency=agency).update(
            active=False
        )
        return _save(
            CertificateKind.AGENCY,
            certificate,
            key,
            list(chain or []),
            CertificateSource.IMPORTED,
            agency,
        )


# --- for pyHanko ---------------------------------------------------------------------------------


def as_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def key_as_asn1(key: PrivateKeyTypes) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def signing_certificate(certificate: asn1_x509.Certificate) -> tsp.SigningCertificate:
    """The ESS signing-certificate attribute (RFC 2634) naming ``certificate``."""
    return tsp.SigningCertificate.load(_ess_der(certificate.dump(), 1))


def signing_certificate_v2(certificate: asn1_x509.Certificate) -> tsp.SigningCertificateV2:
    """The ESS signing-certificate-v2 attribute (RFC 5035) naming ``certificate``."""
    return tsp.SigningCertificateV2.load(_ess_der(certificate.dump(), 2))


@functools.lru_cache(maxsize=64)
def _ess_der(certificate_der: bytes, version: int) -> bytes:
    """Built once per certificate and handed out parsed from its DER: asn1crypto serialises a
    value it built again each time an enclosing value is serialised, and the attribute's
    nested names were two thirds of a signature's cost (about 10 of 15 ms). A value parsed from
    DER keeps its bytes."""
    certificate = asn1_x509.Certificate.load(certificate_der)
    build = general.as_signing_certificate if version == 1 else general.as_signing_certificate_v2
    return bytes(build(certificate).dump())


def off_event_loop(work: Callable[[], T]) -> T:
    """Run pyHanko's synchronous API, which starts its own event loop (asyncio.run): in a
    helper thread when this thread already runs one (an async caller), else here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def common_name(certificate: asn1_x509.Certificate) -> str:
    """The subject's common name (the agency's name), or the whole subject without one."""
    subject = certificate.subject
    return str(subject.native.get("common_name") or subject.human_friendly)


def trust_root_certificates() -> list[x509.Certificate]:
    """The roots egov trusts: the development root (when the development CA is on) and those in
    the PEM bundle SIGNING_TRUST_ROOTS. They are also what egov publishes for verifiers."""
    roots: list[x509.Certificate] = []
    if settings.SIGNING_DEV_CA:
        roots += [
            load_certificate(row)
            for row in SigningCertificate.objects.filter(
                kind=CertificateKind.ROOT, source=CertificateSource.DEVELOPMENT
            ).order_by("pk")
        ]
    if settings.SIGNING_TRUST_ROOTS:
        roots += x509.load_pem_x509_certificates(Path(settings.SIGNING_TRUST_ROOTS).read_bytes())
    return roots


def trust_roots() -> list[asn1_x509.Certificate]:
    """The trust roots, for pyHanko."""
    return [as_asn1(root) for root in trust_root_certificates()]


@dataclass(frozen=True)
class PublishedCertificate:
    """A certificate anyone may download to verify results without egov."""

    role: str  # "root" or "tsa"
    certificate: x509.Certificate

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER certificate, lower-case hex: its name in the download address."""
        return self.certificate.fingerprint(hashes.SHA256()).hex()

    @property
    def subject(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.certificate.subject.rfc4514_string()

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    def pem(self) -> str:
        return _pem(self.certificate)

    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def published_certificates() -> list[PublishedCertificate]:
    """The trust roots, and the certificate of egov's own time-stamping authority when it is the
    one in use (no TSA_URL): a verifier needs the roots; the TSA's certificate is also embedded in
    every time-stamp and is listed so that it can be checked by hand."""
    published = [PublishedCertificate("root", root) for root in trust_root_certificates()]
    if not settings.TSA_URL:
        tsa = _current(CertificateKind.TSA)
        if tsa is not None:
            published.append(PublishedCertificate("tsa", load_certificate(tsa)))
    return published


def expiry_report(now: datetime | None = None) -> list[dict[str, object]]:
    """Every certificate with its validity, soonest expiry first."""
    now = now or timezone.now()
    return [
        {
            "id": row.pk,
            "kind": row.kind,
            "agency": row.agency.code if row.agency else "",
            "subject": row.subject,
            "source": row.source,
            "not_after": row.not_after,
            "days_left": (row.not_after - now).days,
            "active": row.active,
        }
        for row in SigningCertificate.objects.select_related("agency").order_by("not_after")
    ]
