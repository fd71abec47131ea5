from django.apps import AppConfig


class RepositoryConfig(AppConfig):
    name = "egov.repository"
    label = "repository"
    verbose_name = "Kho dữ liệu / Data repository"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from egov.dossiers import views as dossier_pages
        from egov.dossiers.constants import EVENT_LABELS

        from . import signals, views

        signals.connect()
        dossier_pages.component_extras.append(views.component_extras)
        dossier_pages.dossier_panels.append(views.dossier_panels)
        # How this part's events read in a dossier's timeline.
        EVENT_LABELS.setdefault("component_reused", _("Document reused from the data repository"))
        EVENT_LABELS.setdefault("digitised", _("Paper documents digitised"))
        EVENT_LABELS.setdefault("result_signed", _("Result signed electronically"))
