"""What the dossier API answers: dossiers, their components, events and tracking."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from .. import access
from ..models import Dossier, DossierEvent


class ComponentOut(Schema):
    code: str
    filename: str
    sha256: str
    source: str
    checked: bool | None
    check_note: str
    repository_document: int | None = Field(
        None, description="The data-repository document this file is (reused or digitised)"
    )

    @staticmethod
    def resolve_repository_document(component: Any) -> int | None:
        return component.repository_document_id

    @staticmethod
    def resolve_sha256(component: Any) -> str:
        return str(component.file.sha256)


class DraftOut(Schema):
    """The unsigned draft result of a proposal."""

    sha256: str
    size: int


class OrganisationRef(Schema):
    """The organisation a dossier was filed for."""

    id: int
    kind: str
    tax_code: str | None
    name: str


class DossierOut(Schema):
    id: int
    code: str | None
    status: str
    national_status: int | None
    procedure_code: str
    procedure_version: int
    procedure_name: str
    agency_code: str
    organisation: OrganisationRef | None
    channel: str
    form_data: dict[str, Any]
    created_at: datetime
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    promised_at: datetime | None
    finished_at: datetime | None
    is_overdue: bool
    supplement_reason: str
    verification_reason: str = Field(
        description=(
            "Why the processing official recorded that the dossier needs verification, which "
            "moved `due_at` to the procedure's longer legal time; empty when not recorded"
        )
    )
    decision_reason: str
    rating: int | None
    version: int
    components: list[ComponentOut]
    result_draft: DraftOut | None = Field(
        None, description="The draft result awaiting approval (agency officials only)"
    )
    allowed_actions: list[str]

    @staticmethod
    def resolve_procedure_code(d: Dossier) -> str:
        return d.procedure.code

    @staticmethod
    def resolve_procedure_version(d: Dossier) -> int:
        return d.procedure.version

    @staticmethod
    def resolve_procedure_name(d: Dossier) -> str:
        return d.procedure.name

    @staticmethod
    def resolve_agency_code(d: Dossier) -> str:
        return d.agency.code

    @staticmethod
    def resolve_components(d: Dossier) -> list[Any]:
        return list(d.components.select_related("file"))

    @staticmethod
    def resolve_allowed_actions(d: Dossier, context: dict[str, Any]) -> list[str]:
        return access.allowed_actions(context["request"].user, d)

    @staticmethod
    def resolve_result_draft(d: Dossier, context: dict[str, Any]) -> Any:
        if not access.may_see_draft(context["request"].user, d):
            return None
        return d.result_draft


class DossierRow(Schema):
    id: int
    code: str | None
    status: str
    procedure_code: str
    procedure_name: str
    organisation_name: str | None
    channel: str
    submitted_at: datetime | None
    due_at: datetime | None
    is_overdue: bool

    @staticmethod
    def resolve_procedure_code(d: Dossier) -> str:
        return d.procedure.code

    @staticmethod
    def resolve_procedure_name(d: Dossier) -> str:
        return d.procedure.name

    @staticmethod
    def resolve_organisation_name(d: Dossier) -> str | None:
        return d.organisation.name if d.organisation_id else None  # type: ignore[union-attr]


class EventOut(Schema):
    kind: str
    at: datetime
    from_status: str
    to_status: str
    actor_kind: str | None
    data: dict[str, Any]

    @staticmethod
    def resolve_actor_kind(event: DossierEvent) -> str | None:
        return event.actor.kind if event.actor_id else None  # type: ignore[union-attr]


class AssigneeOut(Schema):
    """A processing official a dossier can be handed to (no contact details)."""

    id: int
    full_name: str


class TrackingOut(Schema):
    """Public: the status for a receipt code; the procedure, agency and dates only with the
    check (the last 4 digits of the applicant's personal ID number or organisation's tax code);
    never personal data."""

    code: str
    status: str
    national_status: int | None
    details: bool = Field(description="True when the check matched and the fields below are given")
    procedure_name: str | None
    agency_name: str | None
    submitted_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    delivery_method: str | None = Field(
        None, description="How the result is received: online, counter or post (with the check)"
    )
    postal_status: str | None = Field(
        None, description="Where a result sent by post stands (with the check)"
    )


class PostalNewsOut(Schema):
    """One status the postal provider reported and egov applied."""

    status: str
    occurred_at: datetime
    note: str


class DeliveryOut(Schema):
    """How the result is received; for the post the recipient, the fee and the consignment."""

    method: str
    recipient_name: str
    phone: str
    street: str
    commune: str
    commune_code: str
    province: str
    province_code: str
    postal_fee: int = Field(description="VND, paid with the dossier's fees")
    consignment: str = Field(description="The consignment number, once booked")
    postal_status: str
    changeable: bool = Field(
        description="The applicant may still change it (until the result is ready)"
    )
    news: list[PostalNewsOut]
