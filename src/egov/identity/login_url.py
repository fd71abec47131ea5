"""``LOGIN_URL``: where a page that needs a login sends an anonymous visitor.

It follows ``OIDC_ISSUER`` at the moment of use, as ``identity:start_login`` does: the external
identity provider's code flow when one is configured, else the built-in login page. The "next"
page travels along in both cases. Django resolves a lazy string wherever it reads
``settings.LOGIN_URL`` (``redirect_to_login``, ``login_required``).
"""

from django.utils.functional import lazy


def _login_url() -> str:
    from django.conf import settings
    from django.urls import reverse

    return reverse("identity:oidc_login" if settings.OIDC_ISSUER else "identity:login")


LOGIN_URL = lazy(_login_url, str)()
