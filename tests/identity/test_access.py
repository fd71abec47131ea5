"""The checks of identity's sub-packages as a matrix: every kind of actor × every check, the
expected answer computed from ``CAPACITIES`` below (who stands in which capacity), never from the
code under test. The checks are pure: asking writes nothing."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from egov.core.models import Agency, AuditEntry
from egov.identity.access import is_platform_admin, needs_second_factor
from egov.identity.account.access import can_verify_with_registry
from egov.identity.models import IdentityLevel, Organisation, Role, User
from egov.identity.officials.access import (
    assignable_roles,
    can_manage_roles,
    can_reset_two_factor,
)
from egov.identity.officials.services import create_official
from egov.identity.organisations.access import (
    can_manage_representatives,
    can_register_organisation,
    organisation_for,
    represents,
)
from egov.identity.organisations.services import (
    grant_representation,
    register_organisation,
    revoke_representation,
)
from egov.identity.services import create_citizen
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

#: The capacities of each actor: "citizen" (its level as "level1"/"level2"), "legal",
#: "authorised" (a current representation of the organisation), "official", "agency_admin" (of
#: the ward; "other_agency_admin" of the other ward), "platform_admin"; "inactive" for a
#: deactivated account.
CAPACITIES: dict[str, set[str]] = {
    "anonymous": set(),
    "citizen_level1": {"citizen", "level1"},
    "citizen_level2": {"citizen", "level2"},
    "legal_representative": {"citizen", "level2", "legal"},
    "authorised_person": {"citizen", "level1", "authorised"},
    "revoked_representative": {"citizen", "level2"},
    "inactive_legal_representative": {"citizen", "level2", "inactive"},
    "processor": {"official"},
    "agency_admin": {"official", "agency_admin"},
    "other_agency_admin": {"official", "other_agency_admin"},
    "platform_admin": {"official", "platform_admin"},
}
ALL_ROLES = set(Role.values)


def expected(check: str, capacities: set[str], here: bool) -> Any:
    """The answer each check must give, from the capacities alone (``here``: asked about the
    ward, else about another agency)."""
    active = "inactive" not in capacities
    platform = "platform_admin" in capacities
    manages = (
        platform
        or ("agency_admin" in capacities and here)
        or ("other_agency_admin" in capacities and not here)
    )
    return {
        "is_platform_admin": platform,
        "needs_second_factor": "official" in capacities,
        "can_manage_roles": manages,
        "assignable_roles": ALL_ROLES
        if platform
        else ALL_ROLES - {Role.PLATFORM_ADMIN}
        if manages
        else set(),
        "can_reset_two_factor": manages,
        "can_reset_platform_admins_two_factor": platform,
        "represents": active and bool({"legal", "authorised"} & capacities),
        "can_manage_representatives": platform or (active and "legal" in capacities),
        "can_register_organisation": platform or (active and {"citizen", "level2"} <= capacities),
        "sees_organisation": platform or (active and bool({"legal", "authorised"} & capacities)),
        "can_verify_with_registry": {"citizen", "level1"} <= capacities,
    }[check]


@pytest.fixture
def world(agencies: dict[str, Agency], ward: Agency, other_ward: Agency) -> dict[str, Any]:
    people: dict[str, Any] = {"anonymous": AnonymousUser()}
    for number, (name, capacities) in enumerate(CAPACITIES.items()):
        if "citizen" in capacities:
            level = IdentityLevel.LEVEL_2 if "level2" in capacities else IdentityLevel.LEVEL_1
            people[name] = create_citizen(
                personal_id=f"0010900{number:05d}",
                full_name=f"Người {number}",
                password=PASSWORD,
                identity_level=level,
            )
    people["processor"] = create_official(
        username="xu.ly", full_name="Xử lý", password=PASSWORD, agency=ward, roles=["processor"]
    )
    people["agency_admin"] = create_official(
        username="quan.tri",
        full_name="Quản trị",
        password=PASSWORD,
        agency=ward,
        roles=["agency_admin"],
    )
    people["other_agency_admin"] = create_official(
        username="quan.tri.khac",
        full_name="Quản trị khác",
        password=PASSWORD,
        agency=other_ward,
        roles=["agency_admin"],
    )
    people["platform_admin"] = create_official(
        username="nen.tang",
        full_name="Nền tảng",
        password=PASSWORD,
        agency=ward,
        roles=["platform_admin"],
    )
    organisation = register_organisation(
        by=people["legal_representative"], kind="business", name="Công ty A", tax_code="0101234565"
    )
    legal = people["legal_representative"]
    grant_representation(organisation, people["authorised_person"], "authorised", by=legal)
    grant_representation(organisation, people["inactive_legal_representative"], "legal", by=legal)
    revoked = grant_representation(
        organisation, people["revoked_representative"], "authorised", by=legal
    )
    revoke_representation(revoked, by=legal)
    User.objects.filter(pk=people["inactive_legal_representative"].pk).update(is_active=False)
    people["inactive_legal_representative"].refresh_from_db()
    return {"people": people, "organisation": organisation, "ward": ward, "other": other_ward}


CHECKS: dict[str, Callable[[dict[str, Any], Any, Agency], Any]] = {
    "is_platform_admin": lambda w, actor, agency: is_platform_admin(actor),
    "needs_second_factor": lambda w, actor, agency: needs_second_factor(actor),
    "can_manage_roles": lambda w, actor, agency: can_manage_roles(actor, agency),
    "assignable_roles": lambda w, actor, agency: set(assignable_roles(actor, agency)),
    "can_reset_two_factor": lambda w, actor, agency: can_reset_two_factor(
        actor, w["people"]["processor"], agency
    ),
    "can_reset_platform_admins_two_factor": lambda w, actor, agency: can_reset_two_factor(
        actor, w["people"]["platform_admin"], agency
    ),
    "represents": lambda w, actor, agency: represents(actor, w["organisation"].pk),
    "can_manage_representatives": lambda w, actor, agency: can_manage_representatives(
        actor, w["organisation"]
    ),
    "can_register_organisation": lambda w, actor, agency: can_register_organisation(actor),
    "sees_organisation": lambda w, actor, agency: isinstance(
        organisation_for(actor, w["organisation"].pk), Organisation
    ),
    "can_verify_with_registry": lambda w, actor, agency: (
        isinstance(actor, User) and can_verify_with_registry(actor)
    ),
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_the_matrix(world: dict[str, Any], check: str) -> None:
    audited = AuditEntry.objects.count()
    wrong = []
    for name, capacities in CAPACITIES.items():
        actor = world["people"][name]
        for here, agency in ((True, world["ward"]), (False, world["other"])):
            answer = CHECKS[check](world, actor, agency)
            if answer != expected(check, capacities, here):
                wrong.append((name, "ward" if here else "other agency", answer))
    assert wrong == []
    assert AuditEntry.objects.count() == audited


def test_an_unknown_organisation_is_seen_by_nobody(world: dict[str, Any]) -> None:
    assert organisation_for(world["people"]["platform_admin"], 10**9) is None
