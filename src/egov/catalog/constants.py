from django.db import models
from django.utils.translation import gettext_lazy as _


class OnlineLevel(models.TextChoices):
    """Decree 42/2022/NĐ-CP art. 11: full-process ("toàn trình"), partial ("một phần") or none."""

    FULL = "full", _("Full-process online")
    PARTIAL = "partial", _("Partially online")
    NONE = "none", _("Not online")
