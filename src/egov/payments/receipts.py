"""Biên lai điện tử: the electronic receipt of a paid fee, as a PDF in Vietnamese."""

from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from egov.core.pdf import Document

from .constants import CounterMethod, PaymentChannel, PaymentStatus
from .models import Payment
from .services import WrongState
from .words import amount_in_words

METHODS = {"sandbox": "Cổng thanh toán thử nghiệm (sandbox)", "vnpay": "Cổng thanh toán VNPAY"}


def dong(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def _line_cells(index: int, line: dict[str, Any]) -> list[str]:
    reduction = line.get("reduction")
    reduced = f"−{dong(reduction['amount'])} ({reduction['percent']}%)" if reduction else "—"
    return [
        str(index),
        line["name"],
        str(line["quantity"]),
        dong(line["unit_amount"]),
        reduced,
        dong(line["amount"]),
    ]


def _method(payment: Payment) -> str:
    if payment.channel == PaymentChannel.COUNTER:
        counter: dict[str, str] = {
            CounterMethod.CASH: "Tiền mặt tại quầy",
            CounterMethod.CARD: "Thẻ (POS) tại quầy",
        }
        return counter.get(payment.method, payment.method)
    return "Trực tuyến, " + METHODS.get(payment.method, payment.method)


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt of a paid (or since refunded) payment."""
    dossier = payment.dossier
    if payment.receipt_number is None or dossier is None:
        raise WrongState("Biên lai được lập khi đã thanh toán.")
    agency = dossier.agency
    pdf = Document(f"Biên lai {payment.receipt_label}")
    pdf.centred(agency.parent.name.upper() if agency.parent else "")
    pdf.centred(agency.name.upper(), bold=True)
    pdf.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    pdf.centred("Độc lập - Tự do - Hạnh phúc")
    pdf.ln(4)
    pdf.heading("BIÊN LAI THU PHÍ, LỆ PHÍ")
    pdf.centred("(Biên lai điện tử)")
    pdf.centred(f"Ký hiệu: {payment.receipt_series}    Số: {payment.receipt_number:07d}", bold=True)
    pdf.ln(4)
    pdf.field("Tên đơn vị thu phí, lệ phí", agency.name)
    # A dossier filed for an organisation is the organisation's: it is the payer.
    payer = dossier.organisation or dossier.applicant
    pdf.field("Tên người nộp", getattr(payer, "name", "") or dossier.applicant.full_name or "—")
    if payer.address:
        pdf.field("Địa chỉ", payer.address)
    pdf.field("Mã hồ sơ", dossier.code or "—")
    pdf.field("Thủ tục hành chính", dossier.procedure.name)
    pdf.ln(2)
    with pdf.table(
        col_widths=(11, 59, 15, 24, 31, 30),
        text_align=("CENTER", "LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT"),
        line_height=6,
    ) as table:
        table.row(
            ["STT", "Tên loại phí, lệ phí", "Số lượng", "Mức thu", "Miễn, giảm", "Thành tiền"]
        )
        for index, line in enumerate(payment.lines, start=1):
            table.row(_line_cells(index, line))
    pdf.ln(2)
    pdf.field("Tổng số tiền", dong(int(payment.amount)))
    pdf.field("Số tiền bằng chữ", amount_in_words(int(payment.amount)))
    pdf.field("Hình thức thanh toán", _method(payment))
    if payment.provider_transaction:
        pdf.field("Mã giao dịch", payment.provider_transaction)
    pdf.field("Mã thanh toán", payment.reference)
    paid_at = timezone.localtime(payment.paid_at) if payment.paid_at else None
    pdf.field("Thời điểm thu", paid_at.strftime("%d/%m/%Y %H:%M") if paid_at else "—")
    for line in payment.lines:
        if line.get("legal_basis"):
            pdf.field(f"Căn cứ thu {line['name'].lower()}", line["legal_basis"])
        if line.get("reduction"):
            pdf.field("Căn cứ miễn, giảm", line["reduction"]["legal_basis"])
    if payment.status == PaymentStatus.REFUNDED:
        pdf.ln(2)
        pdf.centred("ĐÃ HOÀN TRẢ SỐ TIỀN TRÊN", bold=True)
    pdf.ln(6)
    pdf.line_of_text(
        "Biên lai điện tử do hệ thống lập; tra cứu bằng mã thanh toán trên Cổng dịch vụ công."
    )
    return pdf.to_bytes()


def receipt_response(payment: Payment) -> HttpResponse:
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    name = f"bien-lai-{payment.receipt_series}-{payment.receipt_number:07d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
