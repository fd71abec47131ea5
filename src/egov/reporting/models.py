"""Reporting regimes ("chế độ báo cáo định kỳ"), the reports agencies owe for each period, their
submitted revisions and the reminders sent about them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import DeadlineKind, Period, ReportStatus, Scope


class Regime(models.Model):
    """Chế độ báo cáo: a periodic report an agency asks of the agencies below it (or of chosen
    ones), as the Government Reporting Information System does under Decree 09/2019/NĐ-CP.

    ``fields`` is a list of ``{code, label, kind, required, prefill, aggregate, ratio_of}``,
    checked by :func:`egov.reporting.services.clean_fields`.
    """

    agency = models.ForeignKey(
        "core.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    period = models.CharField(_("period"), max_length=16, choices=Period.choices)
    deadline_kind = models.CharField(_("deadline"), max_length=16, choices=DeadlineKind.choices)
    deadline_value = models.PositiveSmallIntegerField(_("deadline value"))
    scope = models.CharField(_("who submits"), max_length=16, choices=Scope.choices)
    chosen_agencies = models.ManyToManyField("core.Agency", blank=True, related_name="+")
    fields = models.JSONField(_("fields"), default=list)
    #: Reports are owed from the period that contains this date.
    first_period_start = models.DateField(_("first period"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency__code", "title"]
        verbose_name = _("reporting regime")
        verbose_name_plural = _("reporting regimes")

    def __str__(self) -> str:
        return self.title


class Report(models.Model):
    """Báo cáo định kỳ: what one obligated agency owes for one period of one regime.

    ``values`` holds the draft while the report is open, and the values of the latest submitted
    revision once submitted (services keep them in step; a submitted report changes only by a new
    revision).
    """

    regime = models.ForeignKey(Regime, on_delete=models.CASCADE, related_name="reports")
    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    values = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    #: The first submission: lateness is judged on it, corrections do not change it.
    submitted_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    #: The number of the latest submitted revision (0 while never submitted).
    revision = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "agency", "period_start"], name="one_report_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["agency", "status", "due_date"]),
            models.Index(fields=["regime", "period_start"]),
        ]
        ordering = ["-period_start", "agency__code"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"{self.regime_id}:{self.agency_id}:{self.period_start}"


class ReportRevision(models.Model):
    """One submission of a report, never changed: the first, then each correction with its
    reason. ``prefilled`` keeps what the platform suggested next to what the agency sent."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField()
    values = models.JSONField(default=dict)
    prefilled = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    is_late = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="unique_report_revision")
        ]
        ordering = ["report", "number"]

    def __str__(self) -> str:
        return f"{self.report_id}#{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("submitted report revisions are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("submitted report revisions are immutable")


class Reminder(models.Model):
    """Nhắc nộp báo cáo: shown in the obligated agency's reporting pages and sent by email to
    its reporters."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reminders")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    message = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    emails_sent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.report_id}@{self.sent_at:%Y-%m-%d}"


class OpeningSchedule(models.Model):
    """The next run of the daily task that opens reports: a single row, locked by each run, so
    that however many times the task was enqueued, one chain of daily runs survives."""

    next_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.next_run_at.isoformat()
