"""Login throttling keys: a keyed hash of what was typed, so personal ID numbers are never stored."""

import hashlib
import hmac
from typing import Any

from django.conf import settings


def login_key(request: Any, credentials: dict[str, Any] | None) -> str:
    username = (credentials or {}).get("username") or ""
    if not username:
        return ""
    digest = hmac.new(settings.SECRET_KEY.encode(), username.strip().encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
