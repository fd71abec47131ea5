"""eCabinet: a collegial body (the Government, a provincial People's Committee), who sits in it,
the documents it reads, its opinion sheets ("phiếu lấy ý kiến thành viên") and its meetings.
Every change is also an append-only :class:`CabinetEvent`."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import (
    Choice,
    Confidentiality,
    MeetingState,
    Outcome,
    Reply,
    SeatRole,
    SheetKind,
    SheetState,
    SpeakState,
)


class Body(models.Model):
    """A collegial body and the rules it works by (``docs/cabinet.md``)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    #: The body's agency: its documents and signatures are this agency's.
    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    #: The rules say members may see each other's answers before the tally is published.
    answers_open = models.BooleanField(default=False)
    #: A member who cannot attend may send a delegate.
    delegation_allowed = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("collegial body")
        verbose_name_plural = _("collegial bodies")

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    """A person's role in a body; the body's admin manages them."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="seats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=12, choices=SeatRole.choices)
    #: What the person is in the body ("Bộ trưởng Bộ Tư pháp").
    position = models.CharField(_("position"), max_length=200, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["body", "user"], name="one_seat_per_body")]
        ordering = ["body", "role", "id"]

    def __str__(self) -> str:
        return f"{self.body_id}:{self.user_id}:{self.role}"


class Paper(models.Model):
    """A document distributed to a body's members (a draft, a report, the minutes): a PDF,
    uploaded or taken from a document received on the exchange axis."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="papers")
    title = models.CharField(_("title"), max_length=300)
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=128)
    pages = models.PositiveIntegerField(default=1)
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=12,
        choices=Confidentiality.choices,
        default=Confidentiality.NORMAL,
    )
    #: The exchange document it was taken from (its id on this deployment), if any.
    exchange_document_id = models.BigIntegerField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class Annotation(models.Model):
    """A reader's private note on a page of a paper: nobody else sees it."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.PositiveIntegerField(default=1)
    text = models.TextField(max_length=4000)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["author", "paper"])]
        ordering = ["page", "at", "id"]

    def __str__(self) -> str:
        return f"{self.paper_id}:{self.page}"


# --- opinion sheets ---------------------------------------------------------------------------


class Sheet(models.Model):
    """Phiếu lấy ý kiến: a draft sent to the members with questions and a deadline."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="sheets")
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=12, choices=SheetKind.choices)
    papers = models.ManyToManyField(Paper, related_name="sheets", blank=True)
    deadline = models.DateTimeField(_("deadline"))
    state = models.CharField(max_length=8, choices=SheetState.choices, default=SheetState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    #: The signed summary (a records document, verifiable at /verify/), once signed.
    summary_code = models.CharField(max_length=24, blank=True)
    #: The code reserved for it when the sheet closed: a retry after a crash issues it once.
    summary_key = models.CharField(max_length=24, blank=True)
    #: When a reminder was last sent to those who had not answered.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "deadline"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.TextField(_("question"), max_length=2000)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sheet", "position"], name="one_question_per_position")
        ]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.sheet_id}:{self.position}"


class Recipient(models.Model):
    """A member the sheet was sent to."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    #: The seat's role when sent (the chair's answer breaks a tie).
    role = models.CharField(max_length=12, choices=SeatRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sheet", "user"], name="one_recipient_per_sheet")
        ]

    def __str__(self) -> str:
        return f"{self.sheet_id}:{self.user_id}"


class Answer(models.Model):
    """A member's current answer to a question; each change is a ``answered`` event."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    text = models.TextField(blank=True, max_length=4000)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "member"], name="one_answer_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}:{self.member_id}"


# --- meetings ----------------------------------------------------------------------------------


class Meeting(models.Model):
    """Phiên họp, hội nghị: an agenda, the invited, and what happens in the room."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    state = models.CharField(
        max_length=12, choices=MeetingState.choices, default=MeetingState.DRAFT
    )
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: Raised at every change seen in the room: pages poll it to refresh only when it moved.
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    #: The signed minutes and conclusions (a records document), once signed.
    minutes_code = models.CharField(max_length=24, blank=True)
    #: The code reserved for them when the meeting closed (see ``Sheet.summary_key``).
    minutes_key = models.CharField(max_length=24, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("title"), max_length=300)
    presenter = models.CharField(_("presenter"), max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=15)
    papers = models.ManyToManyField(Paper, related_name="items", blank=True)
    #: The conclusion recorded during the meeting ("kết luận").
    conclusion = models.TextField(_("conclusion"), blank=True, max_length=8000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="one_item_per_position")
        ]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.position}"


class Invitation(models.Model):
    """A member or a guest invited to a meeting, their answer and their presence."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    guest = models.BooleanField(default=False)
    reply = models.CharField(max_length=10, choices=Reply.choices, default=Reply.PENDING)
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    present_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_invitation_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.user_id}"


class SpeakRequest(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="speakers")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=SpeakState.choices, default=SpeakState.WAITING)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.user_id}"


class CabinetEvent(models.Model):
    """Append-only: each change of a sheet, an answer, a meeting or a paper's distribution."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["body", "kind", "at"])]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.body_id}:{self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("cabinet events are append-only")
        super().save(*args, **kwargs)
