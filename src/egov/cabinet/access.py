"""Who may do what in a body (the permission matrix of ``docs/cabinet.md``).

- The **secretariat** prepares: papers, sheets, meetings, invitations; runs the room; sees the
  live tally of a sheet; signs and files the summary and the minutes.
- A **member** (chair, vice-chair, member) reads the papers of what they are sent or invited to,
  answers the sheets sent to them, replies to invitations, asks to speak; sees other members'
  answers only once the sheet is closed (or while open, when the body's rules say so).
- A **guest** sees the meeting they are invited to and its papers, and nothing else.
- The **admin** manages the seats. Anyone else sees nothing: "not found", audited.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import NotAllowed
from egov.identity.models import User

from .constants import MEMBER_ROLES, SeatRole, SheetState
from .models import Body, Invitation, Meeting, Paper, Seat, Sheet


def _person(user: object) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def seat(user: object, body: Body | int) -> Seat | None:
    person = _person(user)
    if person is None:
        return None
    body_id = body.pk if isinstance(body, Body) else body
    return Seat.objects.filter(body_id=body_id, user=person, active=True).first()


def role(user: object, body: Body | int) -> str:
    found = seat(user, body)
    return found.role if found else ""


def is_secretary(user: object, body: Body | int) -> bool:
    return role(user, body) == SeatRole.SECRETARY


def is_member(user: object, body: Body | int) -> bool:
    return role(user, body) in MEMBER_ROLES


def require_secretary(user: object, body: Body) -> None:
    if not is_secretary(user, body):
        deny(user, "secretariat", "body", body.pk)
        raise NotAllowed(_("Only the secretariat of %(body)s does this.") % {"body": body.name})


def require_admin(user: object, body: Body) -> None:
    if role(user, body) != SeatRole.ADMIN:
        deny(user, "manage_seats", "body", body.pk)
        raise NotAllowed(
            _("Only the administrator of %(body)s manages its seats.") % {"body": body.name}
        )


def deny(user: object, action: str, object_type: str, object_id: object) -> None:
    audit.record(
        "permission_denied",
        actor=_person(user),
        object_type=object_type,
        object_id=object_id,
        data={"action": action},
    )


def bodies_of(user: object) -> QuerySet[Body]:
    person = _person(user)
    if person is None:
        return Body.objects.none()
    return Body.objects.filter(seats__user=person, seats__active=True).distinct()


def visible_sheets(user: object) -> QuerySet[Sheet]:
    """Every sheet of the bodies ``user`` is the secretariat of, and those sent to them."""
    person = _person(user)
    if person is None:
        return Sheet.objects.none()
    secretariat = Seat.objects.filter(user=person, active=True, role=SeatRole.SECRETARY)
    return Sheet.objects.filter(
        Q(body__in=secretariat.values("body_id"))
        | Q(recipients__user=person, state__in=[SheetState.OPEN, SheetState.CLOSED])
    ).distinct()


def sheet_for(user: object, sheet_id: int) -> Sheet:
    found = visible_sheets(user).select_related("body", "body__agency").filter(pk=sheet_id).first()
    if found is None:
        if Sheet.objects.filter(pk=sheet_id).exists():
            deny(user, "view_sheet", "sheet", sheet_id)
        raise Http404
    return found


def sees_answers_of_others(user: object, sheet: Sheet) -> bool:
    """The tally and each member's answers: the secretariat always; the members once the sheet
    is closed (the tally published), or while open when the body's rules allow."""
    if is_secretary(user, sheet.body):
        return True
    person = _person(user)
    if person is None or not sheet.recipients.filter(user=person).exists():
        return False
    return sheet.state == SheetState.CLOSED or sheet.body.answers_open


def visible_meetings(user: object) -> QuerySet[Meeting]:
    """The meetings of the bodies ``user`` is the secretariat of, and those they are invited to
    (or sent to as a delegate) once published."""
    person = _person(user)
    if person is None:
        return Meeting.objects.none()
    secretariat = Seat.objects.filter(user=person, active=True, role=SeatRole.SECRETARY)
    invited = Invitation.objects.filter(Q(user=person) | Q(delegate=person)).values("meeting_id")
    return Meeting.objects.filter(
        Q(body__in=secretariat.values("body_id")) | (Q(pk__in=invited) & ~Q(state="draft"))
    ).distinct()


def meeting_for(user: object, meeting_id: int) -> Meeting:
    found = visible_meetings(user).select_related("body").filter(pk=meeting_id).first()
    if found is None:
        if Meeting.objects.filter(pk=meeting_id).exists():
            deny(user, "view_meeting", "meeting", meeting_id)
        raise Http404
    return found


def paper_for(user: object, paper_id: int) -> Paper:
    """A paper, for the secretariat of its body, and for those a visible sheet or meeting
    distributes it to."""
    person = _person(user)
    paper = Paper.objects.select_related("body", "file").filter(pk=paper_id).first()
    if paper is None:
        raise Http404
    if person is not None and (
        is_secretary(person, paper.body)
        or visible_sheets(person).filter(papers=paper).exists()
        or visible_meetings(person).filter(items__papers=paper).exists()
    ):
        return paper
    deny(user, "view_paper", "paper", paper_id)
    raise Http404
