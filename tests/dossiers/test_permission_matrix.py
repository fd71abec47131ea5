"""The permission matrix: every role × every action × own/other agency × own/other dossier,
through the pages and through the API, with the exact status code each answer must have.

The expected answer of every case is computed from two tables only — ``CAPACITIES`` below (who
stands in which capacity to which dossier) and ``dossiers.constants.TRANSITIONS`` (which
capacity may do what from which status) — never from the code under test. A refused request
leaves the dossier exactly as it was and writes one ``permission_denied`` audit row (dossier id,
action, actor id) when the actor may not see the dossier or may not act on it; an allowed one
does what it says.

Dossiers are built once per module, one per (dossier kind, status), inside a transaction that is
rolled back at the end; each case runs in a savepoint that is rolled back too.
"""

import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from egov.catalog.models import Procedure
from egov.core.calendar import is_working_day
from egov.core.models import Agency, AuditEntry
from egov.dossiers import services
from egov.dossiers.constants import APPLICANT, ASSIGNEE, PROCESSOR, TRANSITIONS, Status
from egov.dossiers.models import Dossier
from egov.dossiers.services import Upload
from egov.identity.models import RepresentationKind, User
from egov.identity.officials.services import create_official
from egov.identity.organisations.services import (
    grant_representation,
    register_organisation,
    revoke_representation,
)
from egov.identity.services import create_citizen
from egov.identity.tokens import issue_api_token
from tests.conftest import BIRTH_FORM, PASSWORD, log_in, pdf_bytes

# Marked as a database test so that pytest-django sets the test database up; each test then runs
# in a transaction of its own, nested in the module's.
pytestmark = pytest.mark.django_db

# --- the tables ------------------------------------------------------------------------------------

OFFICIAL_ROLES = ("receiver", "processor", "approver", "agency_admin")
ACTORS = (
    "owner",  # the citizen whose personal dossier it is
    "other_citizen",
    "representative",  # a current representative of the organisation
    "revoked_representative",  # filed the organisation's dossiers, then lost the authorisation
    *OFFICIAL_ROLES,  # of the dossier's agency; the processor is the one assigned
    "unassigned_processor",  # another processor of the dossier's agency
    *(f"other_{role}" for role in OFFICIAL_ROLES),  # the same roles at another agency
    "platform_admin",  # manages roles, in the dossier's agency too, but handles no dossiers
    "anonymous",
)
#: A dossier of a citizen for themselves, and one filed for an organisation.
SUBJECTS = ("personal", "organisation")
#: The capacities each actor holds towards each kind of dossier (None: not logged in).
CAPACITIES: dict[tuple[str, str], set[str] | None] = {
    (actor, subject): (
        None
        if actor == "anonymous"
        else {PROCESSOR, ASSIGNEE}
        if actor == "processor"
        else {PROCESSOR}
        if actor == "unassigned_processor"
        else {actor}
        if actor in OFFICIAL_ROLES
        else {APPLICANT}
        if (actor, subject) in {("owner", "personal"), ("representative", "organisation")}
        else set()
    )
    for actor in ACTORS
    for subject in SUBJECTS
}
READS = ("view", "receipt", "result")
ACTIONS = (*TRANSITIONS, *READS)
#: Where a receipt slip and a result document exist.
HAS_RECEIPT = {
    Status.RECEIVED,
    Status.PROCESSING,
    Status.AWAITING_APPROVAL,
    Status.AWAITING_SUPPLEMENT,
    Status.RESULT_READY,
    Status.RETURNED,
    Status.REJECTED,
}
HAS_RESULT = {Status.RESULT_READY, Status.RETURNED}


