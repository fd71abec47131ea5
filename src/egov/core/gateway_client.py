"""The one client of the data-sharing gateway, for every part that reads another agency's data
(the population registry, the business registry, another deployment's services): OAuth2 client
credentials (``GATEWAY_CLIENT_ID``/``GATEWAY_CLIENT_SECRET``) exchanged at ``GATEWAY_URL`` for a
short-lived token, kept until shortly before it expires, then the call through the proxy."""

import threading
import time
from typing import Any

import requests
from django.conf import settings


class GatewayUnavailable(Exception):
    """The gateway or the service behind it could not answer; the message is short and never
    holds personal data."""


class GatewayClient:
    _tokens: dict[tuple[str, str], tuple[str, float]] = {}
    _lock = threading.Lock()

    def __init__(
        self,
        url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float | None = None,
    ):
        self.url = (url if url is not None else settings.GATEWAY_URL).rstrip("/")
        self.client_id = client_id if client_id is not None else settings.GATEWAY_CLIENT_ID
        self.secret = client_secret if client_secret is not None else settings.GATEWAY_CLIENT_SECRET
        self.timeout = timeout if timeout is not None else settings.GATEWAY_CLIENT_TIMEOUT

    def _token(self, renew: bool = False) -> str:
        key = (self.url, self.client_id)
        with self._lock:
            token, expires = self._tokens.get(key, ("", 0.0))
            if token and not renew and time.time() < expires - 30:
                return token
        try:
            answer = requests.post(
                f"{self.url}/api/v1/gateway/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.secret,
                },
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise GatewayUnavailable(f"token: {type(exc).__name__}") from None
        if answer.status_code != 200:
            raise GatewayUnavailable(f"token refused: HTTP {answer.status_code}")
        grant = answer.json()
        with self._lock:
            self._tokens[key] = (grant["access_token"], time.time() + int(grant["expires_in"]))
        return str(grant["access_token"])

    def call(self, method: str, service: str, path: str = "", **options: Any) -> requests.Response:
        """``method`` ``{GATEWAY_URL}{GATEWAY_PREFIX}{service}/{path}`` (``service`` is
        ``agency/system/code``); ``options`` go to requests (json, params, headers)."""
        address = f"{self.url}{settings.GATEWAY_PREFIX}{service}" + (f"/{path}" if path else "")
        return self._request(method, address, **options)

    def publish(self, topic: str, data: dict[str, Any], event_id: str) -> requests.Response:
        """Publish ``data`` on ``topic`` (``agency/system/code``, a topic this member owns) as
        the event ``event_id``: a retry with the same id is not a second event."""
        address = f"{self.url}/api/v1/gateway/topics/{topic}/events"
        return self._request("POST", address, json={"id": event_id, "data": data})

    def subscribe(self, topic: str, webhook_url: str) -> requests.Response:
        """Subscribe ``webhook_url`` to ``topic``; the answer holds the webhooks' signing key."""
        address = f"{self.url}/api/v1/gateway/topics/{topic}/subscription"
        return self._request("PUT", address, json={"webhook_url": webhook_url})

    def _request(self, method: str, address: str, **options: Any) -> requests.Response:
        if not (self.url and self.client_id and self.secret):
            raise GatewayUnavailable("not configured")
        headers = dict(options.pop("headers", {}))
        timeout = options.pop("timeout", self.timeout)
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {self._token(renew=attempt == 2)}"
            try:
                response = requests.request(
                    method, address, headers=headers, timeout=timeout, **options
                )
            except requests.RequestException as exc:
                raise GatewayUnavailable(type(exc).__name__) from None
            if response.status_code != 401:  # a token revoked or expired early: renew once
                return response
        return response


def answered_not_found(response: requests.Response) -> bool:
    """A 404 of the service itself (``{"code": "not_found"}``), not the gateway's
    (``unknown_service``: the service is withdrawn or unknown, so it could not be asked)."""
    try:
        return response.status_code == 404 and response.json().get("code") == "not_found"
    except (ValueError, AttributeError):
        return False
