"""Uploads with active content or a second identity (polyglots) are refused, in Vietnamese;
plain documents and images still pass. PDFs are read by qpdf, and by pyHanko's reader when qpdf
reads them only by repairing them: the PDF cases run with both readers."""

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

from egov.core import files
from egov.core.files import read_checked_upload
from egov.core.pdf import Document
from tests.conftest import pdf_bytes, png_bytes


@pytest.fixture(params=["qpdf", "pyhanko"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which reader walks the PDF: qpdf, or pyHanko's as for a file qpdf has to repair."""
    if request.param == "pyhanko":
        monkeypatch.setattr(files, "_active_content_qpdf", lambda data: None)
    return str(request.param)


def check(data: bytes, name: str = "giay-to.pdf") -> tuple[bytes, str]:
    return read_checked_upload(io.BytesIO(data), name, len(data))


def refusal(data: bytes, name: str = "giay-to.pdf") -> str:
    with translation.override("vi"), pytest.raises(ValidationError) as excinfo:
        check(data, name)
    message = str(excinfo.value.messages[0])
    assert name in message
    return message


def crafted(change: Callable[[PdfWriter], None]) -> bytes:
    """A genuine PDF with one change made by ``change``."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes("Tờ khai"))))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action(action: dict[str, Any]) -> Callable[[PdfWriter], None]:
    def change(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(k): v for k, v in action.items()}
        )

    return change


def _javascript_open_action(writer: PdfWriter) -> None:
    _open_action({"/S": NameObject("/JavaScript"), "/JS": TextStringObject("app.alert(1)")})(writer)


def _launch(writer: PdfWriter) -> None:
    _open_action({"/S": NameObject("/Launch"), "/F": TextStringObject("cmd.exe")})(writer)


def _document_javascript(writer: PdfWriter) -> None:
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")}
    )
    names = ArrayObject([TextStringObject("chao"), writer._add_object(action)])
    tree = DictionaryObject({NameObject("/Names"): names})
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )


def _embedded_file(writer: PdfWriter) -> None:
    writer.add_attachment("hoa-don.exe", b"MZ\x90\x00 not really")


def _page_additional_action(writer: PdfWriter) -> None:
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): DictionaryObject(
                {NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): ArrayObject()}
            )
        }
    )


def _xfa_form(writer: PdfWriter) -> None:
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): TextStringObject("<xdp/>")}
    )


def _rich_media(writer: PdfWriter) -> None:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/RichMedia"),
            NameObject("/Rect"): ArrayObject(),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _javascript_link(writer: PdfWriter) -> None:
    _open_action({"/S": NameObject("/URI"), "/URI": TextStringObject("javascript:alert(1)")})(
        writer
    )


@pytest.mark.parametrize(
    "change",
    [
        _javascript_open_action,
        _launch,
        _document_javascript,
        _embedded_file,
        _page_additional_action,
        _xfa_form,
        _rich_media,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_a_pdf_with_active_content_is_refused(
    change: Callable[[PdfWriter], None], reader: str
) -> None:
    message = refusal(crafted(change))
    assert "nội dung chủ động" in message


def test_a_javascript_address_in_a_pdf_is_refused(reader: str) -> None:
    refusal(crafted(_javascript_link))


def test_an_escaped_name_does_not_hide_javascript(reader: str) -> None:
    """``/J#61vaScript`` is ``/JavaScript`` to a PDF reader."""
    data = crafted(_javascript_open_action).replace(b"/S /JavaScript", b"/S /J#61vaScript")
    assert b"J#61vaScript" in data
    refusal(data)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n",
        b"%PDF-1.7\n" + b"rac rac rac " * 40,
        pdf_bytes("Tờ khai") + b"\n<!DOCTYPE html><html><script>alert(1)</script></html>",
        pdf_bytes("Tờ khai")[:400],
    ],
    ids=["pdf-then-html", "not-a-pdf-body", "html-appended", "truncated"],
)
def test_a_polyglot_or_unparsable_pdf_is_refused(data: bytes, reader: str) -> None:
    refusal(data)


def test_content_before_the_pdf_header_is_refused() -> None:
    refusal(b"<html><script>alert(1)</script></html>\n" + pdf_bytes("Tờ khai"))


def test_a_plain_pdf_with_a_web_link_is_accepted(reader: str) -> None:
    pdf = Document("Tờ khai")
    pdf.heading("Tờ khai")
    pdf.cell(40, 10, "dichvucong.gov.vn", link="https://dichvucong.gov.vn/")
    data = pdf.to_bytes()
    assert check(data) == (data, "application/pdf")


def test_qpdf_reads_a_whole_pdf_and_leaves_a_damaged_one_to_pyhanko() -> None:
    whole = crafted(_javascript_open_action)
    assert files._active_content_qpdf(whole) == {"JS", "JavaScript"}
    assert files._active_content_qpdf(pdf_bytes("Tờ khai")) == set()
    assert files._active_content_qpdf(pdf_bytes("Tờ khai")[:400]) is None  # repaired: no verdict
    # A file qpdf reads with its cross-reference table broken: pyHanko's reader has the verdict.
    broken = whole.replace(b"startxref", b"startxref\n0\n%%", 1)
    assert files._active_content_qpdf(broken) is None
    refusal(broken)


def test_the_refusal_is_in_vietnamese() -> None:
    message = refusal(crafted(_javascript_open_action))
    assert message.startswith("Tệp giay-to.pdf")


def _png_with_text(text: bytes) -> bytes:
    data = png_bytes()
    chunk = b"tEXt" + b"Comment\x00" + text
    extra = (
        struct.pack(">I", len(chunk) - 4)
        + chunk
        + struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    )
    return data[:33] + extra + data[33:]  # after the IHDR chunk


def test_a_png_carrying_html_is_refused() -> None:
    refusal(_png_with_text(b"<html><script>alert(1)</script></html>"), "anh.png")


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64,
        png_bytes()[:40],
        png_bytes()[:-8] + b"\x00" * 8,  # the IEND chunk's checksum broken
    ],
    ids=["jpeg-header-only", "png-truncated", "png-bad-crc"],
)
def test_an_image_that_does_not_decode_is_refused(data: bytes) -> None:
    refusal(data, "anh.jpg")


def test_real_images_are_accepted() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 80, 160)).save(out, format="JPEG")
    jpeg = out.getvalue()
    assert check(jpeg, "anh.jpg") == (jpeg, "image/jpeg")
    assert check(png_bytes(), "anh.png") == (png_bytes(), "image/png")
