"""Periods, deadlines, field kinds and statuses of reporting regimes ("chế độ báo cáo")."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.identity.models import Role


class Period(models.TextChoices):
    """Kỳ báo cáo: calendar periods (Decree 09/2019/NĐ-CP art. 11)."""

    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


#: How many months each period spans; periods start on January 1 and follow one another.
PERIOD_MONTHS: dict[str, int] = {
    Period.MONTHLY: 1,
    Period.QUARTERLY: 3,
    Period.HALF_YEARLY: 6,
    Period.YEARLY: 12,
}


class DeadlineKind(models.TextChoices):
    """Thời hạn gửi báo cáo, counted from the end of the period."""

    WORKING_DAYS = "working_days", _("Working days after the period ends")
    DAY_OF_MONTH = "day_of_month", _("Day of the month after the period ends")


class Scope(models.TextChoices):
    """Which agencies must submit."""

    SUBORDINATES = "subordinates", _("Every agency below the defining agency")
    CHOSEN = "chosen", _("Chosen agencies")


class FieldKind(models.TextChoices):
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    TEXT = "text", _("Text")


class Aggregate(models.TextChoices):
    """How a field's submitted values are rolled up for the defining agency."""

    SUM = "sum", _("Sum")
    #: The unweighted mean of the agencies' values: for percentages without their counts.
    MEAN = "mean", _("Average of the agencies' values")
    #: A percentage recomputed from the sums of two other fields (numerator, denominator).
    RATIO = "ratio", _("Ratio recomputed from two fields")
    NONE = "none", _("Not rolled up")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Standing(models.TextChoices):
    """Where an obligated agency stands for one period, as the defining agency sees it."""

    ON_TIME = "on_time", _("Submitted on time")
    LATE = "late", _("Submitted late")
    MISSING = "missing", _("Not submitted")


#: Who defines and edits an agency's regimes (besides platform administrators).
REGIME_MANAGERS = frozenset({Role.AGENCY_ADMIN})
#: Who fills and submits an agency's reports: its administrator, who keeps the agency's
#: reporting, and its approver, the leader who signs reports off under Decree 09 art. 12.
REPORTERS = frozenset({Role.AGENCY_ADMIN, Role.APPROVER})
#: Who reads the leader's dashboard of an agency.
LEADERS = frozenset({Role.AGENCY_ADMIN, Role.APPROVER})
#: Any official role in an agency: its officials read the agency's reports and regimes.
OFFICIAL_ROLES = frozenset({Role.RECEIVER, Role.PROCESSOR, Role.APPROVER, Role.AGENCY_ADMIN})
