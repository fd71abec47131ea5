"""Everything the platform holds on one person, as JSON they can download (Decree 13/2023 on
personal data protection: the data subject's right to access and obtain their data).

Identity writes its own section; every other part that holds personal data contributes its own
through the ``identity.personal_data`` hook, so that identity does not depend on the parts above
it.
Secrets are never exported: no password hash, no token or code hash.
"""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from egov.core import audit
from egov.core.models import AuditEntry

from .. import hooks
from ..models import User

FORMAT = "egov-personal-data/1"


def _identity_section(user: User) -> dict[str, Any]:
    profile = {
        "username": user.username,
        "kind": user.kind,
        "personal_id": user.personal_id,
        "full_name": user.full_name,
        "birth_date": user.birth_date,
        "email": user.email,
        "phone": user.phone,
        "address": user.address,
        "agency": user.agency.code if user.agency_id else None,  # type: ignore[union-attr]
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_active": user.is_active,
    }
    identity = {
        "level": user.identity_level,
        "email_verified_at": user.email_verified_at,
        "phone_verified_at": user.phone_verified_at,
        "registry_verified_at": user.registry_verified_at,
        "verification_codes": [
            {
                "channel": code.channel,
                "sent_at": code.created_at,
                "expires_at": code.expires_at,
                "attempts": code.attempts,
                "used_at": code.used_at,
            }
            for code in user.verification_codes.order_by("created_at")
        ],
        "registry_verifications": [
            {
                "status": check.status,
                "differences": check.differences,
                "requested_at": check.requested_at,
                "completed_at": check.completed_at,
            }
            for check in user.registry_verifications.order_by("requested_at")
        ],
    }
    representations = [
        {
            "organisation": {
                "kind": rep.organisation.kind,
                "tax_code": rep.organisation.tax_code,
                "registration_number": rep.organisation.registration_number,
                "name": rep.organisation.name,
            },
            "kind": rep.kind,
            "granted_at": rep.granted_at,
            "revoked_at": rep.revoked_at,
        }
        for rep in user.representations.select_related("organisation").order_by("granted_at")
    ]
    roles = [
        {"agency": role.agency.code, "role": role.role}
        for role in user.official_roles.select_related("agency").order_by("agency__code", "role")
    ]
    tokens = [
        {
            "name": token.name,
            "created_at": token.created_at,
            "expires_at": token.expires_at,
            "revoked_at": token.revoked_at,
            "last_used_at": token.last_used_at,
        }
        for token in user.api_tokens.order_by("created_at")
    ]
    consents = [
        {
            "client_id": consent.client_id,
            "scopes": consent.scopes.split(),
            "granted_at": consent.granted_at,
        }
        for consent in user.oidc_consents.order_by("granted_at")
    ]
    activity = [
        {"action": action, "at": at}
        for action, at in AuditEntry.objects.filter(actor=user)
        .order_by("id")
        .values_list("action", "created_at")
    ]
    return {
        "profile": profile,
        "identity": identity,
        "representations": representations,
        "official_roles": roles,
        "api_tokens": tokens,
        "oidc_consents": consents,
        "activity": activity,
    }


def _sections_of_other_parts(user: User) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    for contribute in hooks.personal_data:
        sections.update(contribute(user))
    return sections


def collect(user: User) -> dict[str, Any]:
    """Every section, in one JSON-ready mapping (dates as ISO 8601 once encoded)."""
    return {
        "format": FORMAT,
        "generated_at": timezone.now(),
        **_identity_section(user),
        **_sections_of_other_parts(user),
    }


def export_json(user: User) -> bytes:
    """The download: UTF-8 JSON, audited (without any of its content)."""
    body = json.dumps(collect(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    audit.record("personal_data_exported", actor=user, object_type="user", object_id=user.pk)
    return body.encode()
