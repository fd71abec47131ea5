"""The step guard this part puts on the dossier lifecycle: a due fee must be paid first."""

from django.utils.translation import gettext as _

from egov.core.templatetags.egov import vnd
from egov.dossiers.models import Dossier
from egov.dossiers.services import WrongState

from .constants import NATIONAL_STATUS_PAYMENT_REQUESTED, PaymentDue

#: The lifecycle step each due moment holds back.
HELD_STEP = {PaymentDue.AT_SUBMISSION: "receive", PaymentDue.BEFORE_RESULT: "return_result"}


def due_step(dossier: Dossier) -> str:
    """The lifecycle action that waits for the fees of this dossier's procedure."""
    due = dossier.procedure.definition.get("payment_due", PaymentDue.BEFORE_RESULT)
    return HELD_STEP[PaymentDue(due)]


def payment_due_guard(dossier: Dossier, action: str) -> None:
    """Refuse "receive" (fees due at submission) or "return_result" (due before the result)
    while the dossier still owes fees."""
    from .services import outstanding

    if action != due_step(dossier):
        return
    owed = outstanding(dossier)
    if not owed:
        return
    if action == "receive":
        raise WrongState(
            _(
                "The fees of this dossier (%(amount)s) are not paid yet; it can be received once"
                " they are paid."
            )
            % {"amount": vnd(owed)}
        )
    raise WrongState(
        _(
            "The fees of this dossier (%(amount)s) are not paid yet; the result can be returned"
            " once they are paid."
        )
        % {"amount": vnd(owed)}
    )


def national_status(dossier: Dossier) -> int | None:
    """The status code for the national portal's sync: 6 ("payment requested") while the dossier
    waits at the step its unpaid fees hold back, else the dossier's own code."""
    from .services import outstanding

    waiting = {"receive": "submitted", "return_result": "result_ready"}[due_step(dossier)]
    if dossier.status == waiting and outstanding(dossier):
        return NATIONAL_STATUS_PAYMENT_REQUESTED
    return dossier.national_status
