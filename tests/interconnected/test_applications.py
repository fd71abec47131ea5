"""One application, a dossier at each member's agency, started when the results it needs exist;
the rules of docs/interconnected.md, each tested."""

from collections.abc import Callable
from typing import Any

import pytest

from egov.catalog.models import ProcedureGroup
from egov.core.errors import InvalidInput, NotAllowed
from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import ComponentSource, Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.interconnected import services
from egov.interconnected.constants import ApplicationStatus, PartState
from egov.interconnected.models import Application, Part
from egov.registries.models import PopulationRecord
from egov.repository.constants import SignatureState
from egov.repository.models import RepositoryDocument

from .conftest import (
    ALL_DEATH,
    BIRTH,
    BIRTH_GROUP,
    DEATH,
    DEATH_GROUP,
    DECEASED,
    DEREGISTRATION,
    FUNERAL,
    HEALTH_CARD,
    NEWBORN,
    RESIDENCE,
    SURVIVOR,
    WARD,
    WARD_INSURANCE,
    WARD_POLICE,
    death_files,
    newborn_files,
    parts,
)

pytestmark = pytest.mark.usefixtures("in_process_registry")


def test_the_birth_is_filed_first_and_the_others_wait_for_its_result(
    apply: Callable[..., Application],
) -> None:
    application = apply()
    assert application.code.startswith("LT-H26.31-")
    assert application.members == [BIRTH, RESIDENCE, HEALTH_CARD]
    birth, residence, card = parts(application).values()
    assert (birth.state, residence.state, card.state) == (
        PartState.FILED,
        PartState.WAITING,
        PartState.WAITING,
    )
    assert (residence.agency.code, card.agency.code) == (WARD_POLICE, WARD_INSURANCE)
    assert residence.waits_for == card.waits_for == [BIRTH]
    dossier = Dossier.objects.get(pk=birth.dossier_id)
    assert (dossier.status, dossier.agency.code, dossier.code) == (
        Status.SUBMITTED,
        WARD,
        birth.receipt_code,
    )
    # Its own form, from the one the mother filled in.
    assert dossier.form_data["child_full_name"] == "Nguyễn Minh An"
    assert "residence_address" not in dossier.form_data
    assert {c.code for c in dossier.components.all()} == {"TO_KHAI", "GIAY_CHUNG_SINH"}


def test_the_birth_result_gives_a_number_and_a_certificate_to_the_others(
    apply: Callable[..., Application], process: Callable[..., Dossier], mother: User
) -> None:
    application = apply()
    process(parts(application)[BIRTH].dossier_id)
    application.refresh_from_db()
    birth, residence, card = parts(application).values()
    assert birth.state == PartState.RESULT and birth.result_document_id
    # The registry issued the child's number, from the registration.
    number = application.issued["child_personal_id"]
    child = PopulationRecord.objects.get(personal_id=number)
    assert (child.full_name, str(child.birth_date), child.sex) == (
        "Nguyễn Minh An",
        "2026-11-20",
        "female",
    )
    assert number[:3] == "001" and number[3] == "3"  # Hà Nội; a girl born 2000–2099
    certificate = RepositoryDocument.objects.get(pk=birth.result_document_id)
    for part, component in ((residence, "QUAN_HE_NHAN_THAN"), (card, "GIAY_KHAI_SINH")):
        assert part.state == PartState.FILED
        dossier = Dossier.objects.get(pk=part.dossier_id)
        assert dossier.status == Status.SUBMITTED and dossier.applicant == mother
        reused = dossier.components.get(code=component)
        # The certificate itself, from the repository: reuse, not an upload.
        assert (reused.source, reused.repository_document_id) == (
            ComponentSource.REPOSITORY,
            certificate.pk,
        )
    residence_form = Dossier.objects.get(pk=residence.dossier_id).form_data
    assert residence_form["personal_id"] == number
    assert residence_form["full_name"] == "Nguyễn Minh An"  # the child's, not the mother's
    assert Dossier.objects.get(pk=card.dossier_id).form_data["child_personal_id"] == number
    # The mother's proof of residence, provided once, went to the residence dossier only.
    assert (
        Dossier.objects.get(pk=residence.dossier_id)
        .components.filter(code="CHO_O_HOP_PHAP", source=ComponentSource.UPLOAD)
        .exists()
    )
    assert application.status == ApplicationStatus.PROCESSING
    # The residence registration's fee is due before intake: the application says where to pay.
    assert "fees" in residence.note or "lệ phí" in residence.note
    assert card.note == ""


def test_three_results_complete_the_application_in_the_repository(
    apply: Callable[..., Application], process: Callable[..., Dossier], mother: User
) -> None:
    application = apply()
    process(parts(application)[BIRTH].dossier_id)
    for code in (RESIDENCE, HEALTH_CARD):
        process(Part.objects.get(application=application, procedure_code=code).dossier_id)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMPLETED
    assert application.finished_at and not application.returned_late
    assert {part.state for part in application.parts.all()} == {PartState.RESULT}
    held = set(
        RepositoryDocument.objects.filter(owner_person=mother).values_list(
            "document_type", flat=True
        )
    )
    assert {"GIAY_KHAI_SINH", "THE_BHYT"} <= held
    assert len(held) == 3


