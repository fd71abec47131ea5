"""The fixed vocabularies of official documents: the 29 administrative document types of Decree
30/2020/NĐ-CP art. 7 with their Appendix III abbreviations, and the QCVN 102 status codes."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class DocumentType:
    code: int  #: 1..29, the order of art. 7 (edXML ``DocumentType/TypeDetail``)
    name: str  #: Vietnamese, as the decree writes it
    english: str
    abbreviation: str  #: Appendix III; "" for a công văn, whose notation has no type part


#: Decree 30/2020 art. 7, in its order. "Quy định" is ``QyĐ`` to keep it apart from ``QĐ``.
DOCUMENT_TYPES: tuple[DocumentType, ...] = tuple(
    DocumentType(i, name, english, abbreviation)
    for i, (name, english, abbreviation) in enumerate(
        [
            ("Nghị quyết (cá biệt)", "Resolution", "NQ"),
            ("Quyết định (cá biệt)", "Decision", "QĐ"),
            ("Chỉ thị", "Directive", "CT"),
            ("Quy chế", "Regulation", "QC"),
            ("Quy định", "Rules", "QyĐ"),
            ("Thông cáo", "Communiqué", "TC"),
            ("Thông báo", "Notice", "TB"),
            ("Hướng dẫn", "Guidance", "HD"),
            ("Chương trình", "Programme", "CTr"),
            ("Kế hoạch", "Plan", "KH"),
            ("Phương án", "Scheme", "PA"),
            ("Đề án", "Project proposal", "ĐA"),
            ("Dự án", "Project", "DA"),
            ("Báo cáo", "Report", "BC"),
            ("Biên bản", "Minutes", "BB"),
            ("Tờ trình", "Submission", "TTr"),
            ("Hợp đồng", "Contract", "HĐ"),
            ("Công văn", "Official letter", ""),
            ("Công điện", "Official telegram", "CĐ"),
            ("Bản ghi nhớ", "Memorandum of understanding", "BGN"),
            ("Bản thỏa thuận", "Agreement", "BTT"),
            ("Giấy ủy quyền", "Power of attorney", "GUQ"),
            ("Giấy mời", "Invitation", "GM"),
            ("Giấy giới thiệu", "Letter of introduction", "GGT"),
            ("Giấy nghỉ phép", "Leave permit", "GNP"),
            ("Phiếu gửi", "Dispatch slip", "PG"),
            ("Phiếu chuyển", "Transfer slip", "PC"),
            ("Phiếu báo", "Notification slip", "PB"),
            ("Thư công", "Public letter", ""),
        ],
        start=1,
    )
)
TYPES_BY_CODE = {t.code: t for t in DOCUMENT_TYPES}
OFFICIAL_LETTER = 18  #: công văn: notation ``{number}/{agency}-{drafting unit}``


def document_type(code: int) -> DocumentType:
    return TYPES_BY_CODE[code]


StrOrPromise = str | Promise

#: QCVN 102 status codes, with what the people on both sides read.
STATUS_LABELS: dict[str, StrOrPromise] = {
    "01": _("Arrived"),
    "02": _("Refused"),
    "03": _("Accepted"),
    "04": _("Waiting to be assigned"),
    "05": _("Assigned, being processed"),
    "06": _("Completed"),
    "13": pgettext_lazy("document status", "Recalled"),
    "15": _("Recall or update accepted"),
    "16": _("Recall or update refused"),
}

#: Priority (edXML ``OtherInfo/Priority``, 0..4); QCVN 102 gives no meanings, these are
#: Decree 30's urgency marks ("khẩn", "thượng khẩn", "hỏa tốc", "hỏa tốc hẹn giờ").
PRIORITIES: dict[int, StrOrPromise] = {
    0: _("Normal"),
    1: _("Urgent"),
    2: _("Very urgent"),
    3: _("Express"),
    4: _("Express, timed"),
}
