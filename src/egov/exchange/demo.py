"""Demo data of the document axis: clerks (văn thư) of the city, its justice department and a
ward, and one plan the city sent to both, already accepted by the department. Loaded by
``manage.py load_demo``, which runs the loaders of the ``DEMO_DATA`` setting."""

from django.db import transaction

from egov.core.models import Agency
from egov.core.pdf import Document as Pdf
from egov.dossiers.demo import demo_official

from . import outbox, services
from .models import Document

CITY, JUSTICE, WARD = "000.00.00.H26", "000.00.01.H26", "000.00.31.H26"
CLERKS = (
    ("vanthu.hanoi", "Phan Thị Hồng", CITY, ["clerk"]),
    ("vanthu.sotuphap", "Vũ Minh Tâm", JUSTICE, ["clerk"]),
    ("vanthu.badinh", "Đào Thu Trang", WARD, ["clerk"]),
)
SUBJECT = "Kế hoạch triển khai dịch vụ công trực tuyến toàn trình năm 2027"


@transaction.atomic
def load_exchange_demo() -> int:
    """Idempotent: the clerks, and the sample plan once. Returns how many documents it sent."""
    city_clerk, justice_clerk, _ward_clerk = (demo_official(*clerk) for clerk in CLERKS)
    if Document.objects.filter(subject=SUBJECT).exists():
        return 0
    pdf = Pdf(SUBJECT)
    pdf.heading(SUBJECT)
    pdf.line_of_text("Ủy ban nhân dân thành phố Hà Nội ban hành kế hoạch (văn bản mẫu).")
    draft = services.Draft(
        doc_type=10,
        subject=SUBJECT,
        summary="Các sở, ngành và UBND phường rà soát, đưa thủ tục đủ điều kiện lên toàn trình.",
        signer_competence="TM. ỦY BAN NHÂN DÂN",
        signer_position="Phó Chủ tịch",
        signer_name="Nguyễn Mạnh Quyền",
        place="Hà Nội",
        recipients=[JUSTICE, WARD],
    )
    main = services.Upload("ke-hoach.pdf", pdf.to_bytes(), "application/pdf", is_main=True)
    document = services.compose(city_clerk, Agency.objects.get(code=CITY), draft, [main])
    services.issue_and_send(city_clerk, document)
    _deliver_now()  # the document, then the recipients' arrival statuses
    received = Document.objects.get(agency__code=JUSTICE, incoming=True, subject=SUBJECT)
    services.advance(justice_clerk, received, "03")
    _deliver_now()
    return 1


def _deliver_now() -> None:
    """Deliver what is due here and now rather than wait for the worker (one deployment)."""
    for _round in range(3):
        for delivery_id in outbox.due():
            outbox.deliver(delivery_id)