def test_the_death_groups_results_complete_the_application_in_the_repository(
    groups: dict[str, ProcedureGroup],
    mother: User,
    process: Callable[..., Dossier],
    commit: Any,
) -> None:
    """The relative chose all four: the death extract, the deregistration notice and both
    benefit decisions are signed and land in her repository, each named by its part."""
    with commit():
        application = services.submit_application(
            mother,
            groups[DEATH_GROUP],
            Agency.objects.get(code=WARD),
            ALL_DEATH,
            DECEASED,
            death_files(),
        )
    process(parts(application)[DEATH].dossier_id)
    extract = parts(application)[DEATH].result_document_id
    for code in (DEREGISTRATION, FUNERAL, SURVIVOR):
        part = parts(application)[code]
        assert part.state == PartState.FILED
        # The extract went on by itself, from the repository.
        reused = Dossier.objects.get(pk=part.dossier_id).components.get(code="TRICH_LUC_KHAI_TU")
        assert (reused.source, reused.repository_document_id) == (
            ComponentSource.REPOSITORY,
            extract,
        )
        process(part.dossier_id)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMPLETED
    assert application.finished_at and not application.returned_late
    results = {
        code: RepositoryDocument.objects.get(pk=part.result_document_id)
        for code, part in parts(application).items()
    }
    assert {code: doc.document_type for code, doc in results.items()} == {
        DEATH: "GIAY_CHUNG_TU",  # the death registration extract
        DEREGISTRATION: "THONG_BAO_XOA_THUONG_TRU",
        FUNERAL: "QUYET_DINH_TRO_CAP",
        SURVIVOR: "QUYET_DINH_TRO_CAP",
    }
    for code, document in results.items():
        assert document.owner_person == mother
        assert document.signature_state == SignatureState.SIGNED
        assert document.source_dossier_id == parts(application)[code].dossier_id
    assert RepositoryDocument.objects.filter(owner_person=mother).count() == 4


def test_retries_file_each_member_once(
    apply: Callable[..., Application], process: Callable[..., Dossier], commit: Any
) -> None:
    application = apply()
    process(parts(application)[BIRTH].dossier_id)
    before = Dossier.objects.count()
    with commit():
        services.advance(application.pk)
        services.advance(application.pk)
    assert Dossier.objects.count() == before
    assert Part.objects.filter(application=application, dossier_id__isnull=False).count() == 3
    # The registry was asked once per birth: the same number, one record.
    application.refresh_from_db()
    assert PopulationRecord.objects.filter(full_name="Nguyễn Minh An").count() == 1


def test_a_refused_birth_cancels_the_members_that_need_its_result(
    apply: Callable[..., Application], officials: Callable[[str], dict[str, User]], commit: Any
) -> None:
    application = apply()
    birth = parts(application)[BIRTH]
    with commit():
        dossier_services.refuse_intake(
            birth.dossier_id, officials(WARD)["receiver"], "Giấy chứng sinh không hợp lệ"
        )
    application.refresh_from_db()
    birth, residence, card = parts(application).values()
    assert birth.state == PartState.STOPPED and birth.note == "Giấy chứng sinh không hợp lệ"
    assert residence.state == card.state == PartState.CANCELLED
    assert BIRTH in residence.note
    assert residence.dossier_id is None and card.dossier_id is None
    assert application.status == ApplicationStatus.REFUSED


def test_a_refusal_in_one_member_does_not_stop_the_others(
    apply: Callable[..., Application],
    process: Callable[..., Dossier],
    officials: Callable[[str], dict[str, User]],
    commit: Any,
) -> None:
    application = apply()
    process(parts(application)[BIRTH].dossier_id)
    card = Part.objects.get(application=application, procedure_code=HEALTH_CARD)
    with commit():
        dossier_services.refuse_intake(
            card.dossier_id, officials(WARD_INSURANCE)["receiver"], "Sai nơi đăng ký"
        )
    process(Part.objects.get(application=application, procedure_code=RESIDENCE).dossier_id)
    application.refresh_from_db()
    states = {code: part.state for code, part in parts(application).items()}
    assert states == {
        BIRTH: PartState.RESULT,
        RESIDENCE: PartState.RESULT,
        HEALTH_CARD: PartState.STOPPED,
    }
    assert application.status == ApplicationStatus.PARTLY


