"""Results arrive in the repository by themselves: the records part writes a ``result_signed``
event after it signs a dossier's result, and the repository files that result for the dossier's
owner in the same transaction."""

import logging

from django.db import transaction
from django.db.models.signals import post_save

from egov.core.errors import ServiceError
from egov.dossiers.models import DossierEvent

log = logging.getLogger("egov.repository")


def _on_event(sender: type, instance: DossierEvent, created: bool, **kwargs: object) -> None:
    if not created or instance.kind != "result_signed" or kwargs.get("raw"):
        return
    from .services import file_signed_result

    try:
        # A savepoint: a result that cannot be filed must not undo the signing around it;
        # ``manage.py file_signed_results`` files it once the cause is fixed.
        with transaction.atomic():
            file_signed_result(instance)
    except ServiceError as exc:
        log.warning(
            "result_not_filed",
            extra={"dossier": instance.dossier_id, "event": instance.pk, "code": exc.code},
        )


def connect() -> None:
    post_save.connect(_on_event, sender=DossierEvent, dispatch_uid="repository.file_results")