def statuses_for(action: str, capacities: set[str] | None) -> list[str]:
    """The statuses worth asking about: a draft (seen by applicants only) and running and
    finished ones for reads, with and without the document; for a transition, a draft and a
    status it does not start from, plus every status it starts from when the capacity may do
    it (elsewhere the answer does not depend on the status)."""
    if action == "view":
        return [Status.DRAFT, Status.SUBMITTED, Status.PROCESSING, Status.RETURNED]
    if action == "receipt":
        return [Status.DRAFT, Status.SUBMITTED, Status.RECEIVED]
    if action == "result":
        return [Status.DRAFT, Status.PROCESSING, Status.RETURNED]
    transition = TRANSITIONS[action]
    other = next(
        s
        for s in (Status.RETURNED, Status.WITHDRAWN, Status.SUBMITTED)
        if s not in transition.sources
    )
    wanted = {Status.DRAFT, other}
    if capacities and capacities & transition.actors:
        wanted |= transition.sources
    return [status for status in Status if status in wanted]


#: The kinds of dossier whose procedure gives a longer legal time when verification is needed
#: (the birth registration's ``verification_working_days``; the accommodation notice has none):
#: elsewhere ``extend_for_verification`` is refused as the wrong state.
LONGER_TIME_FOR_VERIFICATION = {"personal"}


def decision(capacities: set[str], action: str, status: str, subject: str = "personal") -> str:
    """hidden / forbidden / wrong_state / allowed, from the tables."""
    visible = APPLICANT in capacities if status == Status.DRAFT else bool(capacities)
    if not visible:
        return "hidden"
    if action in READS:
        return "allowed"
    transition = TRANSITIONS[action]
    if not capacities & transition.actors:
        return "forbidden"
    if status not in transition.sources:
        return "wrong_state"
    if action == "extend_for_verification" and subject not in LONGER_TIME_FOR_VERIFICATION:
        return "wrong_state"
    return "allowed"


def expected_status(channel: str, actor: str, subject: str, action: str, status: str) -> int:
    capacities = CAPACITIES[actor, subject]
    if capacities is None:
        return 302 if channel == "page" else 401
    verdict = decision(capacities, action, status, subject)
    if verdict != "allowed":
        return {"hidden": 404, "forbidden": 403, "wrong_state": 409}[verdict]
    missing = {"receipt": status not in HAS_RECEIPT, "result": status not in HAS_RESULT}
    if missing.get(action):
        return 404 if channel == "page" else 409
    if channel == "api":
        return 200
    if action == "view":
        return 302 if status == Status.DRAFT else 200  # a draft's page is its edit page
    return 302 if action in TRANSITIONS else 200


# --- the world: people, organisations, one dossier per kind and status --------------------------------


@dataclass(frozen=True)
class Kind:
    """How to file and move one kind of dossier."""

    procedure: str
    agency: str
    other_agency: str
    form: dict[str, Any]
    components: tuple[str, ...]


KINDS = {
    "personal": Kind(
        "1.001193", "000.00.31.H26", "000.00.32.H26", BIRTH_FORM, ("TO_KHAI", "GIAY_CHUNG_SINH")
    ),
    "organisation": Kind(  # Thông báo lưu trú, filed by an accommodation business
        "2.001159",
        "000.31.04.H26",
        "000.32.04.H26",
        {
            "host_full_name": "Nguyễn Văn An",
            "stay_address": "25 Liễu Giai, phường Ba Đình, Hà Nội",
            "guest_full_name": "Phạm Quốc Dũng",
            "guest_personal_id": "001095000004",
            "stay_from": "2026-11-20",
            "stay_until": "2026-11-25",
            "reason": "Du lịch",
        },
        ("THONG_TIN_LUU_TRU",),
    ),
}


def _files(kind: Kind) -> dict[str, Upload]:
    data = pdf_bytes("Tài liệu")
    return {code: Upload(f"{code}.pdf", io.BytesIO(data), len(data)) for code in kind.components}


@dataclass
class World:
    dossiers: dict[tuple[str, str], Dossier] = field(default_factory=dict)
    people: dict[tuple[str, str], User | None] = field(default_factory=dict)
    pages: dict[int, Client] = field(default_factory=dict)
    tokens: dict[int, str] = field(default_factory=dict)
    #: One client each for the API and anonymous pages: a client loads the middleware once.
    api: Client = field(default_factory=Client)
    anonymous: Client = field(default_factory=Client)

    def actor(self, subject: str, actor: str) -> User | None:
        return self.people[subject, actor]


