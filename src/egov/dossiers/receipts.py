"""The receipt slip PDF ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"), and the files of a dossier
as responses: result downloads, and inline previews of components and draft results."""

from typing import Any

from django.http import HttpResponse
from django.utils import formats, timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from egov.core.errors import NotFound, WrongState
from egov.core.files import read_stored
from egov.core.models import StoredFile
from egov.core.pdf import Document

from . import access
from .constants import Channel
from .models import Dossier

#: What a browser may show inline: the types uploads are sniffed to (never HTML or SVG).
PREVIEWABLE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def _moment(value: object) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"  # type: ignore[arg-type]


def receipt_pdf(dossier: Dossier) -> bytes:
    """The receipt slip of a received dossier, in Vietnamese."""
    if dossier.received_at is None or dossier.code is None:
        raise WrongState(_("The receipt is issued when the dossier is received."))
    with translation.override("vi"):
        pdf = Document(f"Giấy tiếp nhận hồ sơ {dossier.code}")
        pdf.centred(dossier.agency.parent.name.upper() if dossier.agency.parent else "")
        pdf.centred(dossier.agency.name.upper(), bold=True)
        pdf.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
        pdf.centred("Độc lập - Tự do - Hạnh phúc")
        pdf.ln(4)
        pdf.heading("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
        pdf.centred(f"Mã hồ sơ: {dossier.code}", bold=True)
        pdf.ln(4)
        pdf.field("Cơ quan tiếp nhận", dossier.agency.name)
        organisation = dossier.organisation
        if organisation is not None:  # the dossier is the organisation's, filed by a representative
            pdf.field("Tiếp nhận hồ sơ của", organisation.name)
            if organisation.tax_code:
                pdf.field("Mã số thuế", organisation.tax_code)
            if organisation.address:
                pdf.field("Địa chỉ", organisation.address)
            pdf.field("Người đại diện nộp hồ sơ", dossier.applicant.full_name)
        else:
            pdf.field("Tiếp nhận hồ sơ của", dossier.applicant.full_name)
            if dossier.applicant.address:
                pdf.field("Địa chỉ", dossier.applicant.address)
        if dossier.applicant.phone:
            pdf.field("Số điện thoại", dossier.applicant.phone)
        pdf.field("Nội dung yêu cầu giải quyết", dossier.procedure.name)
        pdf.field("Hình thức nộp", str(Channel(dossier.channel).label))
        pdf.ln(2)
        pdf.line_of_text("Thành phần hồ sơ nộp gồm:")
        names = {c["code"]: c["name"] for c in dossier.procedure.components}
        for index, component in enumerate(dossier.components.all(), start=1):
            pdf.line_of_text(
                f"{index}. {names.get(component.code, component.code)} ({component.filename})"
            )
        pdf.ln(2)
        pdf.field("Thời gian tiếp nhận", _moment(dossier.received_at))
        pdf.field(
            "Thời gian giải quyết",
            f"{dossier.procedure.processing_days_for(dossier.channel)} ngày làm việc",
        )
        pdf.field("Thời gian hẹn trả kết quả", _moment(dossier.promised_at or dossier.due_at))
        pdf.ln(2)
        pdf.line_of_text(
            "Tra cứu tình trạng hồ sơ bằng mã hồ sơ trên Cổng dịch vụ công. "
            "Vào sổ theo dõi hồ sơ, Quyển số: 01."
        )
        pdf.ln(8)
        received = dossier.events.filter(kind="received").select_related("actor").first()
        receiver = received.actor if received and received.actor else None
        pdf.field("Người tiếp nhận", receiver.full_name if receiver else "—")
        return pdf.to_bytes()


def receipt_response(dossier: Dossier) -> HttpResponse:
    response = HttpResponse(receipt_pdf(dossier), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    return response


def result_response(dossier: Dossier) -> HttpResponse:
    if dossier.result_file is None:
        raise WrongState(_("There is no result yet."))
    response = HttpResponse(read_stored(dossier.result_file), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ket-qua-{dossier.code}.pdf"'
    return response


def file_response(stored: StoredFile, filename: str, inline: bool = False) -> HttpResponse:
    """A stored file as a download, or shown inline when ``inline`` and its (sniffed) type is
    one a browser shows safely. An inline file may be framed by egov's own pages (the preview
    on the dossier page), and by no one else: the CSP ``frame-ancestors`` and X-Frame-Options
    are relaxed to same-origin for it alone."""
    inline = inline and stored.content_type in PREVIEWABLE_TYPES
    response = HttpResponse(read_stored(stored), content_type=stored.content_type)
    # RFC 6266 encoding: a Vietnamese file name in a plain header would be MIME-encoded whole,
    # and browsers would no longer see an attachment.
    disposition = content_disposition_header(not inline, filename)
    response["Content-Disposition"] = disposition or ("inline" if inline else "attachment")
    if inline:
        response["X-Frame-Options"] = "SAMEORIGIN"
        frame: Any = response
        frame._csp_replace = {"frame-ancestors": ["'self'"]}  # read by django-csp's middleware
    return response


def draft_response(dossier: Dossier, user: Any, inline: bool = False) -> HttpResponse:
    """The unsigned draft result of a proposal, for the agency's officials only (to anyone else
    it does not exist)."""
    if not access.may_see_draft(user, dossier):
        raise NotFound(_("There is no draft result."))
    if dossier.result_draft is None:
        raise WrongState(_("There is no draft result."))
    return file_response(dossier.result_draft, f"du-thao-ket-qua-{dossier.code}.pdf", inline)
