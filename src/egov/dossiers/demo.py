"""Demo data for trials: agencies, the catalogue, citizens, officials and a few dossiers.

Every account shares the password ``DEMO_PASSWORD``, and every official the authenticator secret
``DEMO_TOTP_SECRET`` for the second login step (both listed in the README); never load this in
production.
"""

import base64
import io
from datetime import date

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.catalog.selectors import get_procedure
from egov.catalog.services import load_catalog
from egov.core.models import Agency
from egov.core.pdf import Document
from egov.core.services import load_agencies
from egov.identity.models import User
from egov.identity.officials.services import create_official
from egov.identity.services import create_citizen

from . import services
from .services import Upload

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - demo accounts only, documented in the README
#: Base32, as typed into an authenticator app (or `oathtool --totp -b`); demo officials only.
DEMO_TOTP_SECRET = "EGOVDEMOTOTPSECRETFORTRIALSONLY2"  # noqa: S105 - documented in the README

CITIZENS = [
    (
        "001090000001",
        "Nguyễn Văn An",
        date(1990, 3, 15),
        "an.nguyen@example.vn",
        "0912000001",
        "12 Kim Mã, phường Ba Đình, Hà Nội",
    ),
    (
        "001192000002",
        "Trần Thị Bình",
        date(1992, 7, 2),
        "binh.tran@example.vn",
        "0912000002",
        "8 Hàng Bài, phường Hoàn Kiếm, Hà Nội",
    ),
    (
        "001085000003",
        "Lê Minh Châu",
        date(1985, 11, 20),
        "chau.le@example.vn",
        "0912000003",
        "Thôn Đông, xã Sóc Sơn, Hà Nội",
    ),
]

OFFICIALS = [
    # username, name, agency code, roles
    ("tiepnhan.badinh", "Phạm Thu Hà", "000.00.31.H26", ["receiver"]),
    ("xuly.badinh", "Đỗ Quang Huy", "000.00.31.H26", ["processor"]),
    ("pheduyet.badinh", "Vũ Thị Lan", "000.00.31.H26", ["approver"]),
    ("quantri.badinh", "Hoàng Văn Nam", "000.00.31.H26", ["agency_admin", "receiver"]),
    ("tiepnhan.congan.badinh", "Bùi Đức Long", "000.31.04.H26", ["receiver"]),
    ("xuly.congan.badinh", "Ngô Thanh Tùng", "000.31.04.H26", ["processor"]),
    ("pheduyet.congan.badinh", "Đặng Minh Khoa", "000.31.04.H26", ["approver"]),
    ("tiepnhan.sotuphap", "Trịnh Thị Mai", "000.00.01.H26", ["receiver", "processor", "approver"]),
    ("tiepnhan.hoankiem", "Lý Thị Hồng", "000.00.32.H26", ["receiver", "processor", "approver"]),
    ("quantri.nentang", "Nguyễn Hải Đăng", "000.00.00.H26", ["platform_admin"]),
]


def demo_pdf(title: str) -> bytes:
    pdf = Document(title)
    pdf.heading(title)
    pdf.line_of_text("Tài liệu minh họa của hệ thống egov (dữ liệu thử nghiệm).")
    return pdf.to_bytes()


def _pdf_upload(title: str) -> Upload:
    data = demo_pdf(title)
    return Upload(name=f"{title}.pdf", stream=io.BytesIO(data), size=len(data))


def _give_demo_authenticator(official: User) -> None:
    """An enrolled authenticator with the published demo secret, unless the official has one."""
    if not TOTPDevice.objects.filter(user=official, confirmed=True).exists():
        TOTPDevice.objects.create(
            user=official,
            name="demo",
            key=base64.b32decode(DEMO_TOTP_SECRET).hex(),
            confirmed=True,
        )


def demo_official(username: str, name: str, agency_code: str, roles: list[str]) -> User:
    """A demo official with the demo password and authenticator, made unless they exist."""
    official = User.objects.filter(username=username).first()
    if official is None:
        official = create_official(
            username=username,
            full_name=name,
            password=DEMO_PASSWORD,
            agency=Agency.objects.get(code=agency_code),
            roles=roles,
            email=f"{username}@example.gov.vn",
        )
    _give_demo_authenticator(official)
    return official


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Idempotent: accounts that exist are left alone (an official without an authenticator gets
    the demo one); sample dossiers are made once."""
    load_agencies(settings.AGENCIES_FILE)
    load_catalog(settings.CATALOG_DIR)
    for personal_id, name, born, email, phone, address in CITIZENS:
        if not User.objects.filter(username=personal_id).exists():
            create_citizen(
                personal_id=personal_id,
                full_name=name,
                password=DEMO_PASSWORD,
                birth_date=born,
                email=email,
                phone=phone,
                address=address,
                identity_level=2,  # demo citizens are verified against the registry
            )
    for username, name, code, roles in OFFICIALS:
        demo_official(username, name, code, roles)
    made = 0
    birth = get_procedure("1.001193")
    citizen = User.objects.get(username="001192000002")
    if birth and not citizen.dossiers.exists():
        ward = Agency.objects.get(code="000.00.31.H26")
        form = {
            "child_full_name": "Trần Minh Khôi",
            "child_birth_date": "2026-10-30",
            "child_sex": "Nam",
            "ethnicity": "Kinh",
            "birth_place": "Bệnh viện Phụ sản Hà Nội",
            "mother_full_name": "Trần Thị Bình",
            "relationship": "Mẹ",
            "copies": 1,
        }
        files = {
            "TO_KHAI": _pdf_upload("To khai dang ky khai sinh"),
            "GIAY_CHUNG_SINH": _pdf_upload("Giay chung sinh"),
        }
        dossier, _ = services.submit_online(citizen, birth, ward, form, files)
        made += 1
        receiver = User.objects.get(username="tiepnhan.badinh")
        services.receive(
            dossier.pk, receiver, {"TO_KHAI": (True, ""), "GIAY_CHUNG_SINH": (True, "")}
        )
    return {"dossiers": made}