def _build(
    kind: Kind, status: str, applicant: User, organisation: Any, staff: dict[str, User]
) -> Dossier:
    procedure = Procedure.objects.get(code=kind.procedure, is_current=True)
    agency = Agency.objects.get(code=kind.agency)
    if status == Status.DRAFT:
        draft = services.start_draft(applicant, procedure, agency, organisation)
        services.save_draft(draft.pk, applicant, kind.form, _files(kind))
        return draft
    dossier, _ = services.submit_online(
        applicant, procedure, agency, kind.form, _files(kind), organisation=organisation
    )
    checklist = dict.fromkeys(kind.components, (True, ""))
    receive = lambda d: services.receive(d.pk, staff["receiver"], checklist)  # noqa: E731
    process = lambda d: services.assign(d.pk, staff["receiver"], staff["processor"])  # noqa: E731
    propose = lambda d: services.propose(d.pk, staff["processor"])  # noqa: E731
    paths: dict[str, list[Callable[[Dossier], Any]]] = {
        Status.SUBMITTED: [],
        Status.RECEIVED: [receive],
        Status.PROCESSING: [receive, process],
        Status.AWAITING_SUPPLEMENT: [
            receive,
            lambda d: services.request_supplement(d.pk, staff["receiver"], "Bổ sung"),
        ],
        Status.AWAITING_APPROVAL: [receive, process, propose],
        Status.RESULT_READY: [
            receive,
            process,
            propose,
            lambda d: services.approve(d.pk, staff["approver"]),
        ],
        Status.RETURNED: [
            receive,
            process,
            propose,
            lambda d: services.approve(d.pk, staff["approver"]),
            lambda d: services.return_result(d.pk, staff["receiver"]),
        ],
        Status.REFUSED: [lambda d: services.refuse_intake(d.pk, staff["receiver"], "Sai")],
        Status.REJECTED: [
            receive,
            process,
            lambda d: services.reject(d.pk, staff["processor"], "Không đủ điều kiện"),
        ],
        Status.WITHDRAWN: [lambda d: services.withdraw(d.pk, applicant, "Nộp nhầm")],
    }
    for step in paths[status]:
        step(dossier)
    dossier.refresh_from_db()
    assert dossier.status == status
    return dossier


def _make_world() -> World:
    world = World()
    n = itertools.count(1)

    def citizen(name: str) -> User:
        return create_citizen(
            personal_id=f"0019770{next(n):05d}",
            full_name=name,
            password=PASSWORD,
            email=f"matrix{next(n)}@example.vn",
            identity_level=2,
        )

    def official(agency_code: str, role: str) -> User:
        return create_official(
            username=f"matrix.{role}.{agency_code}",
            full_name=f"Cán bộ {role}",
            password=PASSWORD,
            agency=Agency.objects.get(code=agency_code),
            roles=[role],
        )

    owner, other = citizen("Chủ hồ sơ"), citizen("Người khác")
    representative, revoked = citizen("Người đại diện"), citizen("Người bị thu hồi")
    business = register_organisation(
        by=representative, kind="business", name="Khách sạn Hoa Sen", tax_code="0101234565"
    )
    filing = grant_representation(
        business, revoked, RepresentationKind.AUTHORISED, by=representative
    )
    for subject, kind in KINDS.items():
        own = {role: official(kind.agency, role) for role in (*OFFICIAL_ROLES, "platform_admin")}
        own["unassigned_processor"] = create_official(
            username=f"matrix.unassigned.{kind.agency}",
            full_name="Cán bộ xử lý khác",
            password=PASSWORD,
            agency=Agency.objects.get(code=kind.agency),
            roles=["processor"],
        )
        elsewhere = {role: official(kind.other_agency, role) for role in OFFICIAL_ROLES}
        people: dict[str, User | None] = {
            "owner": owner,
            "other_citizen": other,
            "representative": representative,
            "revoked_representative": revoked,
            **own,
            **{f"other_{role}": user for role, user in elsewhere.items()},
            "anonymous": None,
        }
        world.people.update({(subject, actor): user for actor, user in people.items()})
        applicant, organisation = (owner, None) if subject == "personal" else (revoked, business)
        for status in Status:
            world.dossiers[subject, status] = _build(kind, status, applicant, organisation, own)
    revoke_representation(filing, by=representative)
    for user in {u for u in world.people.values() if u is not None}:
        client = Client()
        log_in(client, user)
        world.pages[user.pk] = client
        world.tokens[user.pk] = issue_api_token(user, "matrix")
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield _make_world()
        transaction.set_rollback(True)


