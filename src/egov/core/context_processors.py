from typing import Any

from django.conf import settings
from django.http import HttpRequest

from . import notify


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "site_name": "egov",
        "languages": settings.LANGUAGES,
        "is_official": signed_in and getattr(user, "is_official", False),
        # The header's "Notifications (n)", read only when a page shows it.
        "unread_notifications": (lambda: notify.unread(user)) if signed_in else 0,
    }
