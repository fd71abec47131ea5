"""Token introspection (RFC 7662) at ``/o/introspect/``: django-oauth-toolkit's endpoint, told less.

The toolkit's answers any authenticated client about any token, by POST or with the token in the
query, and names the person by username: for a citizen, the personal ID number, which a client
allowed only the ``openid`` scope must not learn. Here a client asks by POST about its own tokens
only (another client's token is ``{"active": false}``, RFC 7662 §2.2), and the person is named by
``sub``, as in the ID token.
"""

import calendar
import hashlib
from typing import Any

from django.http import HttpRequest, JsonResponse
from oauth2_provider.models import get_access_token_model
from oauth2_provider.views import IntrospectTokenView
from oauthlib.common import Request as OauthlibRequest


class IntrospectionView(IntrospectTokenView):
    """Mounted instead of the toolkit's own; the client authenticates as at the token endpoint."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        value = request.POST.get("token")
        if not value:
            return JsonResponse(
                {"error": "invalid_request", "error_description": "Token parameter is missing."},
                status=400,
            )
        client_id = self._client_id(request)
        checksum = hashlib.sha256(value.encode()).hexdigest()
        token = (
            get_access_token_model()
            .objects.select_related("application")
            .filter(token_checksum=checksum)
            .first()
        )
        if (
            token is None
            or not token.is_valid()
            or token.application is None
            or token.application.client_id != client_id
        ):
            return JsonResponse({"active": False})
        data: dict[str, Any] = {
            "active": True,
            "scope": token.scope,
            "client_id": client_id,
            "token_type": "Bearer",
            "exp": int(calendar.timegm(token.expires.timetuple())),
        }
        if token.user_id is not None:
            data["sub"] = str(token.user_id)
        return JsonResponse(data)

    def _client_id(self, request: HttpRequest) -> str:
        """The client that authenticated this request (the dispatch let only such requests in)."""
        core = self.get_oauthlib_core()
        uri, method, body, headers = core._extract_params(request)
        asking = OauthlibRequest(uri, method, body, headers)
        if not core.server.request_validator.authenticate_client(asking) or asking.client is None:
            return ""
        return str(asking.client.client_id)
