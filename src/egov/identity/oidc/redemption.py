"""Authorization codes presented twice (RFC 6749 §4.1.2, OpenID Connect Core §3.1.3.2).

django-oauth-toolkit deletes an authorization code when it is redeemed, so a second try is refused
with ``invalid_grant``; but the tokens given the first time stay valid, although the code evidently
leaked. The provider therefore remembers, by the code's SHA-256, which tokens each code gave, and
revokes them when the code comes back: the access token, and the refresh token with every refresh
token rotated from it (its family). The record is kept for a day; codes live a minute.
"""

import hashlib
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from egov.core import audit
from egov.identity.models import OidcCodeRedemption

#: How long a redeemed code is remembered.
KEEP = timedelta(days=1)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _checksum(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def record_redemption(code: str, client_id: str, user: Any, token: dict[str, Any]) -> None:
    """Remember which tokens ``code`` gave (called once the tokens are saved)."""
    access = (
        get_access_token_model()
        .objects.filter(token_checksum=_checksum(str(token.get("access_token") or "")))
        .values_list("pk", flat=True)
        .first()
    )
    family = None
    if token.get("refresh_token"):
        family = (
            get_refresh_token_model()
            .objects.filter(token_checksum=_checksum(str(token["refresh_token"])))
            .values_list("token_family", flat=True)
            .first()
        )
    now = timezone.now()
    OidcCodeRedemption.objects.filter(redeemed_at__lt=now - KEEP).delete()
    OidcCodeRedemption.objects.update_or_create(
        code_hash=code_hash(code),
        defaults={
            "client_id": client_id,
            "user": user,
            "access_token_id": access,
            "token_family": family,
            "redeemed_at": now,
        },
    )


def revoke_replayed(code: str) -> bool:
    """Revoke the tokens a redeemed ``code`` gave; False when it was never redeemed here."""
    with transaction.atomic():
        redemption = (
            OidcCodeRedemption.objects.select_for_update().filter(code_hash=code_hash(code)).first()
        )
        if redemption is None:
            return False
        # Every refresh token rotated from the one given, and their access tokens.
        get_refresh_token_model().revoke_family(redemption.token_family)
        access_token = (
            get_access_token_model().objects.filter(pk=redemption.access_token_id).first()
            if redemption.access_token_id
            else None
        )
        if access_token is not None:
            access_token.revoke()
        audit.record(
            "oidc_code_replayed",
            actor=redemption.user,
            object_type="user",
            object_id=redemption.user_id,
            data={"client_id": redemption.client_id},
        )
    return True
