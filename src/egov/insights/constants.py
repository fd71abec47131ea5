"""Counters, Decision 766 groups and the codes of the national dossier sync."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from egov.dossiers.constants import NationalStatus

#: What a dossier fact counts, and on which of its days (see ``counting._contributions``). Most
#: count dossiers (1 each); ``payments``/``payments_online`` count fee payment transactions and
#: ``results``/``e_results`` the results issued (as signed electronic documents), as many as the
#: dossier has (see docs/insights.md).
RECEIPT_COUNTERS = (
    "received",
    "online",
    "full_process",
    "full_process_online",
    "payments",
    "payments_online",
)
RESOLUTION_COUNTERS = ("resolved", "results", "e_results", "digitised", "reused")
RETURN_COUNTERS = ("returned", "on_time", "rated", "satisfied")
COUNTERS: tuple[str, ...] = RECEIPT_COUNTERS + RESOLUTION_COUNTERS + RETURN_COUNTERS
#: What each counter counts, in words: the numerators and denominators shown next to the rates.
COUNTER_NAMES: dict[str, StrOrPromise] = {
    "received": _("dossiers received"),
    "online": _("dossiers filed online"),
    "full_process": _("dossiers of full-process online procedures"),
    "full_process_online": _("dossiers of full-process online procedures filed online"),
    "payments": _("fee payment transactions"),
    "payments_online": _("fee payment transactions online through the portal"),
    "resolved": _("dossiers resolved"),
    "results": _("results issued"),
    "e_results": _("results issued as signed electronic documents"),
    "digitised": _("dossiers with components and result digitised"),
    "reused": _("dossiers that reused digitised data"),
    "returned": _("dossiers returned"),
    "on_time": _("dossiers returned on time"),
    "rated": _("ratings given"),
    "satisfied": _("ratings satisfied or very satisfied"),
}

#: The scope of the whole nation in DailyCount (agency scopes are agency ids, which start at 1).
NATION = 0

#: Decision 766/QĐ-TTg (23/6/2022): the five groups and their published weights (100 points).
GROUPS: dict[str, tuple[int, StrOrPromise]] = {
    "publicity": (18, _("Publicity and transparency")),
    "timeliness": (20, _("Timeliness and results")),
    "digitisation": (22, _("Dossier digitisation")),
    "online_services": (22, _("Online services")),
    "satisfaction": (18, _("Satisfaction")),
}

#: TrangThaiHoSo codes that mean a result exists (9 processed, 10 result returned).
RESOLVED_CODES = frozenset({int(NationalStatus.PROCESSED), int(NationalStatus.RETURNED)})
RETURNED_CODE = int(NationalStatus.RETURNED)
PAYMENT_REQUESTED = int(NationalStatus.PAYMENT_REQUESTED)


class FactSource(models.TextChoices):
    LOCAL = "local", _("This deployment")
    SYNC = "sync", _("Synchronised")


#: HinhThuc of the sync API: how the dossier was filed.
CHANNEL_BY_CODE = {0: "counter", 1: "online", 2: "post"}
CODE_BY_CHANNEL = {channel: code for code, channel in CHANNEL_BY_CODE.items()}

#: HinhThucThu of a fee in DanhSachLePhi: 1 at the counter, 2 online through the portal,
#: 4 another way (bank transfer, post). TrangThaiThanhToan: 0 unpaid, 1 paid.
COUNTER_FEE_CHANNEL = 1
ONLINE_FEE_CHANNEL = 2
FEE_CHANNELS = frozenset({1, 2, 4})
#: Most payment transactions or results one synchronised dossier may carry (a sanity bound).
MAX_PER_DOSSIER = 1000

#: The most records one sync call carries, each way.
MAX_BATCH = 1000
DATE_FORMAT = "%Y%m%d%H%M%S"  # yyyyMMddHHmmss, Vietnamese time, as the national portal writes