# --- sending one request -------------------------------------------------------------------------------


def _apology_date(dossier: Dossier) -> str:
    day = max(
        timezone.localdate(),
        timezone.localtime(dossier.due_at).date() if dossier.due_at else date.min,
    )
    day += timedelta(days=7)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day.isoformat()


def _page_data(world: World, subject: str, action: str, dossier: Dossier) -> dict[str, Any]:
    kind = KINDS[subject]
    processor = world.actor(subject, "processor")
    assert processor is not None
    return {
        "receive": {f"check_{code}": "valid" for code in kind.components},
        "refuse_intake": {"reason": "Sai cơ quan"},
        "request_supplement": {"reason": "Bổ sung", "components": [kind.components[0]]},
        "assign": {"assignee": processor.pk},
        "propose": {"note": "Đề nghị cấp"},
        "approve": {"note": "Đã phê duyệt"},
        "send_back": {"reason": "Sai tên người mẹ"},
        "reject": {"reason": "Không đủ điều kiện"},
        "withdraw": {"reason": "Không cần nữa"},
        "apologise": {"reason": "Chờ xác minh", "new_date": _apology_date(dossier)},
        "extend_for_verification": {"reason": "Xác minh nơi sinh"},
        "rate": {"score": "2"},
    }.get(action, {})


API_PATH = {
    "submit": "submit",
    "receive": "receive",
    "refuse_intake": "refuse-intake",
    "request_supplement": "request-supplement",
    "supplement": "supplement",
    "assign": "assign",
    "propose": "propose",
    "approve": "approve",
    "send_back": "send-back",
    "reject": "reject",
    "return_result": "return",
    "withdraw": "withdraw",
    "apologise": "apology",
    "extend_for_verification": "extend-for-verification",
    "rate": "rating",
}


def _api_json(world: World, subject: str, action: str, dossier: Dossier) -> dict[str, Any]:
    kind = KINDS[subject]
    processor = world.actor(subject, "processor")
    assert processor is not None
    return {
        "receive": {"checklist": {code: {"ok": True} for code in kind.components}},
        "refuse_intake": {"reason": "Sai cơ quan"},
        "request_supplement": {"reason": "Bổ sung", "components": [kind.components[0]]},
        "assign": {"assignee": processor.pk},
        "reject": {"reason": "Không đủ điều kiện"},
        "withdraw": {"reason": "Không cần nữa"},
        "apologise": {"reason": "Chờ xác minh", "new_date": _apology_date(dossier)},
        "extend_for_verification": {"reason": "Xác minh nơi sinh"},
        "rate": {"score": 2},
        "propose": {"note": "Đề nghị cấp"},
        "approve": {"note": "Đã phê duyệt"},
        "send_back": {"reason": "Sai tên người mẹ"},
    }.get(action, {})


def send(
    world: World, channel: str, user: User | None, subject: str, action: str, dossier: Dossier
) -> Any:
    pk = dossier.pk
    if channel == "page":
        client = world.pages[user.pk] if user else world.anonymous
        if action in READS:
            url = {"view": f"/dossiers/{pk}/", "receipt": f"/dossiers/{pk}/receipt.pdf"}.get(
                action, f"/dossiers/{pk}/result/"
            )
            return client.get(url)
        return client.post(
            f"/dossiers/{pk}/act/{action}/", _page_data(world, subject, action, dossier)
        )
    client = world.api
    headers = {"Authorization": f"Bearer {world.tokens[user.pk]}"} if user else {}
    base = f"/api/v1/dossiers/{pk}"
    if action in READS:
        url = {"view": base, "receipt": f"{base}/receipt.pdf"}.get(action, f"{base}/result")
        return client.get(url, headers=headers)
    url = f"{base}/{API_PATH[action]}"
    if action == "supplement":
        return client.post(url, {}, headers=headers)
    return client.post(
        url,
        _api_json(world, subject, action, dossier),
        content_type="application/json",
        headers=headers,
    )


