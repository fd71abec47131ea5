"""What a read scan says about itself: its number (số, ký hiệu), issuer (cơ quan ban hành, nơi
cấp) and issue date (ngày … tháng … năm …, or dd/mm/yyyy), found by rules in the text OCR gives.

The rules follow how Vietnamese documents are laid out (Nghị định 30/2020/NĐ-CP, Phụ lục I; the
civil-status forms of Thông tư 04/2020/TT-BTP): the issuing agency top left with "Số: …" under
it, the national name and motto top right, the place and date "…, ngày 05 tháng 6 năm 2026",
the agency again above the signature. OCR loses or confuses diacritics now and then, so the
rules match on text folded to plain letters (``fold``), and take the words from the original.
What they find is a proposal: the receiving official confirms or corrects it before filing.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from egov.catalog import document_types


@dataclass(frozen=True)
class Extracted:
    """The fields a scan's text proposes; empty when not found."""

    number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    document_type: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "number": self.number,
            "issuer": self.issuer,
            "issued_on": self.issued_on.isoformat() if self.issued_on else "",
            "document_type": self.document_type,
        }


def _base(character: str) -> str:
    if character in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", character)[:1].lower()
    return base if len(base) == 1 else character


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one (positions stay those of
    ``text``, which must be NFC): "Ủy ban, ngày" -> "uy ban, ngay"."""
    return "".join(_base(c) for c in text)


def _key(value: str) -> str:
    return " ".join(re.findall(r"\w+", fold(unicodedata.normalize("NFC", value))))


def same_text(left: str, right: str) -> bool:
    """Equal once case, diacritics and punctuation are set aside (how an extracted field is
    compared with what the official confirms)."""
    return _key(left) == _key(right)


# --- number -------------------------------------------------------------------------------------

# "Số: 123/QĐ-UBND", "Số, ký hiệu: …", "Số hiệu: …", "Số/No.: …", "Ký hiệu: …". Capital S only:
# "Thửa đất số: 12", "Tờ bản đồ số: 3" are fields, and so is "Số định danh cá nhân: …" (words
# between "Số" and the colon).
_NUMBER = re.compile(
    r"(?:^|(?<=\s))(?:S[ôốồổ6o]|So)\s*(?:,?\s*k[ýy] hi[êệe]u|hi[êệe]u|/\s*No\.?)?\s*[:：]\s*(?P<rest>.+)"
    r"|(?:^|(?<=\s))K[ýy] hi[êệe]u\s*[:：]\s*(?P<rest2>.+)"
)
_CODE = re.compile(r"[0-9A-Za-zÀ-ỹĐđ][0-9A-Za-zÀ-ỹĐđ./\-_]*")


def _number(lines: list[str]) -> tuple[str, int]:
    """The document's number and the index of its line (-1 when none)."""
    for index, line in enumerate(lines):
        match = _NUMBER.search(line)
        if not match:
            continue
        rest = match.group("rest") or match.group("rest2") or ""
        rest = re.split(r"\s{3,}|,\s", rest)[0]  # the place and date may follow on the line
        rest = re.sub(r"\s*([/\-.])\s*", r"\1", rest.strip())
        code = _CODE.match(rest)
        if code:
            return code.group(0).rstrip(".-/"), index
    return "", -1


# --- issuer -------------------------------------------------------------------------------------

_LABELLED_ISSUER = re.compile(
    r"(?:co quan ban hanh|co quan cap|noi cap|don vi cap|cap boi)\s*[:：]\s*", re.IGNORECASE
)
#: What stands beside the issuer in the header and is not it (matched on folded text): the
#: national name and the motto (the right column: the rest of the line with them, however
#: little of them OCR read), the place and date.
_NOT_ISSUER = [
    re.compile(r"cong\s*hoa\s*xa\b.*$"),
    re.compile(r"doc\s*lap\b.*$"),
    re.compile(r"[^,]*,\s*ngay\b.*$"),
]


def _is_header_word(word: str) -> bool:
    """The agency's name is in capitals (Nghị định 30/2020, Phụ lục I): a word of it has
    letters, all upper case; the rule drawn under it, read by OCR, is not ("=—==--.", "tê")."""
    if word in {"-", "–"}:
        return True
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and word.upper() == word and len(letters) * 2 >= len(word)


def _cut(line: str) -> str:
    folded = fold(line)
    spans = [m.span() for pattern in _NOT_ISSUER for m in pattern.finditer(folded)]
    kept = "".join(c for i, c in enumerate(line) if not any(a <= i < b for a, b in spans))
    words = [word for word in kept.split() if _is_header_word(word)]
    return " ".join(words).strip(" .,;:-–—_")


def _issuer(lines: list[str], number_line: int, date_line: int) -> str:
    for line in lines:
        match = _LABELLED_ISSUER.search(fold(line))
        if match:
            return line[match.end() :].strip(" .,;:")
    header_end = number_line if number_line >= 0 else min(len(lines), 4)
    header = " ".join(part for part in (_cut(line) for line in lines[:header_end]) if part)
    # Above the signature the agency is written again, in ordinary case: prefer that reading
    # when the header is it, or it and a little more (OCR's reading of the rule under it).
    if date_line >= 0:
        below = next((line.strip() for line in lines[date_line + 1 :] if line.strip()), "")
        whole, part = _key(header), _key(below)
        if below and (
            not header or (f"{whole} ".startswith(f"{part} ") and len(part) >= 0.8 * len(whole))
        ):
            return below
    return header


# --- issue date --------------------------------------------------------------------------------

_WRITTEN_DATE = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_LABELLED_DATE = re.compile(
    r"(?:ngay cap|cap ngay|ngay ban hanh|ngay ky)\s*[:：]?\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})"
)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})(?!\d)")
#: Dates on such lines are somebody's birth or a validity, not the issue date.
_OTHER_DATES = re.compile(r"sinh|het han|gia tri|den ngay|tu ngay")


def _valid(day: str, month: str, year: str, today: date) -> date | None:
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if date(1900, 1, 1) <= found <= today else None


def _issued_on(lines: list[str], today: date) -> tuple[date | None, int]:
    folded = [fold(line) for line in lines]
    for pattern, skip_others in (
        (_WRITTEN_DATE, True),
        (_LABELLED_DATE, False),
        (_NUMERIC_DATE, True),
    ):
        for index, line in enumerate(folded):
            if skip_others and _OTHER_DATES.search(line):
                continue
            for match in pattern.finditer(line):
                day, month, year = match.groups()
                found = _valid(day, month, year, today)
                if found:
                    return found, index
    return None, -1


# --- document type -------------------------------------------------------------------------------


def _document_type(text: str, candidates: Iterable[str]) -> str:
    """The accepted type whose legal name the text carries (the longest name first)."""
    folded = re.sub(r"\s+", " ", fold(text))
    named = []
    for code in candidates:
        known = document_types.document_type(code)
        if known:
            named.append((len(known.name), code, fold(known.name)))
    for _length, code, name in sorted(named, reverse=True):
        if name in folded:
            return code
    return ""


def extract(text: str, today: date, candidates: Iterable[str] = ()) -> Extracted:
    """Number, issuer, issue date (not after ``today``) and, among ``candidates``, the
    document type that the text of a read scan proposes."""
    lines = [line.strip() for line in unicodedata.normalize("NFC", text).splitlines()]
    lines = [line for line in lines if line]
    number, number_line = _number(lines)
    issued_on, date_line = _issued_on(lines, today)
    return Extracted(
        number=number[:100],
        issuer=_issuer(lines, number_line, date_line)[:255],
        issued_on=issued_on,
        document_type=_document_type(text, candidates),
    )
