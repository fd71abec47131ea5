"""Officials' sessions, and those of anyone who may use the admin site (staff, superusers): they
end after a spell of inactivity, and they count only once the second factor is proven.

The two-factor rule is enforced here, for every page and API call made with an official's
session, rather than in each view: a new back-office page or endpoint is covered without anyone
remembering to. Such a session without a proven one-time code (logged in through the admin
site's own login form, say) reaches only the login and logout pages; pages send them to the login page,
which asks for the code and brings them back; API calls get 403 ``otp_required``. A login through
the external identity provider counts when the provider says it checked a code (``amr``).

API calls with a bearer token (``egov.identity.auth.BearerToken``) carry no session and are not
affected here: the token rules apply instead (egov.identity.tokens): an official's token is
issued only with their one-time code, lives a few hours, and stops after the same idle time.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from egov.core import audit

from ..access import needs_second_factor
from .login import second_factor_proven

#: Session key: when the official was last seen, in Unix seconds.
LAST_SEEN_KEY = "egov_official_last_seen"
#: The last-seen time is written at most this often, to spare a session write per request.
TOUCH_SECONDS = 60


def _open_paths() -> tuple[str, ...]:
    """Where an official who has not yet proven the second factor may go."""
    return (
        resolve_url(settings.LOGIN_URL),
        reverse("identity:login"),
        reverse("identity:login_verify"),
        reverse("identity:logout"),
        "/i18n/",
        settings.STATIC_URL,
    )


class OfficialSessionMiddleware(MiddlewareMixin):
    """After AuthenticationMiddleware, OTPMiddleware and MessageMiddleware."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not needs_second_factor(user):
            return None
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY)
        idle_limit = settings.OFFICIAL_IDLE_MINUTES * 60
        if isinstance(last_seen, int) and now - last_seen > idle_limit:
            audit.record(
                "session_expired",
                actor=user,
                object_type="user",
                object_id=user.pk,
                data={"idle_minutes": settings.OFFICIAL_IDLE_MINUTES},
            )
            logout(request)
            messages.info(
                request,
                _("You were logged out after %(minutes)d minutes without activity.")
                % {"minutes": settings.OFFICIAL_IDLE_MINUTES},
            )
            return None  # on as an anonymous visitor: a page asks to log in again
        if not isinstance(last_seen, int) or now - last_seen >= TOUCH_SECONDS:
            request.session[LAST_SEEN_KEY] = now
        if not second_factor_proven(request) and not request.path_info.startswith(_open_paths()):
            return _second_factor_required(request)
        return None


def _second_factor_required(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {
                "code": "otp_required",
                "message": "Cần xác thực hai yếu tố / Two-factor verification required",
                "errors": {},
            },
            status=403,
        )
    # The built-in login page asks for the code, also when people log in through an external
    # provider (whose own login would send a logged-in person straight back here).
    return redirect_to_login(request.get_full_path(), reverse("identity:login"))
