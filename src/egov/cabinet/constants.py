"""Roles, states and answers of the collegial bodies' work (eCabinet)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SeatRole(models.TextChoices):
    """A person's place in a body. The chair, vice-chairs and members are its members (they
    attend and answer opinion sheets); the secretariat prepares its work; the admin manages
    who holds which role."""

    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    MEMBER = "member", _("Member")
    SECRETARY = "secretary", _("Secretariat")
    ADMIN = "admin", _("Body administrator")


MEMBER_ROLES = frozenset({SeatRole.CHAIR, SeatRole.VICE_CHAIR, SeatRole.MEMBER})


class Confidentiality(models.TextChoices):
    """How far a document may travel. Classified state secrets stay on paper (as in the
    national system); "restricted" and "confidential" documents are watermarked with the
    reader's name and the time on every download."""

    NORMAL = "normal", _("Normal")
    RESTRICTED = "restricted", _("Restricted (internal circulation)")
    CONFIDENTIAL = "confidential", _("Confidential")


WATERMARKED = frozenset({Confidentiality.RESTRICTED, Confidentiality.CONFIDENTIAL})


class SheetState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")


class SheetKind(models.TextChoices):
    RESOLUTION = "resolution", _("Draft resolution")
    DECISION = "decision", _("Draft decision")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other")


class Choice(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    OTHER = "other", _("Other opinion")


class Outcome(models.TextChoices):
    """A question's outcome: adopted when more than half of all the body's members agree (Law
    on Government Organisation: a decision needs a majority of all members); on a tie, the side
    the chair took wins."""

    ADOPTED = "adopted", _("Adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    PUBLISHED = "published", _("Invitations sent")
    IN_PROGRESS = "in_progress", _("In session")
    CLOSED = "closed", _("Closed")


class Reply(models.TextChoices):
    PENDING = "pending", _("Not answered")
    ATTENDING = "attending", _("Will attend")
    ABSENT = "absent", _("Cannot attend")
    DELEGATED = "delegated", _("Sends a delegate")


class SpeakState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    SPEAKING = "speaking", _("Speaking")
    DONE = "done", _("Spoke")
    WITHDRAWN = "withdrawn", _("Withdrawn")
