"""Demo data of the reporting part: the Department of Justice asks the wards for a monthly
report on administrative procedures; its administrator ``quantri.sotuphap`` follows it and the
wards' administrators (``quantri.badinh``) fill it in. Loaded by ``manage.py load_demo``, which
runs the loaders of the ``DEMO_DATA`` setting."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from egov.core.models import Agency
from egov.dossiers.demo import demo_official

from . import services
from .models import Regime

DEPARTMENT = "000.00.01.H26"
WARDS = ("000.00.31.H26", "000.00.32.H26", "000.00.33.H26")
ADMIN = ("quantri.sotuphap", "Đinh Thị Thu", DEPARTMENT, ["agency_admin"])
TITLE = "Báo cáo tình hình giải quyết thủ tục hành chính lĩnh vực tư pháp"
FIELDS = [
    {"code": "received", "label": "Số hồ sơ tiếp nhận", "kind": "integer", "required": True,
     "prefill": "count:received"},
    {"code": "returned", "label": "Số hồ sơ đã trả kết quả", "kind": "integer", "required": True,
     "prefill": "count:returned"},
    {"code": "on_time", "label": "Số hồ sơ trả đúng hạn", "kind": "integer", "required": True,
     "prefill": "count:returned_on_time"},
    {"code": "on_time_rate", "label": "Tỷ lệ trả đúng hạn (%)", "kind": "decimal",
     "aggregate": "ratio", "ratio_of": ["on_time", "returned"]},
    {"code": "online_rate", "label": "Tỷ lệ hồ sơ trực tuyến (%)", "kind": "decimal",
     "prefill": "indicator:online_dossier_rate"},
    {"code": "notes", "label": "Khó khăn, vướng mắc và kiến nghị", "kind": "text"},
]  # fmt: skip


@transaction.atomic
def load_reporting_demo() -> int:
    """Idempotent: the department's administrator and one monthly regime from last month
    (whose reports open at once). Returns how many regimes it made."""
    admin = demo_official(*ADMIN)
    department = Agency.objects.get(code=DEPARTMENT)
    if Regime.objects.filter(agency=department, title=TITLE).exists():
        return 0
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    services.define_regime(
        admin,
        department,
        title=TITLE,
        description="Theo Nghị định 09/2019/NĐ-CP về chế độ báo cáo của cơ quan hành chính nhà nước.",
        period="monthly",
        deadline_kind="working_days",
        deadline_value=5,
        scope="chosen",
        chosen=list(Agency.objects.filter(code__in=WARDS)),
        fields=FIELDS,
        first_period_start=last_month,
    )
    return 1
