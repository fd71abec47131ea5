"""Agencies, read-only."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from .models import Agency
from .pagination import paginated

router = Router()


class AgencyOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    kind: str
    parent_code: str | None
    sectors: list[str]

    @staticmethod
    def resolve_parent_code(agency: Agency) -> str | None:
        return agency.parent.code if agency.parent_id else None  # type: ignore[union-attr]


@router.get("", response=list[AgencyOut], summary="List agencies (cơ quan) with QCVN 102 codes")
@paginated(50)
def list_agencies(request: HttpRequest) -> Any:
    return Agency.objects.filter(is_active=True).select_related("parent")
