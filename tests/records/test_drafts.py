"""The draft result of a proposal: drawn up by the records part, never verifiable nor listed as
issued while it awaits approval, and discarded when the proposal is sent back."""

from collections.abc import Callable

from egov.core.files import read_stored
from egov.dossiers import services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.records import selectors
from egov.records.models import ResultDocument, ResultStatus
from egov.records.verification import Outcome, verify_code, verify_pdf


def test_a_draft_is_neither_verifiable_nor_issued(
    make_dossier: Callable[..., Dossier], staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.AWAITING_APPROVAL)
    document = ResultDocument.objects.get(dossier=dossier)
    assert document.status == ResultStatus.DRAFT
    assert verify_code(document.code).outcome == Outcome.UNKNOWN
    assert verify_pdf(read_stored(dossier.result_draft)).outcome != Outcome.VALID
    assert not selectors.issued_results([dossier.agency_id]).filter(pk=document.pk).exists()


def test_the_draft_code_of_a_proposal_sent_back_never_verifies(
    make_dossier: Callable[..., Dossier], staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.AWAITING_APPROVAL)
    first = ResultDocument.objects.get(dossier=dossier).code
    services.send_back(dossier.pk, staff["approver"], "Sai tên")
    services.propose(dossier.pk, staff["processor"])
    services.approve(dossier.pk, staff["approver"])
    signed = ResultDocument.objects.get(dossier=dossier)
    assert signed.status == ResultStatus.SIGNED and signed.code != first
    assert verify_code(signed.code).outcome == Outcome.VALID
    assert verify_code(first).outcome == Outcome.UNKNOWN
