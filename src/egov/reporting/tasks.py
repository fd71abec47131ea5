"""Background work of the reporting part: open the reports of ended periods, deliver reminders.
Tasks take ids and are idempotent."""

import logging
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from egov.core import notify
from egov.core.calendar import VIETNAM
from egov.identity.models import User

from . import services
from .constants import REPORTERS, ReportStatus
from .models import OpeningSchedule, Reminder

log = logging.getLogger("egov.reporting")


def next_daily_run(now: datetime) -> datetime:
    """00:05 Hà Nội time after ``now``: reports of a period open the day after it ends."""
    local = now.astimezone(VIETNAM)
    return datetime.combine(local.date() + timedelta(days=1), time(0, 5), tzinfo=VIETNAM)


@task()
def open_reporting_periods() -> int:
    """Open the reports of every period that has ended, then run again the next day. A run
    that finds the next run already scheduled later does nothing, so duplicate chains of
    this task collapse into one (``manage.py open_reporting_periods --schedule`` starts it)."""
    now = timezone.now()
    with transaction.atomic():
        schedule = OpeningSchedule.objects.select_for_update().filter(pk=1).first()
        if schedule is not None and schedule.next_run_at > now + timedelta(minutes=1):
            return 0
        upcoming = next_daily_run(now)
        OpeningSchedule.objects.update_or_create(pk=1, defaults={"next_run_at": upcoming})
        created = services.open_periods()
        if open_reporting_periods.get_backend().supports_defer:  # the immediate backend cannot
            transaction.on_commit(
                lambda: open_reporting_periods.using(run_after=upcoming).enqueue()
            )
    log.info("reporting_periods_opened", extra={"reports": created})
    return created


def _reporters(agency_id: int) -> list[User]:
    return list(
        User.objects.filter(
            official_roles__agency_id=agency_id, official_roles__role__in=REPORTERS, is_active=True
        ).distinct()
    )


@task()
def deliver_reminder(reminder_id: int) -> int:
    """Email (and text, when they have a phone number) the reporters of the reminded agency,
    through the one ``notify``: each reporter once per channel, even if this task runs again,
    and not when the report was submitted meanwhile. Returns how many emails were queued."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("report__regime__agency", "report__agency")
            .get(pk=reminder_id)
        )
        report = reminder.report
        if reminder.delivered_at or report.status == ReportStatus.SUBMITTED:
            return 0
        with translation.override("vi"):
            subject = _("Reminder: report “%(title)s” for %(start)s–%(end)s") % {
                "title": report.regime.title,
                "start": report.period_start.strftime("%d/%m/%Y"),
                "end": report.period_end.strftime("%d/%m/%Y"),
            }
            text = _(
                "%(agency)s asks %(unit)s to submit the report “%(title)s”, due %(due)s. %(message)s"
            ) % {
                "agency": report.regime.agency.name,
                "unit": report.agency.name,
                "title": report.regime.title,
                "due": report.due_date.strftime("%d/%m/%Y"),
                "message": reminder.message,
            }
        sent = 0
        # Queued here, sent after the commit: nothing goes out under the reminder's lock.
        for person in _reporters(report.agency_id):
            for channel, _address in notify.contacts(person):
                queued = notify.notify(
                    person,
                    channel,
                    subject=subject,
                    text=text.strip() if channel == notify.EMAIL else subject,
                    topic="report_reminder",
                    about=("reminder", reminder.pk),
                    key=f"reminder:{reminder.pk}",
                )
                sent += queued is not None and channel == notify.EMAIL
        reminder.emails_sent, reminder.delivered_at = sent, timezone.now()
        reminder.save(update_fields=["emails_sent", "delivered_at"])
    log.info("report_reminder_delivered", extra={"reminder": reminder_id})
    return sent
