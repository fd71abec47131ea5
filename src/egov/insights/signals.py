"""A change of the agency tree drops its flattened copy (the dossiers' projection is the
``dossiers.event_recorded`` hook, ``facts.project_event``)."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from egov.core.models import Agency

from .models import AgencyScope


@receiver(post_save, sender=Agency, dispatch_uid="insights_agency_saved")
@receiver(post_delete, sender=Agency, dispatch_uid="insights_agency_deleted")
def _tree_changed(sender: Any, **kwargs: Any) -> None:
    # The flattened tree is rebuilt lazily, for the agencies counts are next written for.
    AgencyScope.objects.all().delete()
