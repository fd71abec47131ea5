"""Logins, failed logins and lockouts go to the audit log, without the username a person typed."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from egov.core import audit

from . import throttling


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Officials log in with a one-time code as well (egov.identity.officials.login).
    second_factor = {"second_factor": "totp"} if getattr(user, "otp_device", None) else {}
    audit.record("login", actor=user, object_type="user", object_id=user.pk, data=second_factor)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record("logout", actor=user, object_type="user", object_id=user.pk)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # The typed username may be a personal ID number: it is never recorded.
    audit.record("login_failed", data={"path": getattr(request, "path", "")})
    throttling.record_failure(request, str((credentials or {}).get("username") or ""))


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any = None, **kwargs: Any) -> None:
    # django-axes passes the login's keyed hash and the address: neither is recorded.
    audit.record("login_locked_out", data={"path": getattr(request, "path", "")})
