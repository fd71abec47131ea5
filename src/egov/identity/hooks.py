"""Where parts above identity add to it without identity importing them (``egov.core.hooks``;
they register in their ``AppConfig.ready()``)."""

from collections.abc import Callable
from typing import Any

from egov.core.hooks import HookPoint

from .models import User

landing_page: HookPoint[Callable[[User], str]] = HookPoint(
    "identity.landing_page",
    "(official) -> the URL of the start page of their work, or '': where an official lands "
    "after logging in without a next page (the first offer wins, else LOGIN_REDIRECT_URL).",
)

personal_data: HookPoint[Callable[[User], dict[str, Any]]] = HookPoint(
    "identity.personal_data",
    "(person) -> {section: JSON-ready data}: what the part holds on the person, added to the "
    "export of their personal data (Decree 13/2023). Never a secret (hash, token, code).",
)
