"""Text helpers for Vietnamese: folding diacritics so 'dang ky khai sinh' finds 'Đăng ký khai sinh'."""

import re
import unicodedata

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Runs of 9 to 16 digits (spaces allowed inside): personal ID numbers, phone numbers, tax codes.
_DIGITS = re.compile(r"(?<![\w.-])\+?\d[\d ]{7,14}\d(?![\w.-])")


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics (đ becomes d)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def without_personal_data(text: str, mask: str = "[redacted]") -> str:
    """``text`` with e-mail addresses and long digit runs (ID numbers, phones, tax codes)
    masked: for log lines and for anything published."""
    return _DIGITS.sub(mask, _EMAIL.sub(mask, text))
