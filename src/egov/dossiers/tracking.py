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

The applicant sees everything about their own dossiers by logging in. Another part's public codes
(an interconnected application's) are looked up through :func:`lookup`, under the same limits.
"""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from egov.core.errors import TooManyRequests
from egov.identity import ratelimit

from . import selectors
from .models import Dossier

LOOKUPS_PER_ADDRESS = 60
MISSES_PER_ADDRESS = 10
WRONG_CHECKS_PER_CODE = 5

T = TypeVar("T")


@dataclass(frozen=True)
class Tracked(Generic[T]):
    item: T
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


def last_digits(*values: str) -> list[str]:
    """The last 4 digits of each value that has 4: what proves a tracker knows the applicant."""
    digits = ["".join(ch for ch in value if ch.isdigit()) for value in values]
    return [value[-4:] for value in digits if len(value) >= 4]


def _check_digits(dossier: Dossier) -> list[str]:
    values = [dossier.applicant.personal_id or ""]
    if dossier.organisation_id:
        values.append(dossier.organisation.tax_code or "")  # type: ignore[union-attr]
    return last_digits(*values)


def track(address: str, code: str, check: str = "") -> Tracked[Dossier] | None:
    """The dossier with receipt ``code`` for a tracker at ``address`` (None: no such dossier),
    with ``details`` when ``check`` matches; :class:`TooManyRequests` past the limits."""
    return lookup(address, code, check, selectors.track, _check_digits)


def lookup(
    address: str,
    code: str,
    check: str,
    find: Callable[[str], T | None],
    check_digits: Callable[[T], list[str]],
) -> Tracked[T] | None:
    """What ``find`` knows by the public ``code``, under the limits above; ``check_digits``
    gives the digits a matching ``check`` must equal to see the details."""
    code = (code or "").strip()[:48]
    check = "".join((check or "").split())
    if not ratelimit.hit("track-address", address, LOOKUPS_PER_ADDRESS):
        raise _too_many()
    if ratelimit.count("track-miss", address) >= MISSES_PER_ADDRESS:
        raise _too_many()
    item = find(code)
    if item is None:
        ratelimit.add("track-miss", address)
        return None
    if not check:
        return Tracked(item, details=False, wrong_check=False)
    if ratelimit.count("track-check", code) >= WRONG_CHECKS_PER_CODE:
        raise _throttled(
            _("Too many wrong checks for this receipt code. Please try again in an hour.")
        )
    if any(hmac.compare_digest(check, digits) for digits in check_digits(item)):
        return Tracked(item, details=True, wrong_check=False)
    ratelimit.add("track-check", code)
    ratelimit.add("track-miss", address)
    return Tracked(item, details=False, wrong_check=True)
