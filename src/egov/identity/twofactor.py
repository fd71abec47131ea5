"""Xác thực hai yếu tố: officials prove a time-based one-time code (TOTP, RFC 6238) from an
authenticator app after their password.

The devices are django-otp's ``TOTPDevice``; a device becomes ``confirmed`` once its owner has
typed a code from it, and only a confirmed device verifies a login.
"""

import base64
import io

import segno
from django.db import transaction
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core import audit

from .models import User

DEVICE_NAME = "authenticator"


def confirmed_device(user: User) -> TOTPDevice | None:
    """The official's authenticator, once enrolled."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolment_device(user: User) -> TOTPDevice:
    """The not-yet-confirmed authenticator being enrolled: the same secret until it is
    confirmed, so that reloading the page does not invalidate what was scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def check_code(device: TOTPDevice, code: str) -> bool:
    """True when ``code`` is the device's current code. A code is accepted once only, and the
    device slows down guessing after each wrong code (django-otp's throttling)."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == device.digits):
        return False
    return verify_token(device.user, device.persistent_id, code) is not None


def confirm_enrolment(device: TOTPDevice) -> None:
    """Mark the authenticator as enrolled after its first correct code, audited; any other
    device of the official is removed (one authenticator per official)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(
            "totp_enrolled", actor=device.user, object_type="user", object_id=device.user_id
        )


def secret_text(device: TOTPDevice) -> str:
    """The secret in Base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The enrolment QR code (the otpauth:// address) as an SVG data: URI, which the pages'
    Content-Security-Policy allows in an <img> (it forbids inline scripts and styles)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m", micro=False).save(
        buffer, kind="svg", scale=5, border=4, xmldecl=False
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
