"""The one table of document type names ("loại giấy tờ"): the codes that procedures issue as
results (``result.document_type``) or accept for a component (``document_types``), each with the
name printed on the document, shown on every page and given by the verification service.

Names are data, like the procedure files: the Vietnamese name is the document's legal name (the
result PDF prints it in capitals), the English one is shown on English pages. ``subject_fields``
are the form fields naming whom or what the document is about (the child of a birth certificate,
the household business of its certificate), so that a person holding several documents of one
type can tell them apart; without them, the document is about the applicant."""

from dataclasses import dataclass

from django.utils import translation


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    name_en: str
    subject_fields: tuple[str, ...] = ()

    def label(self, language: str | None = None) -> str:
        """The name in ``language`` (the active language by default)."""
        language = language or translation.get_language() or "vi"
        return self.name_en if language.startswith("en") and self.name_en else self.name


_TYPES = [
    DocumentType("ANH_THE", "Ảnh chân dung", "Identity photo"),
    DocumentType(
        "BAN_SAO_CHUNG_THUC", "Bản sao chứng thực", "Certified copy", ("requester_full_name",)
    ),
    DocumentType(
        "CHUNG_NHAN_DANG_KY_XE",
        "Chứng nhận đăng ký xe",
        "Vehicle registration certificate",
        ("frame_number",),
    ),
    DocumentType("CCCD", "Thẻ căn cước", "Citizen identity card"),
    DocumentType("GIAY_BAO_TU", "Giấy báo tử", "Death notice"),
    DocumentType(
        "GIAY_CHUNG_NHAN_KET_HON",
        "Giấy chứng nhận kết hôn",
        "Marriage certificate",
        ("husband_full_name", "wife_full_name"),
    ),
    DocumentType(
        "GIAY_CHUNG_NHAN_QSDD", "Giấy chứng nhận quyền sử dụng đất", "Land-use right certificate"
    ),
    DocumentType("GIAY_CHUNG_SINH", "Giấy chứng sinh", "Birth notice from the hospital"),
    DocumentType(
        "GIAY_CHUNG_TU", "Trích lục khai tử", "Death certificate extract", ("deceased_full_name",)
    ),
    DocumentType(
        "GIAY_CN_DANG_KY_MAU_DAU",
        "Giấy chứng nhận đăng ký mẫu con dấu",
        "Seal registration certificate",
        ("organisation_name",),
    ),
    DocumentType(
        "GIAY_CN_DKHKD",
        "Giấy chứng nhận đăng ký hộ kinh doanh",
        "Household business registration certificate",
        ("business_name",),
    ),
    DocumentType("GIAY_KHAI_SINH", "Giấy khai sinh", "Birth certificate", ("child_full_name",)),
    DocumentType("GIAY_KHAM_SUC_KHOE", "Giấy khám sức khỏe", "Health certificate"),
    DocumentType("GIAY_PHEP_LAI_XE", "Giấy phép lái xe", "Driving licence", ("full_name",)),
    DocumentType(
        "GIAY_PHEP_XAY_DUNG", "Giấy phép xây dựng", "Construction permit", ("owner_full_name",)
    ),
    DocumentType(
        "GIAY_XAC_NHAN_TTHN", "Giấy xác nhận tình trạng hôn nhân", "Marital status certificate"
    ),
    DocumentType("HOC_BA_THPT", "Học bạ trung học phổ thông", "Upper-secondary school record"),
    DocumentType("HO_CHIEU", "Hộ chiếu", "Passport", ("full_name",)),
    DocumentType("HOP_DONG_MUA_BAN_DIEN", "Hợp đồng mua bán điện", "Electricity supply contract"),
    DocumentType("HOP_DONG_THUE_NHA", "Hợp đồng thuê nhà", "Housing rental agreement"),
    DocumentType(
        "PHIEU_LLTP", "Phiếu lý lịch tư pháp", "Criminal record certificate", ("full_name",)
    ),
    DocumentType(
        "QUYET_DINH_XU_PHAT",
        "Quyết định xử phạt vi phạm hành chính",
        "Administrative sanction decision",
        ("plate_number",),
    ),
    DocumentType(
        "QUYET_DINH_TRO_CAP",
        "Quyết định hưởng trợ cấp bảo hiểm xã hội",
        "Social insurance benefit decision",
        ("deceased_full_name",),
    ),
    DocumentType("THE_BHYT", "Thẻ bảo hiểm y tế", "Health insurance card", ("child_full_name",)),
    DocumentType("THE_DU_THI", "Thẻ dự thi", "Examination admission card", ("full_name",)),
    DocumentType("THONG_BAO_MA_SO_THUE", "Thông báo mã số thuế", "Tax code notice", ("full_name",)),
    DocumentType(
        "THONG_BAO_XOA_THUONG_TRU",
        "Thông báo kết quả xóa đăng ký thường trú",
        "Notice of deregistration of permanent residence",
        ("deceased_full_name",),
    ),
    DocumentType(
        "XAC_NHAN_CU_TRU",
        "Thông báo kết quả đăng ký cư trú",
        "Residence confirmation",
        ("full_name",),
    ),
    DocumentType(
        "XAC_NHAN_SO_CMND",
        "Giấy xác nhận số Chứng minh nhân dân",
        "Certificate of the former identity card number",
        ("full_name",),
    ),
    DocumentType(
        "XAC_NHAN_LUU_TRU",
        "Xác nhận thông báo lưu trú",
        "Temporary stay confirmation",
        ("guest_full_name",),
    ),
]
DOCUMENT_TYPES: dict[str, DocumentType] = {kind.code: kind for kind in _TYPES}


def document_type(code: str) -> DocumentType | None:
    return DOCUMENT_TYPES.get(code)


def label(code: str, language: str | None = None) -> str:
    """The name of a document type in ``language`` (active by default); an unknown code as is."""
    kind = DOCUMENT_TYPES.get(code)
    return kind.label(language) if kind else code


def subject(code: str, form_data: dict[str, object] | None, default: str = "") -> str:
    """Whom or what a document of type ``code`` filled from ``form_data`` is about."""
    kind = DOCUMENT_TYPES.get(code)
    form = form_data or {}
    names = [str(form.get(field) or "").strip() for field in (kind.subject_fields if kind else ())]
    return " và ".join(name for name in names if name) or default
