"""The signing PKI: keys stored encrypted, a development CA made once, certificates listed."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from egov.core.models import Agency
from egov.records import pki
from egov.records.errors import PkiError
from egov.records.models import CertificateKind, SigningCertificate


def test_private_keys_are_stored_encrypted(db: object) -> None:
    root = pki.development_root()
    assert root.key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert pki.decrypt_key(root.key_pem).key_size == 2048  # type: ignore[union-attr]


def test_a_wrong_password_does_not_open_the_keys(db: object, settings: object) -> None:
    settings.SIGNING_KEY_PASSWORD = "the-right-password"  # type: ignore[attr-defined]
    root = pki.development_root()
    settings.SIGNING_KEY_PASSWORD = "a-wrong-password"  # type: ignore[attr-defined]
    with pytest.raises(PkiError, match="SIGNING_KEY_PASSWORD"):
        pki.decrypt_key(root.key_pem)


def test_production_refuses_to_sign_without_a_password(db: object, settings: object) -> None:
    settings.SIGNING_KEY_PASSWORD = ""  # type: ignore[attr-defined]
    settings.SIGNING_DEV_CA = False  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="SIGNING_KEY_PASSWORD must be set"):
        pki.key_password()


def test_without_the_development_ca_an_agency_needs_an_imported_certificate(
    agencies: dict[str, Agency], settings: object
) -> None:
    settings.SIGNING_DEV_CA = False  # type: ignore[attr-defined]
    settings.SIGNING_KEY_PASSWORD = "set"  # type: ignore[attr-defined]
    with pytest.raises(PkiError, match="import_signing_certificate"):
        pki.agency_certificate(next(iter(agencies.values())))
    assert pki.trust_roots() == []


def test_setup_pki_is_idempotent(agencies: dict[str, Agency]) -> None:
    call_command("setup_pki", stdout=io.StringIO())
    first = set(SigningCertificate.objects.values_list("pk", flat=True))
    active = Agency.objects.filter(is_active=True).count()
    assert SigningCertificate.objects.filter(kind=CertificateKind.AGENCY).count() == active
    assert SigningCertificate.objects.filter(kind=CertificateKind.ROOT).count() == 1
    assert SigningCertificate.objects.filter(kind=CertificateKind.TSA).count() == 1
    call_command("setup_pki", stdout=io.StringIO())
    assert set(SigningCertificate.objects.values_list("pk", flat=True)) == first


def test_certificates_are_listed_with_their_expiry(agencies: dict[str, Agency]) -> None:
    ward = agencies["000.00.31.H26"]
    pki.agency_certificate(ward)
    out = io.StringIO()
    call_command("list_certificates", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # the root and the ward's
    ward_line = next(line for line in lines if "000.00.31.H26" in line)
    assert "agency" in ward_line and "days, active, development" in ward_line


def test_the_time_stamping_certificate_is_only_for_time_stamping(db: object) -> None:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    certificate = pki.load_certificate(pki.tsa_certificate())
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_an_agency_certificate_is_imported_from_a_p12_file(
    agencies: dict[str, Agency], tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    ward = agencies["000.00.31.H26"]
    earlier = pki.agency_certificate(ward)
    ca_key = pki._new_key()
    ca = pki._issue(pki._name("Real CA", "Real CA"), ca_key, None, 5, CertificateKind.ROOT)
    key = pki._new_key()
    leaf = pki._issue(pki._name(ward.name, ward.name), key, (ca, ca_key), 2, "agency")
    path = Path(str(tmp_path)) / "ubnd.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"ubnd", key, leaf, [ca], serialization.BestAvailableEncryption(b"mat-khau")
        )
    )
    monkeypatch.setenv("P12_PASSPHRASE", "mat-khau")
    out = io.StringIO()
    call_command("import_signing_certificate", ward.code, str(path), stdout=out)
    assert out.getvalue().startswith("Imported CN=Ủy ban nhân dân phường Ba Đình")
    current = pki.agency_certificate(ward)
    assert current.source == "imported" and current.pk != earlier.pk
    assert pki.load_chain(current)[0].subject == ca.subject
    earlier.refresh_from_db()
    assert not earlier.active
    monkeypatch.setenv("P12_PASSPHRASE", "sai")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="passphrase"):
        call_command("import_signing_certificate", ward.code, str(path), stdout=out)
