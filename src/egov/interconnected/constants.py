"""States of interconnected applications and their parts."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    PROCESSING = "processing", _("Being processed")
    #: Every part has its result.
    COMPLETED = "completed", _("Completed")
    #: Every part has ended, some without a result (refused, or unable to start).
    PARTLY = "partly", _("Partly completed")
    #: No part has a result and none can go on.
    REFUSED = "refused", _("Not completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PartState(models.TextChoices):
    #: Waiting for the results of the members it needs.
    WAITING = "waiting", _("Waiting for the earlier results")
    #: Its dossier is at the agency.
    FILED = "filed", _("At the agency")
    #: The agency asks the applicant for more documents.
    SUPPLEMENT = "supplement", _("Supplement requested")
    RESULT = "result", _("Result issued")
    #: The agency refused or rejected it, or the applicant withdrew it.
    STOPPED = "stopped", _("Stopped")
    #: It cannot start: a member it needs was refused.
    CANCELLED = "cancelled", _("Cannot start")


ENDED = {PartState.RESULT, PartState.STOPPED, PartState.CANCELLED}

#: Tracking code of an application: "LT" (liên thông), the place's unit code, the day, a number.
TRACKING_CODE_FORMAT = "LT-{unit}-{day:%Y%m%d}-{number:05d}"
