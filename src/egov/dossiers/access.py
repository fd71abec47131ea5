"""Who may see and act on which dossier: the one place that decides. Pages, API, services and
tasks all ask here; ``tests/dossiers/test_permission_matrix.py`` checks every role against every
action through pages and API.

Capacities a person can hold towards a dossier:

- ``applicant``: the citizen who filed a personal dossier; for a dossier filed for an
  organisation, every person who represents that organisation *now* (the dossier belongs to the
  organisation: a revoked representative, even the one who filed it, no longer sees it);
- an official role (receiver, processor, approver, agency_admin) held in the dossier's agency
  (platform_admin, for managing roles, gives no access to dossiers);
- ``assignee``: the processor the dossier is assigned to, while they hold the processor role
  there (only they propose its result).

A dossier someone may not see is reported as not found, so its existence is not revealed; a
draft is seen by its applicant(s) only. Refusals are written to the audit log as
``permission_denied`` with the dossier id, the action and the actor's id, nothing else.
"""

import enum
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse

from egov.catalog.models import Procedure
from egov.core import audit
from egov.identity.models import Representation, Role, User
from egov.identity.organisations.access import represents

from . import hooks
from .constants import APPLICANT, ASSIGNEE, TRANSITIONS, Status
from .models import Dossier

#: Reading actions, besides the lifecycle transitions of ``constants.TRANSITIONS``.
VIEW, DOWNLOAD = "view", "download"
ACTIONS = (*TRANSITIONS, VIEW, DOWNLOAD)
#: The back-office roles that handle an agency's dossiers.
DOSSIER_ROLES = frozenset({Role.RECEIVER, Role.PROCESSOR, Role.APPROVER, Role.AGENCY_ADMIN})


class Decision(enum.Enum):
    ALLOWED = "allowed"
    #: The dossier is not theirs to see: reported as not found (404).
    HIDDEN = "hidden"
    #: They see it, but none of their capacities may do this (403).
    FORBIDDEN = "forbidden"
    #: Their capacity may, but not in the dossier's current state (409).
    WRONG_STATE = "wrong_state"


def _person(user: Any) -> User | None:
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None


def acts_as_applicant(user: Any, dossier: Dossier) -> bool:
    """The applicant of a personal dossier, or a current representative of the organisation
    a dossier was filed for."""
    person = _person(user)
    if person is None:
        return False
    if dossier.organisation_id:
        return represents(person, dossier.organisation_id)
    return dossier.applicant_id == person.pk


def roles_for(user: Any, dossier: Dossier) -> set[str]:
    """The capacities in which ``user`` stands to ``dossier``: official roles in its agency,
    'assignee' for its assigned processor, and 'applicant' (see :func:`acts_as_applicant`)."""
    person = _person(user)
    if person is None:
        return set()
    roles = set(person.roles_in(dossier.agency_id)) & DOSSIER_ROLES if person.is_official else set()
    if Role.PROCESSOR in roles and dossier.assignee_id == person.pk:
        roles.add(ASSIGNEE)
    if acts_as_applicant(person, dossier):
        roles.add(APPLICANT)
    return roles


def _visible(roles: set[str], dossier: Dossier) -> bool:
    if dossier.status == Status.DRAFT:
        return APPLICANT in roles  # a draft is nobody's business but its applicant's
    return bool(roles)


def _judge(roles: set[str], action: str, dossier: Dossier) -> Decision:
    if not _visible(roles, dossier):
        return Decision.HIDDEN
    if action in (VIEW, DOWNLOAD):
        return Decision.ALLOWED
    transition = TRANSITIONS[action]
    if not roles & transition.actors:
        return Decision.FORBIDDEN
    if dossier.status not in transition.sources:
        return Decision.WRONG_STATE
    if action == "rate" and dossier.rating is not None:
        return Decision.WRONG_STATE  # rated once
    if action == "extend_for_verification" and verification_refusal(dossier):
        return Decision.WRONG_STATE
    return Decision.ALLOWED


def verification_refusal(dossier: Dossier) -> str:
    """Why the dossier's time cannot be extended for verification, whatever its status ('' when
    it can): its procedure gives no longer time, or it was extended already (once)."""
    if dossier.procedure.verification_working_days is None:
        return "no_longer_time"
    if dossier.verification_reason:
        return "extended"
    return ""


def decide(user: Any, action: str, dossier: Dossier) -> Decision:
    """What ``user`` may do: ``action`` is a transition of ``TRANSITIONS``, or view/download."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action}")
    return _judge(roles_for(user, dossier), action, dossier)


def can_view(user: Any, dossier: Dossier) -> bool:
    return _visible(roles_for(user, dossier), dossier)


def may_digitise(user: Any, dossier: Dossier) -> bool:
    """A receiving official of the dossier's agency digitises its paper components."""
    person = _person(user)
    return bool(
        person and person.is_official and Role.RECEIVER in person.roles_in(dossier.agency_id)
    )


def can(user: Any, action: str, dossier: Dossier) -> bool:
    """True when ``user`` may perform ``action`` on ``dossier`` in its current state."""
    return decide(user, action, dossier) is Decision.ALLOWED


