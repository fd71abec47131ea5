"""The font parsed once per process draws exactly what fpdf2's own ``add_font`` draws: the same
pages, pixel for pixel, and the same text, document after document."""

import io

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from pypdf import PdfReader

from egov.core.pdf import COMMON, FONTS, Document

TEXT = [
    ("B", "GIẤY KHAI SINH"),
    ("", "Họ, chữ đệm, tên: Nguyễn Thị Minh Ánh — ỹ ẵ ự ₫ “ngoặc” …"),
    ("", "Nơi cư trú: 12 ngõ 45 Kim Mã, phường Ba Đình, Hà Nội"),
]


#: Outside the glyphs of Vietnamese and English text: the document is cut from the whole font.
OTHER_SCRIPTS = [("", "Ωμέγα, Жуков, ☎ 1900 1234")]


def _write(pdf: FPDF, lines: list[tuple[str, str]] = TEXT) -> bytes:
    for style, text in lines:
        pdf.set_font("DejaVu", style, 12)
        pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 7, "Trang hai", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _plain(lines: list[tuple[str, str]] = TEXT) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title("x")
    pdf.set_creator("egov")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    return _write(pdf, lines)


def _pages(data: bytes) -> list[bytes]:
    document = pdfium.PdfDocument(data)
    return [document[n].render(scale=2).to_pil().tobytes() for n in range(len(document))]


@pytest.mark.parametrize("lines", [TEXT, TEXT + OTHER_SCRIPTS], ids=["common", "other scripts"])
def test_the_parsed_font_draws_what_add_font_draws(lines: list[tuple[str, str]]) -> None:
    assert ord("Ω") not in COMMON and ord("Ж") not in COMMON
    expected = _plain(lines)
    for _ in range(3):  # the shared font is not changed by the documents made with it
        made = _write(Document("x"), lines)
        assert _pages(made) == _pages(expected)
        assert [p.extract_text() for p in PdfReader(io.BytesIO(made)).pages] == [
            p.extract_text() for p in PdfReader(io.BytesIO(expected)).pages
        ]
