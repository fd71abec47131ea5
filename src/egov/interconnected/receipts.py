"""The application's one receipt slip ("Phiếu tiếp nhận hồ sơ liên thông"): the tracking code,
the group's deadline, and where each member is performed."""

from django.http import HttpResponse
from django.utils import formats, timezone, translation
from django.utils.http import content_disposition_header

from egov.core.pdf import Document

from . import selectors
from .models import Application


def _moment(value: object) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"  # type: ignore[arg-type]


def receipt_pdf(application: Application) -> bytes:
    """The slip as the applicant keeps it, in Vietnamese."""
    with translation.override("vi"):
        pdf = Document(f"Phiếu tiếp nhận hồ sơ liên thông {application.code}")
        pdf.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
        pdf.centred("Độc lập - Tự do - Hạnh phúc")
        pdf.ln(4)
        pdf.heading("PHIẾU TIẾP NHẬN HỒ SƠ LIÊN THÔNG")
        pdf.centred(f"Mã hồ sơ liên thông: {application.code}", bold=True)
        pdf.ln(4)
        pdf.field("Nhóm thủ tục", f"{application.group.code} {application.group.name}")
        pdf.field("Người nộp", application.applicant.full_name)
        pdf.field("Nơi nộp", application.place.name)
        pdf.field("Thời điểm nộp", _moment(application.submitted_at))
        pdf.field("Hẹn trả kết quả của cả nhóm", _moment(application.due_at))
        pdf.ln(2)
        pdf.line_of_text("Các thủ tục và cơ quan giải quyết:")
        for n, row in enumerate(selectors.parts_of(application), start=1):
            part, procedure = row["part"], row["procedure"]
            name = procedure.name if procedure else part.procedure_code
            pdf.line_of_text(f"{n}. {name} ({part.procedure_code}) — {part.agency.name}")
            state = part.get_state_display()
            code = f", mã hồ sơ {part.receipt_code}" if part.receipt_code else ""
            pdf.line_of_text(f"    {state}{code}")
        pdf.ln(2)
        pdf.line_of_text(
            "Mỗi cơ quan giải quyết phần việc của mình theo thời hạn của thủ tục; kết quả của "
            "cơ quan trước được chuyển cho cơ quan sau, người nộp không phải nộp lại. Theo dõi "
            "tiến độ trên Cổng dịch vụ công bằng mã hồ sơ liên thông."
        )
        return pdf.to_bytes()


def receipt_response(application: Application) -> HttpResponse:
    response = HttpResponse(receipt_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(False, f"phieu-tiep-nhan-{application.code}.pdf") or ""
    )
    return response
