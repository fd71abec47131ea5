"""A leaked copy names its source: each page of a restricted or confidential paper, downloaded,
carries the reader's name and the time, drawn into the page's own content (the whole file is
rewritten, so removing the last update does not remove the mark)."""

import io
from datetime import datetime

from django.utils import timezone
from fpdf import FPDF
from pypdf import PageObject, PdfReader, PdfWriter, Transformation

from egov.core.pdf import FONTS


def _stamp(text: str, width: float, height: float) -> bytes:
    """One page of the paper's size (points) with ``text`` across it in light grey, and once
    more at its foot."""
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_page()
    pdf.set_text_color(160, 160, 160)
    pdf.set_font("DejaVu", size=max(10, min(width, height) / 28))
    with pdf.rotation(35, x=width / 2, y=height / 2):
        pdf.set_xy(0, height / 2)
        pdf.cell(width, 20, text, align="C")
    pdf.set_font("DejaVu", size=7)
    pdf.set_xy(14, height - 18)
    pdf.cell(width - 28, 10, text)
    return bytes(pdf.output())


def label(reader_name: str, at: datetime | None = None) -> str:
    moment = timezone.localtime(at or timezone.now())
    return f"{reader_name} · {moment:%d/%m/%Y %H:%M}"


def watermarked(data: bytes, text: str) -> bytes:
    """``data`` (a PDF) with ``text`` on every page."""
    writer = PdfWriter(clone_from=io.BytesIO(data))
    stamps: dict[tuple[float, float], PageObject] = {}
    for page in writer.pages:
        box = page.mediabox
        size = (float(box.width), float(box.height))
        if size not in stamps:
            stamps[size] = PdfReader(io.BytesIO(_stamp(text, *size))).pages[0]
        page.merge_transformed_page(
            stamps[size], Transformation().translate(float(box.left), float(box.bottom))
        )
        page.compress_content_streams()
    writer.add_metadata({"/Subject": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
