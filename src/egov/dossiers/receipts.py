"""The receipt slip PDF ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") and result downloads."""

from django.http import HttpResponse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from egov.core.files import read_stored
from egov.core.pdf import Document

from .constants import Channel
from .models import Dossier
from .services import WrongState


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
        pdf.field("Thời gian giải quyết", f"{dossier.procedure.processing_days} ngày làm việc")
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