def _state(dossier_id: int) -> tuple[Any, ...]:
    dossier = Dossier.objects.get(pk=dossier_id)
    return (dossier.status, dossier.version, dossier.rating, dossier.events.count())


def _denials() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="permission_denied").order_by("id"))


def run_case(world: World, channel: str, actor: str, subject: str, action: str, status: str) -> str:
    """Send one request in a savepoint that is rolled back; describe any difference from the
    tables ('' when none)."""
    dossier = world.dossiers[subject, status]
    user = world.actor(subject, actor)
    expected = expected_status(channel, actor, subject, action, status)
    capacities = CAPACITIES[actor, subject]
    verdict = (
        decision(capacities, action, status, subject) if capacities is not None else "anonymous"
    )
    problems = []
    with transaction.atomic():
        before, denied_before = _state(dossier.pk), len(_denials())
        response = send(world, channel, user, subject, action, dossier)
        after, denials = _state(dossier.pk), _denials()[denied_before:]
        transaction.set_rollback(True)
    if response.status_code != expected:
        problems.append(f"status {response.status_code}, expected {expected}")
    if (
        expected == 302
        and verdict == "anonymous"
        and not response["Location"].startswith("/login/")
    ):
        problems.append(f"redirected to {response['Location']}, not to the login page")
    changed = verdict == "allowed" and action in TRANSITIONS
    if changed and after[3] <= before[3]:
        problems.append("allowed, but nothing happened")
    if not changed and after != before:
        problems.append(f"refused, but the dossier changed: {before} -> {after}")
    audited = verdict in {"hidden", "forbidden"}
    if len(denials) != (1 if audited else 0):
        problems.append(f"{len(denials)} permission_denied rows, expected {int(audited)}")
    elif audited:
        row = denials[0]
        logged = (row.actor_id, row.object_type, row.object_id, row.data)
        action_name = (
            action if action in TRANSITIONS else "view" if action == "view" else "download"
        )
        wanted = (user.pk if user else None, "dossier", str(dossier.pk), {"action": action_name})
        if logged != wanted:
            problems.append(f"audit row {logged}, expected {wanted}")
    if problems:
        return f"{channel} {actor} {action} on a {status} {subject} dossier: " + "; ".join(problems)
    return ""


# --- the tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    "channel",
    # Two groups, so that the two workers of `pytest -n 2 --dist loadgroup` share the matrix.
    [
        pytest.param(c, marks=pytest.mark.xdist_group(f"permission_matrix_{c}"))
        for c in ("page", "api")
    ],
)
def test_permission_matrix(world: World, channel: str, actor: str, action: str) -> None:
    cases = [
        (subject, status)
        for subject in SUBJECTS
        for status in statuses_for(action, CAPACITIES[actor, subject])
    ]
    problems = [
        run_case(world, channel, actor, subject, action, status) for subject, status in cases
    ]
    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(problems)


def test_the_tables_cover_every_role_action_and_agency() -> None:
    assert set(ACTIONS) == set(TRANSITIONS) | {"view", "receipt", "result"}
    officials = [a for a in ACTORS if a.removeprefix("other_") in OFFICIAL_ROLES]
    assert len(officials) == 2 * len(OFFICIAL_ROLES)  # own agency and another agency
    # Every transition is allowed to somebody in some state, and refused to everyone else.
    for action in TRANSITIONS:
        verdicts = {
            decision(CAPACITIES[actor, subject] or set(), action, status)
            for actor in ACTORS
            for subject in SUBJECTS
            for status in Status
        }
        assert {"allowed", "hidden", "forbidden", "wrong_state"} <= verdicts, action
