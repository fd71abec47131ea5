"""Phản ánh, kiến nghị: what a person tells an agency about an administrative rule, a procedure
or their dossier, and the agency's answer, published without personal data."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    ANSWERED = "answered", _("Answered")


class Feedback(models.Model):
    #: What the sender quotes to follow it: ``PAKN-<yyyymmdd>-<8 characters>``.
    code = models.CharField(max_length=24, unique=True)
    procedure = models.ForeignKey(
        "catalog.Procedure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: Who sent it and how to reach them: for the agency only, never published.
    author_name = models.CharField(max_length=200, blank=True)
    author_contact = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN, db_index=True
    )
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: What is published once answered: the subject and text with personal data removed.
    published_subject = models.CharField(max_length=200, blank=True)
    published_text = models.TextField(blank=True)
    #: Folded published text, answer included, for diacritic-blind search.
    search_text = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["agency", "status", "due_at"])]
        verbose_name = _("feedback")

    def __str__(self) -> str:
        return self.code

    @property
    def on_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return self.answered_at <= self.due_at
