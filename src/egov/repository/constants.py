"""Document types and signature states of the data repository ("Kho quản lý dữ liệu điện tử")."""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class SignatureState(models.TextChoices):
    """How far a repository document can be trusted."""

    #: An electronic result signed by the issuing agency (legally valid on its own).
    SIGNED = "signed", _("Signed electronic result")
    #: A paper document scanned and described by a receiving official.
    DIGITISED = "digitised", _("Digitised from paper")
    OTHER = "other", _("Other")


#: Names of the document types that the catalogue's procedures issue as results
#: (``result.document_type``) or accept for a component (``document_types``). A code without a
#: name here is shown as the code itself; ``tests/repository`` checks that none is missing.
DOCUMENT_TYPES: dict[str, Promise] = {
    "ANH_THE": _("Identity photo"),
    "BAN_SAO_CHUNG_THUC": _("Certified copy"),
    "CCCD": _("Citizen identity card"),
    "GIAY_BAO_TU": _("Death notice"),
    "GIAY_CHUNG_NHAN_KET_HON": _("Marriage certificate"),
    "GIAY_CHUNG_NHAN_QSDD": _("Land-use right certificate"),
    "GIAY_CHUNG_SINH": _("Birth notice from the hospital"),
    "GIAY_CHUNG_TU": _("Death certificate extract"),
    "GIAY_CN_DKHKD": _("Household business registration certificate"),
    "GIAY_KHAI_SINH": _("Birth certificate extract"),
    "GIAY_KHAM_SUC_KHOE": _("Health certificate"),
    "GIAY_PHEP_LAI_XE": _("Driving licence"),
    "GIAY_PHEP_XAY_DUNG": _("Construction permit"),
    "GIAY_XAC_NHAN_TTHN": _("Marital status certificate"),
    "HOC_BA_THPT": _("Upper-secondary school record"),
    "HO_CHIEU": _("Passport"),
    "HOP_DONG_MUA_BAN_DIEN": _("Electricity supply contract"),
    "HOP_DONG_THUE_NHA": _("Housing rental agreement"),
    "PHIEU_LLTP": _("Criminal record certificate"),
    "THE_DU_THI": _("Examination admission card"),
    "XAC_NHAN_CU_TRU": _("Residence confirmation"),
    "XAC_NHAN_LUU_TRU": _("Temporary stay confirmation"),
}


def document_type_label(code: str) -> str:
    return str(DOCUMENT_TYPES.get(code, code))


#: How long a share link lasts unless its owner says otherwise, and at most.
SHARE_DEFAULT_DAYS = 7
SHARE_MAX_DAYS = 30
