"""The projection of local dossiers: every event and every save of a dossier refreshes its fact
and the counts, in the transaction that changed the dossier. A change of the agency tree drops
its flattened copy."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from egov.core.models import Agency
from egov.dossiers.models import Dossier, DossierEvent

from .facts import refresh_local_fact
from .models import AgencyScope


@receiver(post_save, sender=DossierEvent, dispatch_uid="insights_event")
def _event_saved(sender: Any, instance: DossierEvent, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        # The verb's own Dossier object: it already carries the state the event moves it to.
        refresh_local_fact(instance.dossier)


@receiver(post_save, sender=Dossier, dispatch_uid="insights_dossier")
def _dossier_saved(sender: Any, instance: Dossier, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        refresh_local_fact(instance)


@receiver(post_save, sender=Agency, dispatch_uid="insights_agency_saved")
@receiver(post_delete, sender=Agency, dispatch_uid="insights_agency_deleted")
def _tree_changed(sender: Any, **kwargs: Any) -> None:
    # The flattened tree is rebuilt lazily, for the agencies counts are next written for.
    AgencyScope.objects.all().delete()