def test_a_supplement_stops_only_its_member_and_is_supplied_once(
    apply: Callable[..., Application],
    process: Callable[..., Dossier],
    officials: Callable[[str], dict[str, User]],
    mother: User,
    commit: Any,
) -> None:
    application = apply()
    process(parts(application)[BIRTH].dossier_id)
    residence = Part.objects.get(application=application, procedure_code=RESIDENCE)
    police = officials(WARD_POLICE)
    process(residence.dossier_id, until="received")
    with commit():
        dossier_services.request_supplement(
            residence.dossier_id,
            police["receiver"],
            "Bổ sung hợp đồng thuê nhà",
            ["CHO_O_HOP_PHAP"],
        )
    residence.refresh_from_db()
    assert (residence.state, residence.note) == (PartState.SUPPLEMENT, "Bổ sung hợp đồng thuê nhà")
    # The health-insurance card goes on meanwhile.
    process(Part.objects.get(application=application, procedure_code=HEALTH_CARD).dossier_id)
    with commit():
        dossier_services.provide_supplement(
            residence.dossier_id,
            mother,
            None,
            {"CHO_O_HOP_PHAP": newborn_files()["CHO_O_HOP_PHAP"]},
        )
    residence.refresh_from_db()
    assert (residence.state, residence.note) == (PartState.FILED, "")


def test_withdrawing_withdraws_the_filed_and_cancels_the_waiting(
    apply: Callable[..., Application], mother: User, commit: Any
) -> None:
    application = apply()
    with commit():
        services.withdraw_application(application.pk, mother, "Nộp nhầm")
    application.refresh_from_db()
    birth, residence, card = parts(application).values()
    assert Dossier.objects.get(pk=birth.dossier_id).status == Status.WITHDRAWN
    assert birth.state == PartState.STOPPED
    assert residence.state == card.state == PartState.CANCELLED
    assert application.status == ApplicationStatus.WITHDRAWN


def test_the_application_is_checked_as_one(
    apply: Callable[..., Application], other_citizen: User
) -> None:
    bad = dict(NEWBORN, child_sex="X")
    del bad["residence_address"]
    with pytest.raises(InvalidInput) as refused:
        apply(bad, uploads={"GIAY_CHUNG_SINH": newborn_files()["GIAY_CHUNG_SINH"]})
    assert {"child_sex", "residence_address", "component:CHO_O_HOP_PHAP"} <= set(
        refused.value.errors
    )
    assert not Application.objects.exists() and not Dossier.objects.exists()
    with pytest.raises(InvalidInput) as elsewhere:
        apply(place="000.00.01.H26")  # the Department of Justice does not file the group
    assert "place" in elsewhere.value.errors


def test_an_account_below_the_members_level_is_refused(
    apply: Callable[..., Application], make_citizen: Callable[..., User]
) -> None:
    with pytest.raises(NotAllowed) as refused:
        apply(applicant=make_citizen(identity_level=1))
    assert refused.value.code == "identity_level_required"


def test_each_member_counts_for_its_agency_and_the_group_for_itself(
    apply: Callable[..., Application], process: Callable[..., Dossier], client: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from egov.insights.models import DossierFact
    from egov.interconnected.selectors import group_figures

    application = apply()
    process(parts(application)[BIRTH].dossier_id)
    for code in (RESIDENCE, HEALTH_CARD):
        process(Part.objects.get(application=application, procedure_code=code).dossier_id)
    # As the national reports count them: one online dossier at each agency; the two that took
    # the birth certificate from the repository count as reuse.
    facts = {f.agency.code: f for f in DossierFact.objects.select_related("agency")}
    assert set(facts) == {WARD, WARD_POLICE, WARD_INSURANCE}
    assert {f.channel for f in facts.values()} == {"online"}
    assert (facts[WARD_POLICE].reused, facts[WARD_INSURANCE].reused) == (True, True)
    today = timezone.localdate()
    birth_group = next(
        r
        for r in group_figures(None, today - timedelta(days=1), today)
        if r.group.code == BIRTH_GROUP
    )
    assert (birth_group.provinces, birth_group.agencies) == (1, 9)
    assert (birth_group.submitted, birth_group.finished, birth_group.on_time) == (1, 1, 1)
    assert birth_group.on_time_rate == 100.0
    elsewhere = Agency.objects.get(code="000.00.32.H26")
    other_ward = group_figures([elsewhere.pk], today, today)[0]
    assert (other_ward.provinces, other_ward.agencies, other_ward.submitted) == (0, 1, 0)


def test_a_number_the_registry_refuses_is_said_and_asked_again(
    apply: Callable[..., Application], process: Callable[..., Dossier], mother: User, commit: Any
) -> None:
    record = PopulationRecord.objects.get(personal_id=mother.personal_id)
    record.delete()  # the registry does not know the mother (yet)
    application = apply()
    process(parts(application)[BIRTH].dossier_id)
    residence, card = parts(application)[RESIDENCE], parts(application)[HEALTH_CARD]
    assert residence.state == card.state == PartState.WAITING
    assert "Cơ sở dữ liệu quốc gia về dân cư" in residence.note or "registry" in residence.note
    assert (
        residence.dossier_id is None
        and "child_personal_id" not in Application.objects.get(pk=application.pk).issued
    )
    record.save()  # put right in the registry
    with commit():
        services.advance(application.pk)
    assert [p.state for p in Part.objects.filter(application=application)] == [
        PartState.RESULT,
        PartState.FILED,
        PartState.FILED,
    ]
