"""PDF documents with correct Vietnamese text: fpdf2 with an embedded DejaVu Sans font."""

from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"


class Document(FPDF):
    """An A4 page set up with the Unicode font (regular ``""`` and bold ``"B"``)."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_title(title)
        self.set_creator("egov")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(20, 18, 20)
        self.add_page()
        self.set_font("DejaVu", size=11)

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
