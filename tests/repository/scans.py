"""Scans of paper documents made from the result templates (the records part renders results as
PDF): a page rasterised at a scanner's resolution, turned a few degrees and noised, with the
number, issuer and date it was rendered with. Used by the OCR tests and by bench/ocr.py."""

import io
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import pypdfium2
from PIL import Image, ImageChops

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.records import documents

#: Form data each result template shows (with dates of birth: dates that are not the issue date).
FORMS: dict[str, dict[str, Any]] = {
    "GIAY_KHAI_SINH": {
        "child_full_name": "Nguyễn Minh Anh",
        "child_birth_date": "2024-05-01",
        "child_sex": "Nữ",
        "ethnicity": "Kinh",
        "birth_place": "Bệnh viện Phụ sản Hà Nội",
        "mother_full_name": "Trần Thị Bình",
        "father_full_name": "Nguyễn Văn An",
    },
    "GIAY_CN_DKHKD": {
        "business_name": "Hộ kinh doanh Phở Thìn",
        "business_address": "13 Lò Đúc, phường Hai Bà Trưng, Hà Nội",
        "business_lines": "Dịch vụ ăn uống",
        "capital": 150000000,
        "employees": 4,
        "owner_full_name": "Lê Văn Cường",
        "owner_personal_id": "001085000003",
        "owner_address": "25 Liễu Giai, phường Ba Đình, Hà Nội",
    },
    "PHIEU_LLTP": {
        "card_type": "Phiếu lý lịch tư pháp số 1",
        "full_name": "Phạm Quốc Dũng",
        "sex": "Nam",
        "birth_date": "1995-08-17",
        "birth_place": "Hà Nội",
        "personal_id": "001095000004",
        "address": "12 Phan Đình Phùng, phường Ba Đình, Hà Nội",
        "purpose": "Bổ sung hồ sơ xin việc",
    },
    "GIAY_PHEP_XAY_DUNG": {
        "owner_full_name": "Đỗ Thị Hoa",
        "site_address": "Thửa đất số 45, phường Tây Hồ, Hà Nội",
        "parcel_number": "45",
        "map_sheet": "12",
        "land_area": 80,
        "building_footprint": 64,
        "total_floor_area": 256,
        "floors": 4,
        "height": 15,
        "completion_months": 12,
    },
}

ISSUERS = {
    "GIAY_KHAI_SINH": [
        "Ủy ban nhân dân phường Ba Đình",
        "Ủy ban nhân dân xã Đông Anh",
        "Ủy ban nhân dân phường Hoàn Kiếm",
    ],
    "GIAY_CN_DKHKD": ["Phòng Kinh tế phường Hai Bà Trưng", "Ủy ban nhân dân phường Cầu Giấy"],
    "PHIEU_LLTP": ["Sở Tư pháp thành phố Hà Nội", "Sở Tư pháp tỉnh Bắc Ninh"],
    "GIAY_PHEP_XAY_DUNG": ["Ủy ban nhân dân phường Tây Hồ", "Sở Xây dựng thành phố Hà Nội"],
}


@dataclass(frozen=True)
class ScanCase:
    """One paper document to scan: what it says, and how it is scanned."""

    document_type: str
    number: str
    issuer: str
    issued_on: date
    dpi: int = 200
    angle: float = 0.0
    noise: float = 0.0
    seed: int = 0
    form: dict[str, Any] = field(default_factory=dict)


def result_pdf(case: ScanCase) -> bytes:
    """The result document the template renders for ``case`` (nothing saved)."""
    procedure = Procedure(
        definition={
            "result": {"document_type": case.document_type, "name": case.document_type},
            "form": {"schema": {"properties": {}}},
        }
    )
    dossier = Dossier(
        procedure=procedure,
        agency=Agency(name=case.issuer, code="000.00.00.H26"),
        applicant=User(full_name="Nguyễn Văn An"),
        code=case.number,
        form_data=case.form or FORMS[case.document_type],
    )
    issued_at = datetime.combine(case.issued_on, time(3, 0), tzinfo=UTC)  # 10:00 in Hà Nội
    return documents.render(dossier, "ABCD-2345-EFGH", issued_at, "https://dichvucong.example")


def _noise(size: tuple[int, int], sigma: float, seed: int) -> Image.Image:
    """Gaussian noise around grey 128, the same for the same seed: a 256-pixel tile drawn from
    ``random.Random(seed)``, laid over the page."""
    rng = random.Random(seed)
    tile = Image.frombytes(
        "L",
        (256, 256),
        bytes(min(255, max(0, round(rng.gauss(128, sigma)))) for _ in range(256 * 256)),
    )
    noise = Image.new("L", size)
    for x in range(0, size[0], 256):
        for y in range(0, size[1], 256):
            noise.paste(tile.rotate(90 * ((x + y) // 256 % 4)), (x, y))
    return noise


def scan(case: ScanCase, image_format: str = "PNG") -> bytes:
    """The first page of the result as a scanner gives it: grey, at ``case.dpi``, turned by
    ``case.angle`` degrees, with Gaussian noise of ``case.noise`` grey levels."""
    document = pypdfium2.PdfDocument(result_pdf(case))
    try:
        page = document[0]
        image = page.render(scale=case.dpi / 72).to_pil().convert("L")
        page.close()
    finally:
        document.close()
    if case.angle:
        image = image.rotate(
            case.angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
        )
    if case.noise:
        image = ImageChops.add(image, _noise(image.size, case.noise, case.seed), 1.0, -128)
    out = io.BytesIO()
    options: dict[str, Any] = {"dpi": (case.dpi, case.dpi)}
    if image_format == "JPEG":
        options["quality"] = 85
    image.save(out, image_format, **options)
    return out.getvalue()


def cases(count: int, seed: int = 17) -> list[ScanCase]:
    """``count`` varied documents: every template, numbers in the national forms, issue dates
    over six years, 150 to 300 dpi, turned up to 3 degrees either way, noised."""
    rng = random.Random(seed)
    kinds = list(FORMS)
    made = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        style = index % 3
        if style == 0:  # a receipt-code style number
            number = f"H26.{rng.randint(10, 99)}-{rng.randint(2020, 2026)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{rng.randint(1, 9999999):07d}"
        elif style == 1:  # Decree 30 style
            suffix = {"GIAY_PHEP_XAY_DUNG": "GPXD", "PHIEU_LLTP": "STP-LLTP"}.get(kind, "UBND")
            number = f"{rng.randint(1, 9999)}/{suffix}"
        else:
            number = f"{rng.randint(1, 999):03d}/{rng.randint(2020, 2026)}/{kind[:4]}"
        made.append(
            ScanCase(
                document_type=kind,
                number=number,
                issuer=rng.choice(ISSUERS[kind]),
                issued_on=date.fromordinal(date(2020, 1, 1).toordinal() + rng.randint(0, 6 * 365)),
                dpi=rng.choice([150, 200, 300]),
                angle=round(rng.uniform(-3, 3), 1),
                noise=rng.choice([10.0, 20.0, 30.0]),
                seed=index,
            )
        )
    return made
