"""Managing the platform: members join, offer services, and grant them; members authenticate.
Each change is checked against the actor (``access``) and written to the audit log."""

import json
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import Conflict, NotAllowed, NotFound
from egov.core.models import Agency
from egov.identity.models import User

from . import access
from .models import Grant, Member, Service

#: Compared against when the client id is unknown, so that both answers take as long.
_DUMMY_HASH = make_password("egov-gateway-unknown-client")


def authenticate_client(client_id: str, client_secret: str) -> Member | None:
    """The active member whose id and secret these are, else None (the same time either way)."""
    member = Member.objects.filter(code=client_id, is_active=True).first()
    ok = check_password(client_secret, member.secret_hash if member else _DUMMY_HASH)
    return member if member is not None and ok else None


def _require(actor: User, agency_id: int) -> None:
    if not access.can_manage(actor, agency_id):
        raise NotAllowed(_("You do not administer this agency's systems on the platform."))


@transaction.atomic
def register_member(actor: User, agency: Agency, system_code: str, name: str) -> tuple[Member, str]:
    """A new member system of ``agency`` and its client secret (shown once, stored hashed)."""
    _require(actor, agency.pk)
    code = f"{agency.code}/{system_code.strip().upper()}"
    if Member.objects.filter(code=code).exists():
        raise Conflict(_("This member system is already registered."), {"system_code": code})
    secret = secrets.token_urlsafe(32)
    member = Member(code=code, agency=agency, name=name.strip(), secret_hash=make_password(secret))
    member.full_clean()
    member.save()
    audit.record("gateway.member_registered", actor=actor, object_type="member", object_id=code)
    return member, secret


@transaction.atomic
def rotate_secret(actor: User, member: Member) -> str:
    """A new client secret for ``member``; the old one stops working at once (tokens already
    issued expire within GATEWAY_TOKEN_LIFETIME)."""
    _require(actor, member.agency_id)
    secret = secrets.token_urlsafe(32)
    member.secret_hash = make_password(secret)
    member.save(update_fields=["secret_hash"])
    audit.record("gateway.secret_rotated", actor=actor, object_type="member", object_id=member.code)
    return secret


@transaction.atomic
def publish_service(actor: User, owner: Member, **fields: Any) -> Service:
    """A new service of ``owner`` (a REST API or an event topic)."""
    _require(actor, owner.agency_id)
    if Service.objects.filter(owner=owner, code=fields.get("code", "")).exists():
        raise Conflict(_("This member already offers a service with this code."), {"code": "taken"})
    service = Service(owner=owner, **fields)
    service.full_clean()
    service.save()
    audit.record(
        "gateway.service_published", actor=actor, object_type="service", object_id=str(service)
    )
    return service


@transaction.atomic
def update_service(actor: User, service: Service, **fields: Any) -> Service:
    _require(actor, service.owner.agency_id)
    for name, value in fields.items():
        setattr(service, name, value)
    service.full_clean()
    service.save()
    audit.record(
        "gateway.service_updated", actor=actor, object_type="service", object_id=str(service)
    )
    return service


@transaction.atomic
def grant(actor: User, service: Service, client: Member, expires_at: datetime | None) -> Grant:
    """Let ``client`` call ``service`` until ``expires_at`` (a new expiry replaces the old)."""
    _require(actor, service.owner.agency_id)
    row, _created = Grant.objects.update_or_create(
        client=client, service=service, defaults={"expires_at": expires_at}
    )
    audit.record(
        "gateway.granted",
        actor=actor,
        object_type="service",
        object_id=str(service),
        data={"client": client.code, "expires_at": expires_at},
    )
    return row


@transaction.atomic
def revoke(actor: User, service: Service, client: Member) -> None:
    _require(actor, service.owner.agency_id)
    deleted, _rows = Grant.objects.filter(client=client, service=service).delete()
    if not deleted:
        raise NotFound(_("This member holds no grant on this service."))
    audit.record(
        "gateway.revoked",
        actor=actor,
        object_type="service",
        object_id=str(service),
        data={"client": client.code},
    )


def openapi_excerpt(path: Path, prefix: str) -> dict[str, Any]:
    """The operations of an OpenAPI document under ``prefix``, re-rooted there (a service's own
    document, cut from the deployment's whole API), with the components they may refer to."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {
        "openapi": document.get("openapi", "3.1.0"),
        "info": document.get("info", {}),
        "paths": {
            name[len(prefix) :] or "/": item
            for name, item in document.get("paths", {}).items()
            if name.startswith(prefix)
        },
        "components": document.get("components", {}),
    }


def _secret(entry: dict[str, Any]) -> str:
    """A member's client secret from the environment variable its entry names; in development
    (DEBUG) a documented default, so that `make run` works out of the box."""
    name = entry.get("secret_env", "")
    value = os.environ.get(name, "") if name else ""
    if not value and settings.DEBUG and name:
        value = f"dev-{entry['code'].split('/')[1].lower()}-secret"
    return value


@transaction.atomic
def load_directory(path: Path) -> dict[str, int]:
    """Create or update members, services and grants from a YAML file (idempotent): how a
    deployment joins its own systems to the platform by data. ``${NAME}`` in a URL is taken
    from the environment (SITE_URL, the peer gateway's address)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    counts = {"members": 0, "services": 0, "grants": 0}
    for entry in raw.get("members", []):
        agency = Agency.objects.filter(code=entry["code"].split("/")[0]).first()
        if agency is None:
            raise ValidationError(f"{path}: no agency for member {entry['code']}")
        member, _created = Member.objects.update_or_create(
            code=entry["code"], defaults={"agency": agency, "name": entry["name"]}
        )
        if secret := _secret(entry):
            member.secret_hash = make_password(secret)
            member.save(update_fields=["secret_hash"])
        counts["members"] += 1
    for entry in raw.get("services", []):
        entry = dict(entry)
        owner = Member.objects.get(code=entry.pop("owner"))
        grants = entry.pop("grants", [])
        if source := entry.pop("openapi_from", None):
            entry["openapi"] = openapi_excerpt(
                Path(settings.BASE_DIR) / source["file"], source["prefix"]
            )
        for key in ("upstream_url", "upstream_token_url"):
            if key in entry:
                entry[key] = os.path.expandvars(
                    entry[key].replace("${SITE_URL}", settings.SITE_URL)
                )
        service = Service.objects.filter(owner=owner, code=entry["code"]).first() or Service(
            owner=owner
        )
        for name, value in entry.items():
            setattr(service, name, value)
        service.full_clean()
        service.save()
        counts["services"] += 1
        for grant_entry in grants:
            client = Member.objects.get(code=grant_entry["client"])
            Grant.objects.update_or_create(
                client=client,
                service=service,
                defaults={"expires_at": grant_entry.get("expires_at")},
            )
            counts["grants"] += 1
    return counts
