"""PDF documents with correct Vietnamese text: fpdf2 with an embedded DejaVu Sans font.

Parsing a TrueType font is most of the cost of a short document (the glyph widths, the cmap and
the glyph names of DejaVu's 6,000 glyphs: about 60 of 95 ms). Each font is parsed once per
process (:func:`_parsed`); a document gets a copy that shares what never changes (widths, cmap,
descriptor) and has its own subset and its own lazily-read ``TTFont``, which the subsetter
trims when the document is written.

Subsetting is then most of what is left: fontTools reads the outlines of every glyph it is
given. So each font is also cut once per process to the glyphs of Vietnamese and English text
(:data:`COMMON`, about a tenth of DejaVu), and a document whose characters all lie there is
subset from that small font instead of the whole one: the same glyphs, drawn the same. Any other
character (Greek, Cyrillic, a symbol) sends the document back to the whole font.

Most documents need less still: their text is Vietnamese (:data:`PREPARED`, about 300
characters). Every document starts with those glyphs already given their codes, in one order,
so a document that uses no other character embeds exactly the same font objects as any other:
they are subset, compressed and built once per process (:class:`_Output`) and copied into each
document. Such a file carries the whole Vietnamese alphabet of both fonts and costs no
subsetting at all. The cut fonts carry no TrueType hinting instructions, which PDF viewers do
not run (the pages render the same, pixel for pixel): a result certificate is 34 KB, as it
was subset per document with them; a one-line document is 32 KB instead of 14."""

import copy
import functools
import zlib
from io import BytesIO
from pathlib import Path
from typing import Any

from fontTools import subset, ttLib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import OutputProducer
from fpdf.syntax import Name, PDFContentStream

FONTS = Path(__file__).parent / "fonts"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}

# Latin with every Vietnamese letter (Latin-1, Extended-A and -B, Extended Additional), the
# combining marks, general punctuation, and the dong, euro and numero signs.
COMMON = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),
    *range(0x300, 0x370),
    *range(0x1E00, 0x1F00),
    *range(0x2000, 0x2070),
    0x20AB,
    0x20AC,
    0x2116,
]

_VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)
#: What Vietnamese and English documents are written with: ASCII, the Vietnamese letters, and the
#: usual signs (no-break space, section, degree, multiplication, dashes, quotes, ellipsis,
#: per mille, dong, euro, numero).
PREPARED = [
    *range(0x20, 0x7F),
    *sorted({ord(c) for c in _VIETNAMESE + _VIETNAMESE.upper()} - set(range(0x7F))),
    *(0xA0, 0xA7, 0xA9, 0xAB, 0xB0, 0xB1, 0xB2, 0xB3, 0xB7, 0xBB, 0xBD, 0xD7),
    *(0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x2030),
    *(0x20AB, 0x20AC, 0x2116),
]


@functools.cache
def _parsed(path: Path, style: str) -> tuple[TTFFont, bytes, list[str]]:
    """The font parsed once: fpdf2's font object, the file's bytes and its glyph order."""
    font = TTFFont(FPDF(), path, f"dejavu{style}", style)
    return font, path.read_bytes(), font.ttfont.getGlyphOrder()


@functools.cache
def _common(path: Path, style: str) -> tuple[bytes, list[str], frozenset[str]]:
    """The font cut to the glyphs of :data:`COMMON`: its bytes, glyph order and glyph names."""
    parsed, data, glyph_order = _parsed(path, style)
    ttfont = ttLib.TTFont(BytesIO(data), recalcTimestamp=False, lazy=True)
    ttfont.setGlyphOrder(glyph_order)
    # Only what fpdf2's own subsetter would drop is dropped, so that cutting this font again
    # for a document keeps exactly what cutting the whole font keeps.
    options = subset.Options(
        notdef_outline=True, recommended_glyphs=True, glyph_names=True, hinting=False
    )
    options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=[parsed.cmap[code] for code in COMMON if code in parsed.cmap])
    subsetter.subset(ttfont)
    out = BytesIO()
    ttfont.save(out)
    order = ttfont.getGlyphOrder()
    return out.getvalue(), order, frozenset(order)


@functools.cache
def _prepared(path: Path, style: str) -> SubsetMap:
    """The font's subset map with every character of :data:`PREPARED` given its code, by
    width: the font's width table then holds one entry per run of equal widths instead of one
    number per glyph (PDF readers, and egov's own check of uploads, parse every number)."""
    parsed = _parsed(path, style)[0]
    prepared = SubsetMap(parsed)
    for code in sorted(PREPARED, key=lambda code: (parsed.cw[code], code)):
        prepared.pick(code)
    return prepared


def _prepared_copy(font: TTFFont, prepared: SubsetMap) -> SubsetMap:
    subset_map = SubsetMap(font)
    subset_map._char_id_per_glyph = dict(prepared._char_id_per_glyph)
    subset_map._next = prepared._next
    subset_map._reserved = list(prepared._reserved)
    return subset_map


#: The font objects of a document that used only prepared characters, as fpdf2 built them once,
#: by the keys of the document's fonts: the objects in order, and each font's index among them.
_RECORDED: dict[tuple[str, ...], tuple[list[Any], dict[int, int]]] = {}


