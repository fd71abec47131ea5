"""Every result template keeps the layout of the official forms (Thông tư 04/2020/TT-BTP for civil
status, Nghị định 30/2020 for the national header): the issuing agency top left with "Số: …"
under it, the national name and motto top right, the title below both, and no text drawn over
other text or over the QR code. Each result is rendered to an image (PDFium) and its text boxes
are read back from the rendered page."""

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pytest
import segno

from egov.catalog.models import Procedure
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.records import documents
from egov.records.services import new_code

#: Long enough to wrap in the header, as real agency names do.
LONG_AGENCY = "Ủy ban nhân dân xã Quảng Phú Cầu, thành phố Hà Nội"


@dataclass(frozen=True)
class Box:
    """A text box (or the QR code) in millimetres from the top left corner of the page."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: "Box", slack: float = 0.3) -> bool:
        return (
            self.left < other.right - slack
            and other.left < self.right - slack
            and self.top < other.bottom - slack
            and other.top < self.bottom - slack
        )


def _mm(points: float) -> float:
    return points * 25.4 / 72


def text_boxes(pdf: bytes) -> list[list[Box]]:
    """Per page, the boxes PDFium finds around the text it renders."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    for page in document:
        height = page.get_height()
        textpage = page.get_textpage()
        boxes = []
        for index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(index)
            text = textpage.get_text_bounded(left, bottom, right, top).strip()
            if text:
                boxes.append(
                    Box(text, _mm(left), _mm(height - top), _mm(right), _mm(height - bottom))
                )
        pages.append(boxes)
    return pages


def qr_box(pdf: bytes) -> Box:
    """The QR code: the bounding box of the dark pixels left of the verification text, found
    in the rendered image of the last page."""
    document = pdfium.PdfDocument(pdf)
    page = document[len(document) - 1]
    scale = 4
    image = page.render(scale=scale).to_pil().convert("L")
    width_mm = _mm(page.get_width())
    pixels_per_mm = image.width / width_mm
    # The QR code sits in the left 40 mm of the page, below the text of the document body.
    strip = image.crop((0, 0, int(55 * pixels_per_mm), image.height))
    dark = strip.point(lambda value: 255 if value < 128 else 0)
    rows = [y for y in range(dark.height) if dark.crop((0, y, dark.width, y + 1)).getbbox()]
    # The lowest run of dark rows taller than 25 mm is the code.
    runs: list[tuple[int, int]] = []
    for y in rows:
        if runs and y - runs[-1][1] <= 2:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    start, end = max(runs, key=lambda run: run[1] - run[0])
    box = dark.crop((0, start, dark.width, end + 1)).getbbox()
    assert box is not None
    left, _top, right, _bottom = box
    return Box(
        "QR",
        left / pixels_per_mm,
        start / pixels_per_mm,
        right / pixels_per_mm,
        (end + 1) / pixels_per_mm,
    )


def filled(dossier: Dossier, template: documents.ResultTemplate, agency_name: str) -> Dossier:
    """The dossier with every field of the template filled (long values wrap) and the agency
    renamed, in memory only."""
    copy_ = copy.copy(dossier)
    copy_.agency = copy.copy(dossier.agency)
    copy_.agency.name = agency_name
    values = dict(dossier.form_data or {})
    for _label, name in template.fields:
        values.setdefault(name, f"Giá trị của {name} " * 3)
    copy_.form_data = values
    return copy_


def renders(make_dossier: Callable[..., Dossier]) -> Iterator[tuple[str, bytes]]:
    """Every result template of the catalogue (and the general one), with a short and a long
    agency name."""
    dossier = make_dossier(Status.PROCESSING)
    for procedure in Procedure.objects.order_by("code"):
        result = procedure.definition["result"]
        template = documents.template_for(result["document_type"], result["name"])
        for agency_name in (dossier.agency.name, LONG_AGENCY):
            subject = filled(dossier, template, agency_name)
            subject.procedure = procedure
            pdf = documents.render(subject, new_code(), dossier.received_at)
            yield f"{procedure.code}/{agency_name}", pdf


