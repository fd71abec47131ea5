"""A leaked copy names its source: each page of a restricted or confidential paper, downloaded,
carries the reader's name and the time, drawn into the page's own content (the whole file is
rewritten, so removing the last update does not remove the mark)."""

import io
from datetime import datetime

import pypdfium2 as pdfium
from django.utils import timezone
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
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


def page_png(data: bytes, number: int, text: str = "", scale: float = 1.5) -> bytes:
    """Page ``number`` (from 1) of the PDF ``data`` as a PNG image, for the reader: any tablet
    shows an image, where a PDF plug-in may be missing. With ``text``, the reader's mark is drawn
    across the image and at its foot, as on a downloaded copy."""
    document = pdfium.PdfDocument(data)
    try:
        if not 1 <= number <= len(document):
            raise IndexError(number)
        image = document[number - 1].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    if text:
        _mark(image, text)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _mark(image: Image.Image, text: str) -> None:
    width, height = image.size
    size = max(14, min(width, height) // 28)
    font = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), size)
    band = Image.new("RGBA", (int(width * 1.2), size * 2), (0, 0, 0, 0))
    ImageDraw.Draw(band).text(
        (band.width // 2, size), text, font=font, fill=(160, 160, 160, 150), anchor="mm"
    )
    band = band.rotate(35, expand=True)
    image.paste(band, ((width - band.width) // 2, (height - band.height) // 2), band)
    small = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), max(10, size // 2))
    ImageDraw.Draw(image).text(
        (20, height - 20), text, font=small, fill=(120, 120, 120), anchor="ls"
    )
