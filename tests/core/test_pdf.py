"""The font parsed once per process draws exactly what fpdf2's own ``add_font`` draws: the same
pages, pixel for pixel, and the same text, document after document, whether the document's
characters are all prepared (Vietnamese), all common (Latin) or neither."""

import io

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from pypdf import PdfReader

from egov.core.pdf import COMMON, FONTS, PREPARED, Document

TEXT = [
    ("B", "GIẤY KHAI SINH"),
    ("", "Họ, chữ đệm, tên: Nguyễn Thị Minh Ánh — ỹ ẵ ự ₫ “ngoặc” …"),
    ("", "Nơi cư trú: 12 ngõ 45 Kim Mã, phường Ba Đình, Hà Nội"),
]


#: Latin beyond Vietnamese: the document is cut from the common glyphs.
LATIN = [("", "Łódź, Straße, Ærøskøbing, Ñandú")]
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


@pytest.mark.parametrize(
    "lines",
    [TEXT, TEXT + LATIN, TEXT + OTHER_SCRIPTS],
    ids=["prepared", "common", "other scripts"],
)
def test_the_parsed_font_draws_what_add_font_draws(lines: list[tuple[str, str]]) -> None:
    assert all(ord(c) in PREPARED for _, text in TEXT for c in text)
    assert ord("Ł") not in PREPARED and ord("Ł") in COMMON
    assert ord("Ω") not in COMMON and ord("Ж") not in COMMON
    expected = _plain(lines)
    for _ in range(3):  # the shared font is not changed by the documents made with it
        made = _write(Document("x"), lines)
        assert _pages(made) == _pages(expected)
        assert [p.extract_text() for p in PdfReader(io.BytesIO(made)).pages] == [
            p.extract_text() for p in PdfReader(io.BytesIO(expected)).pages
        ]


def _font_files(data: bytes) -> list[bytes]:
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    return [
        font.get_object()["/DescendantFonts"][0]["/FontDescriptor"]["/FontFile2"].get_data()
        for font in fonts.values()
    ]


def test_documents_in_prepared_characters_embed_the_same_fonts() -> None:
    """Built once, copied into each document: two different texts, the same font files."""
    first = _write(Document("x"), [("B", "GIẤY KHAI SINH"), ("", "Nguyễn Văn An")])
    second = _write(Document("x"), [("B", "Về việc"), ("", "Trần Thị Bình — “Hà Nội”")])
    assert _font_files(first) == _font_files(second)
    latin = _write(Document("x"), TEXT + LATIN)
    assert _font_files(latin) != _font_files(first)  # cut for its own characters


class _EveryLineBroken(Document):
    one_line_cells = False  # fpdf2's multi_cell and write for every line


def _blocks(pdf: Document) -> list[bytes]:
    """Headings, centred lines, fields, a paragraph that wraps, lines of a block that fit and
    one that does not, in a narrow column and on a second page."""
    long = "Văn bản được ký số bởi cơ quan cấp và gắn dấu thời gian; " * 3
    pdf.heading("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", size=15)
    pdf.centred("Độc lập - Tự do - Hạnh phúc", bold=True)
    pdf.line_of_text("Chứng nhận việc đăng ký khai sinh cho người có tên dưới đây:")
    pdf.line_of_text(long)
    for n in range(30):
        pdf.field("Họ, chữ đệm, tên", f"Nguyễn Thị Minh Ánh {n}")
    pdf.field("Nơi sinh", long)
    pdf.set_xy(58, pdf.get_y() + 2)
    pdf.set_font("DejaVu", size=9)
    pdf.text_block(132, 5, f"Mã xác thực: ABC123\n\nTra cứu tại:\n{long}\nHết.")
    pdf.set_x(95)
    pdf.text_block(95, 6, "Ủy ban nhân dân phường Ba Đình", align="C", new_x="LMARGIN")
    data = pdf.to_bytes()
    return [page.get_contents().get_data() for page in PdfReader(io.BytesIO(data)).pages]


def test_lines_drawn_as_cells_are_drawn_as_fpdf2_breaks_them() -> None:
    drawn = _blocks(Document("x"))
    assert len(drawn) == 2
    assert drawn == _blocks(_EveryLineBroken("x"))
