"""Where other parts build on the dossier lifecycle without the dossiers part importing them
(``egov.core.hooks``; they register in their ``AppConfig.ready()``)."""

from collections.abc import Callable, Mapping

from django.http import HttpRequest
from django.utils.safestring import SafeString

from egov.core.hooks import HookPoint
from egov.identity.models import User

from .models import Dossier, DossierEvent

step_guard: HookPoint[Callable[[Dossier, str], str | None]] = HookPoint(
    "dossiers.step_guard",
    "(dossier, action) -> the reason the step may not be taken now, or None. Asked under the "
    "dossier's lock before a step (the step is refused with 409 invalid_state and the reason), "
    "and by access.allowed_actions, so that pages and API offer only the steps a guard allows "
    "(a due fee unpaid, a result not signed).",
)

after_step: HookPoint[Callable[[Dossier, str, User], None]] = HookPoint(
    "dossiers.after_step",
    "(dossier, action, actor): work done in the step's transaction once the dossier is saved "
    "(records draws up the draft result of a proposal and signs an approved one; payments "
    "prices the fees). Raising undoes the step.",
)

event_recorded: HookPoint[Callable[[DossierEvent], None]] = HookPoint(
    "dossiers.event_recorded",
    "(event): called in the transaction that appended the event, once per event, the event's "
    "dossier carrying the state the step leaves it in (insights projects the dossier's fact; "
    "the repository files a signed result). Raising undoes the step.",
)

component_extras: HookPoint[Callable[[HttpRequest, Dossier, bool], Mapping[str, SafeString]]] = (
    HookPoint(
        "dossiers.component_extras",
        "(request, dossier, editing) -> {component code: HTML} shown with each component of the "
        "dossier page (editing: inside the draft's form).",
    )
)

dossier_panels: HookPoint[Callable[[HttpRequest, Dossier], list[SafeString]]] = HookPoint(
    "dossiers.dossier_panels",
    "(request, dossier) -> [HTML] panels shown on the dossier page (fees, the result, the "
    "documents of the repository).",
)

tracked_elsewhere: HookPoint[Callable[[str], str]] = HookPoint(
    "dossiers.tracked_elsewhere",
    "(code) -> the address of the page that tracks a public code another part issues (an "
    "interconnected application's), or ''. The public tracking page sends such a code there, "
    "with the check, so that one box tracks every code.",
)
