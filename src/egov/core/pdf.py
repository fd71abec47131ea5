"""PDF documents with correct Vietnamese text: fpdf2 with an embedded DejaVu Sans font.

Parsing a TrueType font is most of the cost of a short document (the glyph widths, the cmap and
the glyph names of DejaVu's 6,000 glyphs: about 60 of 95 ms). Each font is parsed once per
process (:func:`_parsed`); a document gets a copy that shares what never changes (widths, cmap,
descriptor) and has its own subset and its own lazily-read ``TTFont``, which the subsetter
trims when the document is written."""

import copy
import functools
from io import BytesIO
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONTS = Path(__file__).parent / "fonts"


@functools.cache
def _parsed(path: Path, style: str) -> tuple[TTFFont, bytes, list[str]]:
    """The font parsed once: fpdf2's font object, the file's bytes and its glyph order."""
    font = TTFFont(FPDF(), path, f"dejavu{style}", style)
    return font, path.read_bytes(), font.ttfont.getGlyphOrder()


class Document(FPDF):
    """An A4 page set up with the Unicode font (regular ``""`` and bold ``"B"``)."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_title(title)
        self.set_creator("egov")
        self._add_parsed_font(FONTS / "DejaVuSans.ttf", "")
        self._add_parsed_font(FONTS / "DejaVuSans-Bold.ttf", "B")
        self.set_margins(20, 18, 20)
        self.add_page()
        self.set_font("DejaVu", size=11)

    def _add_parsed_font(self, path: Path, style: str) -> None:
        """``add_font("DejaVu", style, path)``, from the font parsed once."""
        parsed, data, glyph_order = _parsed(path, style)
        font = copy.copy(parsed)
        font.i = len(self.fonts) + 1
        font.biggest_size_pt = 0
        font.missing_glyphs = []
        ttfont = ttLib.TTFont(BytesIO(data), recalcTimestamp=False, lazy=True)
        ttfont.setGlyphOrder(glyph_order)
        font.ttfont = ttfont
        font.subset = SubsetMap(font)
        self.fonts[f"dejavu{style}"] = font

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, 7, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", size=11)

    def centred(self, text: str, bold: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", 11)
        self.multi_cell(0, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", size=11)

    def line_of_text(self, text: str) -> None:
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    def field(self, label: str, value: str) -> None:
        self.set_font("DejaVu", "B", 11)
        self.write(6, f"{label}: ")
        self.set_font("DejaVu", size=11)
        self.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")

    def to_bytes(self) -> bytes:
        return bytes(self.output())
