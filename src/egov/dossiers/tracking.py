"""Tra cứu hồ sơ công khai: what anyone may learn from a receipt code, and how fast.

Receipt codes follow the national form ``{unit}-{yyyymmdd}-{sequence}``: they are sequential and
can be guessed. So (docs/api.md, "Public tracking"):

- **The receipt code alone shows the status only** (the status and its national code): that a
  dossier with this code exists and where it stands, nothing about what it is for or who filed it.
- **The code and a check** — the last 4 digits of the applicant's personal ID number, or of the
  organisation's tax code for an organisation's dossier — also show the procedure, the agency and
  the dates (submitted, due, finished). Never a name, a form field or a document.
- **Throttled per client address**: ``LOOKUPS_PER_ADDRESS`` lookups an hour, of which at most
  ``MISSES_PER_ADDRESS`` may miss (an unknown code, or a wrong check); past either the answer is
  429 until the hour ends. A code takes at most ``WRONG_CHECKS_PER_CODE`` wrong checks an hour,
  from anywhere, so the 4 digits cannot be tried through many addresses either.

The applicant sees everything about their own dossiers by logging in.
"""

import hmac
from dataclasses import dataclass

from django.utils.translation import gettext as _

from egov.core.errors import TooManyRequests
from egov.identity import ratelimit

from . import selectors
from .models import Dossier

LOOKUPS_PER_ADDRESS = 60
MISSES_PER_ADDRESS = 10
WRONG_CHECKS_PER_CODE = 5


@dataclass(frozen=True)
class Tracked:
    dossier: Dossier
    #: The check matched: the procedure, the agency and the dates may be shown.
    details: bool
    #: A check was given and did not match.
    wrong_check: bool


def _throttled(message: str) -> TooManyRequests:
    return TooManyRequests(message, retry_after=ratelimit.seconds_left())


def _too_many() -> TooManyRequests:
    return _throttled(
        _(
            "Too many lookups from your connection. Please try again in an hour, or log in to see your own dossiers."
        )
    )


def _check_digits(dossier: Dossier) -> list[str]:
    """The last 4 digits that prove a tracker knows the applicant."""
    values = [dossier.applicant.personal_id or ""]
    if dossier.organisation_id:
        values.append(dossier.organisation.tax_code or "")  # type: ignore[union-attr]
    digits = ["".join(ch for ch in value if ch.isdigit()) for value in values]
    return [value[-4:] for value in digits if len(value) >= 4]


def _matches(dossier: Dossier, check: str) -> bool:
    return any(hmac.compare_digest(check, digits) for digits in _check_digits(dossier))


def track(address: str, code: str, check: str = "") -> Tracked | None:
    """The dossier with receipt ``code`` for a tracker at ``address`` (None: no such dossier),
    with ``details`` when ``check`` matches; :class:`TooManyRequests` past the limits."""
    code = (code or "").strip()[:48]
    check = "".join((check or "").split())
    if not ratelimit.hit("track-address", address, LOOKUPS_PER_ADDRESS):
        raise _too_many()
    if ratelimit.count("track-miss", address) >= MISSES_PER_ADDRESS:
        raise _too_many()
    dossier = selectors.track(code)
    if dossier is None:
        ratelimit.add("track-miss", address)
        return None
    if not check:
        return Tracked(dossier, details=False, wrong_check=False)
    if ratelimit.count("track-check", code) >= WRONG_CHECKS_PER_CODE:
        raise _throttled(
            _("Too many wrong checks for this receipt code. Please try again in an hour.")
        )
    if _matches(dossier, check):
        return Tracked(dossier, details=True, wrong_check=False)
    ratelimit.add("track-check", code)
    ratelimit.add("track-miss", address)
    return Tracked(dossier, details=False, wrong_check=True)