def held_back(dossier: Dossier, action: str) -> str | None:
    """Why another part holds ``action`` back on ``dossier`` now (the first of its step guards
    to refuse: a due fee unpaid, a result not signed), or None."""
    for guard in hooks.step_guard:
        reason = guard(dossier, action)
        if reason:
            return reason
    return None


def allowed_actions(user: Any, dossier: Dossier) -> list[str]:
    """Every transition ``user`` may take on ``dossier`` now, in lifecycle order: those their
    capacity and the dossier's status allow, and no step guard holds back, so that what a page
    or the API offers is what the step will accept."""
    roles = roles_for(user, dossier)
    return [
        action
        for action in TRANSITIONS
        if _judge(roles, action, dossier) is Decision.ALLOWED and held_back(dossier, action) is None
    ]


def held_actions(user: Any, dossier: Dossier) -> dict[str, str]:
    """The transitions ``user`` could take on ``dossier`` now but a step guard holds back, with
    the guard's reason: the page says why the step is not offered (fees not paid yet)."""
    roles = roles_for(user, dossier)
    held = {}
    for action in TRANSITIONS:
        if _judge(roles, action, dossier) is Decision.ALLOWED:
            reason = held_back(dossier, action)
            if reason:
                held[action] = reason
    return held


def record_denial(user: Any, action: str, dossier_id: int) -> None:
    """Audit a refusal: the dossier id, the action and the actor's id, nothing else."""
    audit.record(
        "permission_denied",
        actor=_person(user),
        object_type="dossier",
        object_id=dossier_id,
        data={"action": action},
    )


def access_dossier(user: Any, dossier_id: int, action: str = VIEW) -> Dossier:
    """The dossier if ``user`` may see it, else Http404 (whether or not it exists); a refusal of
    an existing dossier is audited under ``action``."""
    dossier = (
        Dossier.objects.select_related(
            "procedure", "agency", "applicant", "assignee", "organisation"
        )
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise Http404
    if not can_view(user, dossier):
        record_denial(user, action, dossier.pk)
        raise Http404
    return dossier


def dossiers_as_applicant(user: Any) -> QuerySet[Dossier]:
    """The dossiers ``user`` holds as applicant, newest first by the date the list shows (when
    submitted; a draft by when it was started): their personal dossiers and those of the
    organisations they represent now."""
    person = _person(user)
    if person is None:
        return Dossier.objects.none()
    represented = Representation.objects.filter(person=person, revoked_at__isnull=True).values(
        "organisation_id"
    )
    return (
        Dossier.objects.filter(
            Q(applicant=person, organisation__isnull=True) | Q(organisation_id__in=represented)
        )
        .select_related("procedure", "agency", "organisation")
        .annotate(listed_at=Coalesce("submitted_at", "created_at"))
        .order_by("-listed_at", "-pk")
    )


# --- filing --------------------------------------------------------------------------------------


def required_identity_level(procedure: Procedure) -> int:
    """Mức độ định danh the procedure asks of an applicant filing online (1 unless it says)."""
    return int(procedure.definition.get("identity_level", 1))


def meets_identity_level(user: Any, procedure: Procedure) -> bool:
    person = _person(user)
    return bool(person and person.identity_level >= required_identity_level(procedure))


def may_file_for(user: Any, organisation_id: int) -> bool:
    """Whether ``user`` may file (and act) for the organisation: a current representative."""
    return represents(_person(user), organisation_id)


# --- the back office ------------------------------------------------------------------------------


def is_official_of(user: Any, agency_id: int) -> bool:
    """Holds a role handling the agency's dossiers."""
    person = _person(user)
    return bool(person and person.is_official and person.roles_in(agency_id) & DOSSIER_ROLES)


def queue_agencies(user: Any) -> list[int]:
    """Ids of the agencies whose one-stop queue ``user`` reads (every submitted dossier there,
    as :func:`can_view` allows them)."""
    person = _person(user)
    if person is None or not person.is_official:
        return []
    held = person.official_roles.filter(role__in=DOSSIER_ROLES).values_list("agency_id", flat=True)
    return sorted(set(held))


def may_see_draft(user: Any, dossier: Dossier) -> bool:
    """The unsigned draft result of a proposal is for the agency's officials: it is not a
    decision until approved and signed."""
    return is_official_of(user, dossier.agency_id)


def back_office_landing(user: Any) -> str:
    """Where an official who handles dossiers lands after logging in: the one-stop queue."""
    return reverse("dossiers:queue") if queue_agencies(user) else ""


def may_file_at_counter(user: Any, agency_id: int) -> bool:
    """A receiving official of the agency files dossiers for people at its counter."""
    person = _person(user)
    return bool(person and person.is_official and Role.RECEIVER in person.roles_in(agency_id))


def assigning_agencies(user: Any) -> list[int]:
    """Ids of the agencies where ``user`` hands dossiers to processors (the actors of the
    ``assign`` transition): whose processors they may list."""
    person = _person(user)
    if person is None or not person.is_official:
        return []
    held = person.official_roles.filter(role__in=TRANSITIONS["assign"].actors)
    return sorted(set(held.values_list("agency_id", flat=True)))


def may_be_assigned(user: Any, dossier: Dossier) -> bool:
    """Who a dossier can be handed to for processing: a processor of its agency."""
    person = _person(user)
    return bool(
        person and person.is_official and Role.PROCESSOR in person.roles_in(dossier.agency_id)
    )
