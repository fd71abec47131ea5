"""Short-lived access tokens of the OAuth2 client-credentials grant (RFC 6749 §4.4): a JWT
(RFC 7519) signed with HMAC-SHA256 under ``GATEWAY_TOKEN_KEY``. Only the gateway that issued a
token verifies it, so a shared secret is enough and verifying costs about 20 µs."""

import functools
import hashlib
import secrets
import time

from django.conf import settings
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

ALGORITHM = "HS256"


def secret() -> str:
    """GATEWAY_TOKEN_KEY, else (development) one derived from SECRET_KEY."""
    return (
        settings.GATEWAY_TOKEN_KEY
        or hashlib.sha256(f"egov-gateway-token:{settings.SECRET_KEY}".encode()).hexdigest()
    )


@functools.lru_cache(maxsize=4)
def _import_key(value: str) -> OctKey:
    return OctKey.import_key(value.encode())


def _key() -> OctKey:
    return _import_key(secret())


#: (key, token) -> (member code, expiry) of the tokens already verified by this process: a
#: client uses one token for its whole lifetime, so its signature is checked once, its expiry
#: on every call. Bounded: emptied when full.
_verified: dict[tuple[str, str], tuple[str, int]] = {}
_VERIFIED_MAX = 10_000


def issue(member_code: str, *, now: float | None = None) -> tuple[str, int]:
    """A token naming ``member_code`` and its lifetime in seconds."""
    issued = int(now if now is not None else time.time())
    lifetime = settings.GATEWAY_TOKEN_LIFETIME
    claims = {
        "iss": settings.GATEWAY_ISSUER,
        "sub": member_code,
        "iat": issued,
        "exp": issued + lifetime,
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode({"alg": ALGORITHM}, claims, _key()), lifetime


class InvalidToken(Exception):
    """``code`` says why: ``invalid_token`` (forged, malformed, another issuer) or
    ``token_expired``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def member_of(token: str, *, now: float | None = None) -> str:
    """The member code a valid token names; raises InvalidToken."""
    key = secret()
    known = _verified.get((key, token))
    if known is not None:
        if known[1] <= (now or time.time()):
            raise InvalidToken("token_expired")
        return known[0]
    try:
        claims = jwt.decode(token, _key(), algorithms=[ALGORITHM]).claims
    except (JoseError, ValueError):
        raise InvalidToken("invalid_token") from None
    if claims.get("iss") != settings.GATEWAY_ISSUER or not isinstance(claims.get("sub"), str):
        raise InvalidToken("invalid_token")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= (now or time.time()):
        raise InvalidToken("token_expired")
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[(key, token)] = (claims["sub"], claims["exp"])
    return claims["sub"]
