"""Reads of the records part."""

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from egov.core.metrics import Metric, gauge
from egov.identity.models import User

from .models import ResultDocument, ResultStatus
from .services import REVOKING_ROLES


def revocable_agencies(user: User) -> list[int]:
    """Agencies whose results ``user`` may revoke (approver or agency admin there)."""
    if not (user.is_authenticated and user.is_official):
        return []
    held = user.official_roles.filter(role__in=REVOKING_ROLES).values_list("agency_id", flat=True)
    return sorted(set(held))


def issued_results(agency_ids: list[int]) -> QuerySet[ResultDocument]:
    """The results issued by these agencies, newest first, with what the list shows (drafts
    awaiting approval are not issued)."""
    return (
        ResultDocument.objects.filter(agency_id__in=agency_ids)
        .exclude(status=ResultStatus.DRAFT)
        .select_related("agency", "dossier")
        .order_by("-issued_at", "-pk")
    )


def result_of(dossier_id: int) -> ResultDocument | None:
    """The electronic result issued for a dossier, if it was approved."""
    return ResultDocument.objects.filter(dossier_id=dossier_id).first()


def signed_document(code: str) -> ResultDocument | None:
    """The signed document issued under ``code`` that belongs to no dossier (minutes, summaries:
    ``issuing.issue_signed_pdf``), with its file; None until it is signed."""
    if not code:
        return None
    return (
        ResultDocument.objects.filter(code=code, dossier=None, status=ResultStatus.SIGNED)
        .select_related("file")
        .first()
    )


def metrics() -> Iterable[Metric]:
    """For /metrics (``core.metrics``): results by signing state; the signing rate is the
    change of ``state="signed"`` over time, failures show as ``state="failed"``."""
    rows = ResultDocument.objects.values_list("status").annotate(n=Count("id"))
    yield gauge("egov_results", "Electronic results by signing state.", ["state"], rows)
