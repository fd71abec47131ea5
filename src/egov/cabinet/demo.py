"""Demo data of eCabinet: Hà Nội People's Committee as a collegial body, its chair, a vice-chair,
a member, its secretariat and its administrator (demo password and authenticator), an open
opinion sheet with its draft, and a meeting whose invitations are out. Loaded by
``manage.py load_demo``; idempotent."""

import io
from datetime import timedelta

from django.utils import timezone

from egov.core.models import Agency
from egov.core.pdf import Document
from egov.dossiers.demo import demo_official

from . import meetings, services
from .constants import SeatRole
from .models import Body, Seat

CITY = "000.00.00.H26"
SEATS = [
    ("chutich.hanoi", "Nguyễn Văn Thành", SeatRole.CHAIR, "Chủ tịch UBND thành phố"),
    ("phochutich.hanoi", "Lê Thị Hồng", SeatRole.VICE_CHAIR, "Phó Chủ tịch UBND thành phố"),
    ("uyvien.hanoi", "Phạm Quốc Bảo", SeatRole.MEMBER, "Giám đốc Sở Tài chính"),
    ("thuky.hanoi", "Đỗ Minh Châu", SeatRole.SECRETARY, "Chuyên viên Văn phòng UBND thành phố"),
    ("quantri.hanoi", "Vũ Thanh Hà", SeatRole.ADMIN, "Quản trị hệ thống họp không giấy"),
]


def _draft(title: str, pages: int) -> services.Upload:
    pdf = Document(title)
    pdf.heading(title)
    pdf.line_of_text("Dự thảo để lấy ý kiến thành viên Ủy ban nhân dân thành phố.")
    for page in range(2, pages + 1):
        pdf.add_page()
        pdf.line_of_text(f"Điều {page - 1}. …")
    data = pdf.to_bytes()
    return services.Upload("du-thao.pdf", io.BytesIO(data), len(data))


def load_cabinet_demo() -> int:
    """Returns how many seats the demo body has."""
    body, _created = Body.objects.get_or_create(
        code="ubnd-ha-noi",
        defaults={
            "name": "Ủy ban nhân dân thành phố Hà Nội",
            "name_en": "Hà Nội People's Committee",
            "agency": Agency.objects.get(code=CITY),
        },
    )
    for username, name, role, position in SEATS:
        person = demo_official(username, name, CITY, [])
        Seat.objects.get_or_create(
            body=body, user=person, defaults={"role": role, "position": position}
        )
    if not body.sheets.exists():
        secretary = Seat.objects.get(body=body, role=SeatRole.SECRETARY).user
        paper = services.add_paper(
            secretary,
            body,
            "Dự thảo Quyết định ban hành bảng giá đất",
            _draft("Dự thảo Quyết định ban hành bảng giá đất", 4),
            "restricted",
        )
        sheet = services.create_sheet(
            secretary,
            body,
            title="Dự thảo Quyết định ban hành bảng giá đất năm 2027",
            kind="decision",
            deadline=timezone.now() + timedelta(days=5),
            questions=[
                "Đồng ý ban hành Quyết định theo dự thảo?",
                "Đồng ý thời điểm áp dụng từ ngày 01/01/2027?",
            ],
            papers=[paper],
        )
        services.send_sheet(secretary, sheet.pk)
        meeting = meetings.create_meeting(
            secretary,
            body,
            title="Phiên họp thường kỳ UBND thành phố tháng 12",
            starts_at=timezone.now() + timedelta(days=2),
            place="Phòng họp số 1, 12 Lê Lai",
            items=[
                meetings.Item("Tình hình kinh tế - xã hội tháng 11", "Sở Tài chính", 30),
                meetings.Item("Bảng giá đất năm 2027", "Sở Nông nghiệp và Môi trường", 45),
            ],
        )
        meetings.attach_paper(secretary, meeting.items.get(position=2).pk, paper)
        meetings.publish(secretary, meeting.pk)
    return body.seats.count()
