"""What the applicant is told, in Vietnamese, for each notified event."""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .models import Dossier, DossierEvent


def _when(value: str | None) -> str:
    if not value:
        return ""
    from datetime import datetime

    return formats.date_format(timezone.localtime(datetime.fromisoformat(value)), "DATETIME_FORMAT")


def compose(dossier: Dossier, event: DossierEvent) -> tuple[str, str]:
    """(subject, text) for ``event``, in Vietnamese."""
    with translation.override("vi"):
        data = event.data
        code = dossier.code or ""
        procedure = dossier.procedure.name
        texts = {
            "received": _(
                "Dossier %(code)s (%(procedure)s) has been received. Result due: %(due)s."
            )
            % {"code": code, "procedure": procedure, "due": _when(data.get("due_at"))},
            "supplement_requested": _(
                "Dossier %(code)s needs more documents: %(reason)s. Please supplement it online."
            )
            % {"code": code, "reason": data.get("reason", "")},
            "refused": _("Dossier %(code)s was not received: %(reason)s.")
            % {"code": code, "reason": data.get("reason", "")},
            "rejected": _("Dossier %(code)s was rejected: %(reason)s.")
            % {"code": code, "reason": data.get("reason", "")},
            "result_signed": _("The result of dossier %(code)s is ready.") % {"code": code},
            "apologised": _(
                "We apologise: dossier %(code)s is late (%(reason)s). New date for the result: %(date)s."
            )
            % {
                "code": code,
                "reason": data.get("reason", ""),
                "date": _when(data.get("promised_at")),
            },
            "extended_for_verification": _(
                "Dossier %(code)s needs verification (%(reason)s). As the law provides, the time"
                " to process it is extended to %(days)s working days: result due %(due)s."
            )
            % {
                "code": code,
                "reason": data.get("reason", ""),
                "days": data.get("working_days", ""),
                "due": _when(data.get("due_at")),
            },
        }
        subject = _("Dossier %(code)s: %(procedure)s") % {"code": code, "procedure": procedure}
        link = settings.SITE_URL + reverse("dossiers:detail", args=[dossier.pk])
        return subject, f"{texts[event.kind]} {link}"
