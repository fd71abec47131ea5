"""Where a person lands after logging in without a ``next`` page, by the password (with its
second step) or through an identity provider alike."""

from django.conf import settings
from django.shortcuts import resolve_url

from . import hooks
from .models import User


def landing_url(user: User) -> str:
    """Where ``user`` goes after logging in without a ``next``: an official to the start page
    of their work (``hooks.landing_page``: the dossiers part offers the one-stop queue), anyone
    else to the home page."""
    if getattr(user, "is_official", False):
        for page in hooks.landing_page:
            url = page(user)
            if url:
                return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)
