"""Where other parts follow payments without the payments part importing them
(``egov.core.hooks``; they register in their ``AppConfig.ready()``)."""

from collections.abc import Callable

from egov.core.hooks import HookPoint

from .models import Payment

group_paid: HookPoint[Callable[[Payment], None]] = HookPoint(
    "payments.group_paid",
    "(payment): a group payment (no dossier; its purpose names what it pays for) was settled, "
    "in the transaction that settled it. The part that opened it hands each share to its "
    "dossier (services.allocate_share), after the commit. Raising undoes the settling.",
)