class _Output(OutputProducer):
    """fpdf2's writer, which copies the font objects it recorded for the prepared characters
    instead of subsetting and compressing the fonts again."""

    def _add_fonts(self, *args: Any) -> Any:
        prepared = getattr(self.fpdf, "prepared", {})
        fonts = [
            font
            for font in sorted(self.fpdf.fonts.values(), key=lambda font: font.i)
            if isinstance(font, TTFFont) and _only_prepared(font, prepared)
        ]
        if len(fonts) != len(self.fpdf.fonts):
            return super()._add_fonts(*args)
        key = tuple(font.fontkey for font in fonts)
        if key not in _RECORDED:
            first = len(self.pdf_objs)
            by_index = super()._add_fonts(*args)
            added: list[Any] = self.pdf_objs[first:]
            for obj in added:  # fpdf2 leaves the fonts' ToUnicode maps plain; once is cheap
                if isinstance(obj, PDFContentStream) and obj.filter is None:
                    obj._contents = zlib.compress(obj._contents, 9)
                    obj.filter, obj.length = Name("FlateDecode"), len(obj._contents)
            positions = {i: added.index(obj) for i, obj in by_index.items()}
            _RECORDED[key] = copy.deepcopy(added), positions
            return by_index
        recorded, positions = _RECORDED[key]
        objects = copy.deepcopy(recorded)
        for obj in objects:
            self._add_pdf_obj(obj, "fonts")
        for font in fonts:  # what fpdf2 does once a font is written
            font.subset.pick.cache_clear()
            font.subset.get_glyph.cache_clear()
            font.close()
        return {i: objects[position] for i, position in positions.items()}


def _only_prepared(font: TTFFont, prepared: dict[str, SubsetMap]) -> bool:
    """Whether ``font`` was given no character beyond the prepared ones (the map only grows)."""
    return (
        font.fontkey in prepared
        and len(font.subset) == len(prepared[font.fontkey])
        and not font.missing_glyphs
    )


class Document(FPDF):
    """An A4 page set up with the Unicode font (regular ``""`` and bold ``"B"``)."""

    #: Lines that fit drawn as cells (see :meth:`text_block`); off, fpdf2 breaks every line.
    one_line_cells = True

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        #: Each font's subset map as every document starts it (see :class:`_Output`).
        self.prepared: dict[str, SubsetMap] = {}
        self.set_title(title)
        self.set_creator("egov")
        for style, path in FONT_FILES.items():
            self._add_parsed_font(path, style)
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
        self.prepared[font.fontkey] = _prepared(path, style)
        font.subset = _prepared_copy(font, self.prepared[font.fontkey])
        self.fonts[f"dejavu{style}"] = font

    def text_block(
        self,
        w: float,
        h: float,
        text: str,
        align: str = "J",
        new_x: str = "RIGHT",
        new_y: str = "NEXT",
    ) -> None:
        """fpdf2's ``multi_cell(w, h, text, align=…, new_x=…, new_y=…)``, each line that fits
        drawn as a cell of its own: fpdf2 measures a line again for every character it adds
        (quadratic in its length; half of a certificate's drawing time), and a line that fits
        needs no breaking. A line that does not fit is broken by fpdf2. Drawn the same either
        way (tests/core/test_pdf.py compares the page contents byte for byte)."""
        if w == 0:
            w = self.w - self.r_margin - self.x
        room = w - 2 * self.c_margin
        lines = self.normalize_text(text).replace("\r", "").split("\n")
        for n, line in enumerate(lines):
            x, y = (new_x, new_y) if n == len(lines) - 1 else ("LEFT", "NEXT")
            if self.one_line_cells and line and self.get_string_width(line) <= room:
                self.cell(w, h, line, align="L" if align == "J" else align, new_x=x, new_y=y)
            else:
                self.multi_cell(w, h, line, align=align, new_x=x, new_y=y)

    def label(self, h: float, text: str) -> None:
        """fpdf2's ``write(h, text)`` of a short text on the current line (see :meth:`text_block`)."""
        room = self.w - self.r_margin - self.x
        if self.one_line_cells and "\n" not in text and self.get_string_width(text) <= room:
            self.cell(room, h, text, new_x=XPos.WCONT, new_y=YPos.TOP)
        else:
            self.write(h, text)

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font("DejaVu", "B", size)
        self.text_block(0, 7, text, align="C", new_x="LMARGIN")
        self.set_font("DejaVu", size=11)

    def centred(self, text: str, bold: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", 11)
        self.text_block(0, 6, text, align="C", new_x="LMARGIN")
        self.set_font("DejaVu", size=11)

    def line_of_text(self, text: str) -> None:
        self.text_block(0, 6, text, new_x="LMARGIN")

    def field(self, label: str, value: str) -> None:
        self.set_font("DejaVu", "B", 11)
        self.label(6, f"{label}: ")
        self.set_font("DejaVu", size=11)
        self.text_block(0, 6, value, new_x="LMARGIN")

    def to_bytes(self) -> bytes:
        for style, path in FONT_FILES.items():
            font = self.fonts[f"dejavu{style}"]
            assert isinstance(font, TTFFont)
            data, glyph_order, names = _common(path, style)
            if names.issuperset(font.subset.get_all_glyph_names()):
                # The glyphs' own boxes are kept as they are; only the font-wide maxima are not
                # recomputed for the subset (they stay those of the whole font: still bounds),
                # which spares expanding every outline again.
                ttfont = ttLib.TTFont(
                    BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True
                )
                ttfont.setGlyphOrder(glyph_order)
                font.ttfont = ttfont
        return bytes(self.output(output_producer_class=_Output))
