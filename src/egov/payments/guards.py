"""The step guard this part puts on the dossier lifecycle (``dossiers.hooks.step_guard``): a due
fee must be paid first."""

from django.utils.translation import gettext as _

from egov.core.templatetags.egov import vnd
from egov.dossiers.models import Dossier

from .services import due_step, outstanding


def payment_due_guard(dossier: Dossier, action: str) -> str | None:
    """Hold back "receive" (fees due at submission) or "return_result" (due before the result)
    while the dossier still owes fees."""
    if action != due_step(dossier):
        return None
    owed = outstanding(dossier)
    if not owed:
        return None
    if action == "receive":
        return str(
            _(
                "The fees of this dossier (%(amount)s) are not paid yet; it can be received once"
                " they are paid."
            )
            % {"amount": vnd(owed)}
        )
    return str(
        _(
            "The fees of this dossier (%(amount)s) are not paid yet; the result can be returned"
            " once they are paid."
        )
        % {"amount": vnd(owed)}
    )