def _find(boxes: list[Box], text: str) -> Box:
    found = [box for box in boxes if text in box.text]
    assert found, f"{text!r} not found in {[box.text for box in boxes]}"
    return found[0]


def test_no_text_box_overlaps_another_or_the_qr_code(
    make_dossier: Callable[..., Dossier],
) -> None:
    for name, pdf in renders(make_dossier):
        pages = text_boxes(pdf)
        pages[-1].append(qr_box(pdf))
        for page in pages:
            clashes = [
                (a.text, b.text) for i, a in enumerate(page) for b in page[i + 1 :] if a.overlaps(b)
            ]
            assert not clashes, f"{name}: overlapping text {clashes}"


def test_the_header_follows_the_official_form(make_dossier: Callable[..., Dossier]) -> None:
    for name, pdf in renders(make_dossier):
        boxes = text_boxes(pdf)[0]
        nation = _find(boxes, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        motto = _find(boxes, "Độc lập - Tự do - Hạnh phúc")
        number = _find(boxes, "Số:")
        agency_top = min(
            (box for box in boxes if box.text.isupper() and box.right < nation.left),
            key=lambda box: box.top,
        )
        # The national name and motto on the right, the motto under the name.
        assert nation.left > 90 and motto.left > 90, name
        assert motto.top >= nation.bottom - 0.3, name
        # The agency on the left, its first line level with the national name; "Số:" under it.
        assert agency_top.right < nation.left and abs(agency_top.top - nation.top) < 1, name
        assert number.right < nation.left, name
        assert number.top >= agency_top.bottom - 0.3, name
        # The title below the whole header.
        title = max(
            (box for box in boxes if box.text.isupper() and box.left > 30 and box.right < 180),
            key=lambda box: box.bottom - box.top,
        )
        assert title.top > max(motto.bottom, number.bottom), name


@pytest.mark.parametrize("length", [0, 40])
def test_a_long_result_moves_the_qr_code_to_a_new_page_rather_than_off_the_page(
    make_dossier: Callable[..., Dossier], length: int
) -> None:
    dossier = make_dossier(Status.PROCESSING)
    template = documents.template_for("GIAY_KHAI_SINH", "")
    subject = filled(dossier, template, dossier.agency.name)
    subject.form_data = {**subject.form_data, "birth_place": "Bệnh viện Phụ sản " * length}
    pdf = documents.render(subject, new_code(), dossier.received_at)
    qr = qr_box(pdf)
    assert qr.bottom < 297 - 10
    page = text_boxes(pdf)[-1]
    assert not [box.text for box in page if box.overlaps(qr)]


def test_the_qr_code_drawn_is_the_verification_link(
    make_dossier: Callable[..., Dossier],
) -> None:
    """Module for module, the dark squares on the page are segno's code of the link."""
    dossier = make_dossier(Status.PROCESSING)
    code = new_code()
    pdf = documents.render(dossier, code, dossier.received_at, "https://dichvucong.example.vn")
    matrix = segno.make(
        documents.verification_url(code, "https://dichvucong.example.vn"), error="m"
    ).matrix
    box = qr_box(pdf)
    page = pdfium.PdfDocument(pdf)[0]
    scale = 4
    image = page.render(scale=scale).to_pil().convert("L")
    pixels_per_mm = image.width / _mm(page.get_width())
    module = (box.right - box.left) / len(matrix)
    assert module == pytest.approx((box.bottom - box.top) / len(matrix), rel=0.02)
    drawn = [
        [
            image.getpixel(
                (
                    int((box.left + (column + 0.5) * module) * pixels_per_mm),
                    int((box.top + (row + 0.5) * module) * pixels_per_mm),
                )
            )
            < 128
            for column in range(len(matrix))
        ]
        for row in range(len(matrix))
    ]
    assert drawn == [[bool(dark) for dark in line] for line in matrix]
