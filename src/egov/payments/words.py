"""Amounts of money in Vietnamese words, as a receipt writes them ("Bằng chữ")."""

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
SCALES = ["", "nghìn", "triệu", "tỷ"]


def _three(n: int, full: bool) -> str:
    """Words for 0 < n < 1000; ``full`` spells leading zeros ("không trăm linh năm") as a group
    after a larger one must."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 5 and tens > 0:
            words.append("lăm")
        else:
            words.append(DIGITS[units])
    return " ".join(words)


def number_in_words(n: int) -> str:
    """``n`` (0 ≤ n) in Vietnamese words, e.g. 1_250_000 → "một triệu hai trăm năm mươi nghìn"."""
    if n < 0:
        raise ValueError("negative amount")
    if n == 0:
        return DIGITS[0]
    billions, rest = divmod(n, 10**9)
    prefix = f"{number_in_words(billions)} tỷ" if billions else ""
    groups = [rest // 10**6 % 1000, rest // 1000 % 1000, rest % 1000]
    words: list[str] = [prefix] if prefix else []
    for index, group in enumerate(groups):
        if not group:
            continue
        scale = SCALES[2 - index]
        words.append(_three(group, full=bool(words)) + (f" {scale}" if scale else ""))
    return " ".join(words)


def amount_in_words(n: int) -> str:
    """ "Bốn mươi nghìn đồng": capitalised, with the currency, as on a receipt."""
    text = f"{number_in_words(n)} đồng"
    return text[0].upper() + text[1:]
