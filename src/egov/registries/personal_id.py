"""Số định danh cá nhân: the 12-digit personal ID number and what its digits say.

Layout (Decree 137/2015/NĐ-CP art. 7, detailed by Circular 59/2021/TT-BCA):

    PPP G YY SSSSSS
    │   │ │  └─ 6 digits: a sequence ("số ngẫu nhiên") within the first six digits
    │   │ └──── 2 digits: the last two digits of the year of birth
    │   └────── 1 digit: century of birth and sex, 0/1 male/female 1900–1999, 2/3 2000–2099,
    │           4/5 2100–2199, 6/7 2200–2299, 8/9 2300–2399
    └────────── 3 digits: code of the province where the birth was registered

[U] The province codes are the three-digit form of the pre-2025 administrative codes of the 63
provinces (Decision 124/2004/QĐ-TTg), as used by many independent implementations; they were not
checked against the annex of the circular itself. Numbers already issued keep their code after
the 2025 merger of provinces; which codes births registered after it carry is not modelled [U].
"""

from typing import NamedTuple

from .models import Sex

#: The province (pre-2025, 63 of them) where a birth was registered, by its three-digit code [U].
PROVINCES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "TP. Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

FIRST_YEAR, LAST_YEAR = 1900, 2399  # the years the century digit can express
MAX_SEQUENCE = 999_999


class PersonalId(NamedTuple):
    """What a personal ID number says about its holder."""

    province_code: str
    sex: str  # a Sex value
    birth_year: int
    sequence: int

    @property
    def century(self) -> int:
        """The first year of the century of birth (1900, 2000, …)."""
        return self.birth_year - self.birth_year % 100


def sex_century_digit(sex: str, birth_year: int) -> int:
    """The fourth digit: two per century from 1900, the even one for men."""
    return 2 * (birth_year // 100 - 19) + (sex == Sex.FEMALE)


def encode_personal_id(province_code: str, sex: str, birth_year: int, sequence: int) -> str:
    """The number of a person born in ``birth_year`` and registered in ``province_code``."""
    if province_code not in PROVINCES:
        raise ValueError(f"unknown province code {province_code!r}")
    if sex not in Sex.values:
        raise ValueError(f"unknown sex {sex!r}")
    if not FIRST_YEAR <= birth_year <= LAST_YEAR:
        raise ValueError(f"a birth year from {FIRST_YEAR} to {LAST_YEAR}, not {birth_year}")
    if not 0 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"a sequence from 0 to {MAX_SEQUENCE}, not {sequence}")
    digit = sex_century_digit(sex, birth_year)
    return f"{province_code}{digit}{birth_year % 100:02d}{sequence:06d}"


def decode_personal_id(personal_id: str) -> PersonalId:
    """Read a number's province code, sex, year of birth and sequence; ValueError when it is not
    12 digits or names no known province."""
    if len(personal_id) != 12 or not personal_id.isascii() or not personal_id.isdigit():
        raise ValueError("a personal ID number has exactly 12 digits")
    province_code = personal_id[:3]
    if province_code not in PROVINCES:
        raise ValueError(f"unknown province code {province_code!r}")
    digit = int(personal_id[3])
    return PersonalId(
        province_code=province_code,
        sex=Sex.FEMALE.value if digit % 2 else Sex.MALE.value,
        birth_year=FIRST_YEAR + 100 * (digit // 2) + int(personal_id[4:6]),
        sequence=int(personal_id[6:]),
    )
