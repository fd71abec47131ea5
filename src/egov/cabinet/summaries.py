"""The signed PDFs of eCabinet: a sheet's summary of opinions and a meeting's minutes, each
printing its verification code and address."""

from typing import TYPE_CHECKING

from django.utils import timezone

from egov.core.pdf import Document

from .constants import Choice, Outcome, SheetKind

if TYPE_CHECKING:
    from .models import AgendaItem, Invitation, Meeting, Sheet
    from .tally import QuestionTally

CHOICES: dict[str, str] = {
    Choice.AGREE: "Đồng ý",
    Choice.DISAGREE: "Không đồng ý",
    Choice.OTHER: "Ý kiến khác",
}
OUTCOMES: dict[str, str] = {Outcome.ADOPTED: "THÔNG QUA", Outcome.NOT_ADOPTED: "KHÔNG THÔNG QUA"}
KINDS: dict[str, str] = {
    SheetKind.RESOLUTION: "Dự thảo nghị quyết",
    SheetKind.DECISION: "Dự thảo quyết định",
    SheetKind.REPORT: "Báo cáo",
    SheetKind.OTHER: "Văn bản",
}


def _when(moment: object) -> str:
    return timezone.localtime(moment).strftime("%H:%M ngày %d/%m/%Y") if moment else "—"  # type: ignore[arg-type]


def sheet_summary_pdf(sheet: "Sheet", rows: "list[QuestionTally]", code: str) -> bytes:
    """Báo cáo tổng hợp ý kiến thành viên: each question, its count and outcome, and every
    member's answer by name (the tally is published with the summary)."""
    from egov.records.issuing import verification_url

    agency = sheet.body.agency
    pdf = Document(f"Tổng hợp ý kiến: {sheet.title}")
    pdf.centred(agency.name.upper(), bold=True)
    pdf.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    pdf.centred("Độc lập - Tự do - Hạnh phúc")
    pdf.ln(4)
    pdf.heading("BÁO CÁO TỔNG HỢP Ý KIẾN THÀNH VIÊN")
    pdf.centred(f"{KINDS.get(sheet.kind, 'Văn bản')}: {sheet.title}")
    pdf.ln(3)
    pdf.field("Cơ quan lấy ý kiến", sheet.body.name)
    pdf.field("Gửi lúc", _when(sheet.sent_at))
    pdf.field("Hạn trả lời", _when(sheet.deadline))
    pdf.field("Kết thúc lúc", _when(sheet.closed_at))
    for row in rows:
        count = row.count
        pdf.ln(3)
        pdf.heading(f"Câu hỏi {row.question.position}", size=11)
        pdf.line_of_text(row.question.text)
        pdf.field(
            "Kết quả",
            f"Đồng ý {count.agree}/{count.members}; không đồng ý {count.disagree}; "
            f"ý kiến khác {count.other}; chưa trả lời {count.unanswered}",
        )
        pdf.field("Kết luận", OUTCOMES[count.outcome])
        for answer in row.answers:
            opinion = CHOICES.get(answer.choice, answer.choice)
            if answer.text:
                opinion = f"{opinion}: {answer.text}"
            pdf.line_of_text(f"- {answer.member.full_name or answer.member.username}: {opinion}")
    pdf.ln(4)
    pdf.field("Mã tra cứu", code)
    pdf.field("Kiểm tra tại", verification_url(code))
    return pdf.to_bytes()


REPLIES = {
    "pending": "Chưa trả lời",
    "attending": "Tham dự",
    "absent": "Vắng mặt",
    "delegated": "Cử người dự thay",
}


def minutes_pdf(
    meeting: "Meeting", items: "list[AgendaItem]", invitations: "list[Invitation]", code: str
) -> bytes:
    """Biên bản phiên họp: who was there, each item and its conclusion."""
    from egov.records.issuing import verification_url

    agency = meeting.body.agency
    pdf = Document(f"Biên bản: {meeting.title}")
    pdf.centred(agency.name.upper(), bold=True)
    pdf.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    pdf.centred("Độc lập - Tự do - Hạnh phúc")
    pdf.ln(4)
    pdf.heading("BIÊN BẢN VÀ KẾT LUẬN PHIÊN HỌP")
    pdf.centred(meeting.title)
    pdf.ln(3)
    pdf.field("Cơ quan", meeting.body.name)
    pdf.field("Thời gian", f"{_when(meeting.opened_at)} – {_when(meeting.closed_at)}")
    if meeting.place:
        pdf.field("Địa điểm", meeting.place)
    present = [i for i in invitations if i.present_at]
    pdf.field("Số người có mặt", f"{len(present)}/{len(invitations)}")
    pdf.ln(2)
    pdf.heading("Thành phần", size=11)
    for invitation in invitations:
        name = invitation.user.full_name or invitation.user.username
        status = "Có mặt" if invitation.present_at else REPLIES.get(invitation.reply, "")
        if invitation.delegate_id and invitation.delegate is not None:
            status += f" (dự thay: {invitation.delegate.full_name})"
        role = " (khách mời)" if invitation.guest else ""
        pdf.line_of_text(f"- {name}{role}: {status}")
    for item in items:
        pdf.ln(3)
        pdf.heading(f"{item.position}. {item.title}", size=11)
        if item.presenter:
            pdf.field("Cơ quan trình", item.presenter)
        pdf.field("Kết luận", item.conclusion or "(không ghi kết luận)")
    pdf.ln(4)
    pdf.field("Mã tra cứu", code)
    pdf.field("Kiểm tra tại", verification_url(code))
    return pdf.to_bytes()
