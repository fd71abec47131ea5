"""What the page layout needs to know about the person logged in."""

from typing import Any

from django.http import HttpRequest

from .models import Role


def officials(request: HttpRequest) -> dict[str, Any]:
    """``manages_officials``: whether to show the link to the officials' pages (agency and
    platform administrators). Asked only when a page's header shows it, and only of officials."""
    user = getattr(request, "user", None)

    def manages() -> bool:
        if not (user and user.is_authenticated and getattr(user, "is_official", False)):
            return False
        roles = (Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN)
        return bool(user.official_roles.filter(role__in=roles).exists())

    return {"manages_officials": manages}
