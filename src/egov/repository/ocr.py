"""Reading a scan: OCRmyPDF (with Tesseract's Vietnamese model, Debian's ``tesseract-ocr-vie``)
makes a scanned PDF or image a searchable PDF/A and gives its text.

OCRmyPDF runs as a separate program (``OCR_COMMAND``), killed after ``OCR_TIMEOUT`` seconds:
a stuck or crashing reader never takes the worker with it, and a machine without it (the
program missing) still files scans, unread. ``make ocr`` installs the Debian packages.
"""

import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

log = logging.getLogger("egov.repository")

#: The DPI assumed for an image that does not say its own (a phone photo, a bare PNG).
DEFAULT_IMAGE_DPI = 300

#: ``on_progress(page, pages, stage)``: the page being read (1-based), of how many; stage
#: ``"reading"`` while pages are read, ``"finishing"`` while the PDF/A is written.
Progress = Callable[[int, int, str], None]

_PAGE_LINE = re.compile(r"^\s*(\d+)\s")
_SKIPPED = re.compile(r"\[OCR skipped on page")
SUFFIXES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


class OcrUnavailable(Exception):
    """The scan could not be read: ``reason`` is ``missing`` (no OCR program on this machine),
    ``timeout`` (longer than OCR_TIMEOUT) or ``failed`` (the program refused or crashed)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Reading:
    """A read scan: the searchable PDF/A, its text and its number of pages."""

    pdf: bytes
    text: str
    pages: int


def command() -> str | None:
    """The OCR program's path, or None when this machine has none."""
    return shutil.which(settings.OCR_COMMAND)


def available() -> bool:
    return command() is not None


def _pages_of(data: bytes, content_type: str) -> int:
    if content_type != "application/pdf":
        return 1
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def _image_dpi(path: Path) -> int | None:
    from PIL import Image

    with Image.open(path) as image:
        dpi = image.info.get("dpi")
    return round(dpi[0]) if dpi and dpi[0] and dpi[0] > 10 else None


def _arguments(binary: str, source: Path, target: Path, sidecar: Path, image: bool) -> list[str]:
    arguments = [
        binary,
        "--language",
        settings.OCR_LANGUAGES,
        "--output-type",
        "pdfa",
        "--sidecar",
        str(sidecar),
        "--rotate-pages",  # a page scanned upside down or sideways (Tesseract reads a page
        # a few degrees off the glass as it is: --deskew cost a third more time for nothing)
        "--skip-text",  # a page that already has text (a printed PDF) is kept as it is
        "--jobs",
        "1",
        "--optimize",
        "0",  # -O 1 saved 8 % of the PDF/A's size for twice the time on a loaded machine
    ]
    if image and _image_dpi(source) is None:
        arguments += ["--image-dpi", str(DEFAULT_IMAGE_DPI)]
    return [*arguments, str(source), str(target)]


def _text_of(pdf: bytes) -> str:
    """The text layer of a PDF (pages OCRmyPDF skipped because they already had text)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        parts = []
        for page in document:
            textpage = page.get_textpage()
            parts.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
        return "\f".join(parts)
    finally:
        document.close()


def _follow(process: subprocess.Popen[str], pages: int, latest: list[tuple[int, int, str]]) -> None:
    """Turn OCRmyPDF's log lines (a page number first, when about a page) into progress steps,
    appended to ``latest`` (read by the caller's thread, which alone writes to the database)."""
    assert process.stderr is not None
    seen = 0
    for line in process.stderr:
        match = _PAGE_LINE.match(line)
        if match and seen < int(match.group(1)) <= pages:
            seen = int(match.group(1))
            latest.append((seen, pages, "reading"))
        elif line.startswith("Postprocessing"):
            latest.append((pages, pages, "finishing"))


def _wait(
    process: subprocess.Popen[str],
    latest: list[tuple[int, int, str]],
    on_progress: Progress | None,
) -> int:
    """The program's exit code; progress reported as it comes; killed (its whole process
    group) past OCR_TIMEOUT."""
    deadline = time.monotonic() + settings.OCR_TIMEOUT
    reported = 0
    while True:
        try:
            return process.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise OcrUnavailable("timeout", f"{settings.OCR_TIMEOUT} s") from None
        finally:
            if on_progress is not None and len(latest) > reported:
                reported = len(latest)
                on_progress(*latest[reported - 1])


def make_searchable(data: bytes, content_type: str, on_progress: Progress | None = None) -> Reading:
    """The scan as a searchable PDF/A with its text; raises OcrUnavailable when it cannot be
    read (never leaves the program running)."""
    binary = command()
    if binary is None:
        raise OcrUnavailable("missing", settings.OCR_COMMAND)
    pages = _pages_of(data, content_type)
    with tempfile.TemporaryDirectory(prefix="egov-ocr-") as folder:
        source = Path(folder) / f"scan{SUFFIXES.get(content_type, '.pdf')}"
        target, sidecar = Path(folder) / "searchable.pdf", Path(folder) / "text.txt"
        source.write_bytes(data)
        arguments = _arguments(binary, source, target, sidecar, content_type != "application/pdf")
        process = subprocess.Popen(  # noqa: S603 - a fixed program, arguments built above
            arguments,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group, killed whole on timeout
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # one core per reading
        )
        latest: list[tuple[int, int, str]] = []
        follower = threading.Thread(target=_follow, args=(process, pages, latest), daemon=True)
        follower.start()
        try:
            returncode = _wait(process, latest, on_progress)
        finally:
            follower.join(timeout=5)
        if returncode != 0 or not target.exists():
            raise OcrUnavailable("failed", f"exit {returncode}")
        pdf = target.read_bytes()
        text = sidecar.read_text(errors="replace") if sidecar.exists() else ""
    if _SKIPPED.search(text):
        text = _text_of(pdf)
    return Reading(pdf=pdf, text=text, pages=pages)
