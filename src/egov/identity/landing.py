"""Where a person lands after logging in without a ``next`` page, by the password (with its
second step) or through an identity provider alike."""

from collections.abc import Callable

from django.conf import settings
from django.shortcuts import resolve_url

from .models import User

#: Where an official lands after logging in when no ``next`` says otherwise: parts offer the
#: start page of their work (the dossiers part: the one-stop queue), registering in their
#: AppConfig.ready() as ``(user) -> URL or ""``; the first offer wins, else LOGIN_REDIRECT_URL.
landing_pages: list[Callable[[User], str]] = []


def landing_url(user: User) -> str:
    """Where ``user`` goes after logging in without a ``next``: an official to the start page
    of their work (see ``landing_pages``), anyone else to the home page."""
    if getattr(user, "is_official", False):
        for page in landing_pages:
            url = page(user)
            if url:
                return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)
