"""The reporting system's data: one fact per dossier, and counts per scope and day.

A fact is projected from a local dossier and its events, or taken from a record that another
deployment synchronised. Counts are kept in step with the facts by deltas (old fact → new fact)
in the same transaction, and can be rebuilt from the facts at any time with the same result.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import COUNTERS, FactSource


class DossierFact(models.Model):
    """Dữ liệu hồ sơ phục vụ báo cáo: what the indicators need to know of one dossier."""

    #: No index of its own: the (agency, code) constraint's index serves lookups by agency.
    agency = models.ForeignKey(
        "core.Agency", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    code = models.CharField(_("dossier code"), max_length=48)
    source = models.CharField(max_length=8, choices=FactSource.choices)
    #: The local dossier it is projected from (None for synchronised records).
    dossier_id = models.PositiveBigIntegerField(null=True, blank=True)
    procedure_code = models.CharField(max_length=40, blank=True)
    full_process = models.BooleanField(default=False)
    channel = models.CharField(max_length=10)
    #: TrangThaiHoSo, the national status code (1–10).
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    #: The Vietnamese calendar days the counts are filed under (Asia/Ho_Chi_Minh).
    received_day = models.DateField(null=True, blank=True)
    resolved_day = models.DateField(null=True, blank=True)
    returned_day = models.DateField(null=True, blank=True)
    #: Fee payment transactions of the dossier: all of them, and those made online through the
    #: portal (a dossier may pay in several transactions, e.g. a fee before intake, a charge
    #: before the result).
    payments = models.PositiveIntegerField(default=0)
    payments_online = models.PositiveIntegerField(default=0)
    #: Results issued for the dossier (counted once it is resolved, status 9 or 10).
    results = models.PositiveIntegerField(default=0)
    digitised = models.BooleanField(default=False)
    #: Of them, results issued as signed electronic documents.
    e_results = models.PositiveIntegerField(default=0)
    reused = models.BooleanField(default=False)
    on_time = models.BooleanField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    #: The source's time of this state: a synchronised record older than this one is ignored.
    updated_at = models.DateTimeField()
    #: Raised on every change; the push to the national deployment sends changed local facts.
    version = models.PositiveIntegerField(default=1)
    unpushed = models.BooleanField(default=False)
    #: Why the national deployment refused the last push of this fact (pushed again on change).
    push_error = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="one_fact_per_dossier_code"),
            # Partial: synchronised facts (most of them) have none, and need no index entry.
            models.UniqueConstraint(
                fields=["dossier_id"],
                condition=models.Q(dossier_id__isnull=False),
                name="one_fact_per_local_dossier",
            ),
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(unpushed=True), name="insights_fact_unpushed"
            )
        ]
        verbose_name = _("dossier fact")
        verbose_name_plural = _("dossier facts")

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.code}"


class DailyCount(models.Model):
    """Numerators and denominators of every indicator for one scope (an agency with everything
    below it, or the nation) on one day. Months, quarters and years are sums of days."""

    scope = models.IntegerField()  # an agency id, or constants.NATION
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "day"], name="one_count_per_scope_day")
        ]
        verbose_name = _("daily count")

    def __str__(self) -> str:
        return f"{self.scope}:{self.day}"


for _counter in COUNTERS:
    DailyCount.add_to_class(_counter, models.BigIntegerField(default=0))


class FactChange(models.Model):
    """A state a fact entered (sign +1) or left (sign −1), staged for the daily counts. Whoever
    changes a fact stages its old and new state and applies them in the same transaction
    (``counting.apply_staged``), so the table is empty outside transactions."""

    agency_id = models.IntegerField()
    sign = models.SmallIntegerField()
    status = models.PositiveSmallIntegerField(null=True)
    channel = models.CharField(max_length=10)
    full_process = models.BooleanField()
    payments = models.PositiveIntegerField()
    payments_online = models.PositiveIntegerField()
    results = models.PositiveIntegerField()
    digitised = models.BooleanField()
    e_results = models.PositiveIntegerField()
    reused = models.BooleanField()
    on_time = models.BooleanField(null=True)
    rating = models.PositiveSmallIntegerField(null=True)
    received_day = models.DateField(null=True)
    resolved_day = models.DateField(null=True)
    returned_day = models.DateField(null=True)

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.sign:+d}"


class AgencyScope(models.Model):
    """The agency tree flattened: each agency is counted in its own scope, every ancestor's and
    the nation's. Refreshed from the tree before a rebuild."""

    agency_id = models.IntegerField()
    scope = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency_id", "scope"], name="one_scope_row")]

    def __str__(self) -> str:
        return f"{self.agency_id}->{self.scope}"


class SyncClient(models.Model):
    """A ministry or province deployment allowed to push dossiers to this one, for its units."""

    name = models.CharField(_("name"), max_length=255)
    token_hash = models.CharField(max_length=64, unique=True)
    agencies = models.ManyToManyField(
        "core.Agency",
        related_name="+",
        verbose_name=_("units"),
        help_text=_("The client may push dossiers of these units and every unit below them."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sync client")
        verbose_name_plural = _("sync clients")

    def __str__(self) -> str:
        return self.name


class PushState(models.Model):
    """This deployment's push to the national one: when it last ran, and how it failed."""

    name = models.CharField(max_length=40, unique=True)
    #: When a push is queued to run; None when none is queued (the next change queues one).
    next_run_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    pushed_total = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
