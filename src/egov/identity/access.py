"""Checks shared by identity's sub-packages (pure functions: no writes, no audit rows)."""

from typing import Any

from .models import Role, User


def is_platform_admin(user: object) -> bool:
    """Quản trị nền tảng: holds the platform_admin role in any agency."""
    return bool(
        isinstance(user, User)
        and user.is_active
        and user.is_official
        and user.official_roles.filter(role=Role.PLATFORM_ADMIN).exists()
    )


def needs_second_factor(user: Any) -> bool:
    """Officials log in with two factors, and so does anyone who may use the admin site (staff
    and superusers, whatever their kind of account): at the login page and for a token."""
    return bool(getattr(user, "is_official", False) or user.is_staff or user.is_superuser)
