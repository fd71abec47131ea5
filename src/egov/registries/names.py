"""Vietnamese names for the synthetic population, with rough frequencies.

Family-name shares follow the figures usually quoted for Vietnam (Nguyễn about 38 %, Trần 11 %,
Lê 9.5 %, Phạm 7 %, Hoàng/Huỳnh 5 %, Phan 4.5 %, Vũ/Võ 4 %, …) [U: secondary sources, rounded].
Hoàng and Vũ are the northern forms of Huỳnh and Võ; the generator picks the form by region.
Middle and given names are common ones; their weights are invented for plausibility [U].
"""

#: (family name, weight in per mille); "Hoàng" and "Vũ" stand for both regional forms.
FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 71),
    ("Hoàng", 51),
    ("Phan", 45),
    ("Vũ", 39),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Trương", 8),
    ("Đinh", 8),
    ("Đoàn", 7),
    ("Lâm", 6),
    ("Mai", 6),
    ("Trịnh", 6),
    ("Cao", 5),
    ("Lương", 5),
    ("Hà", 5),
    ("Tạ", 3),
    ("Chu", 3),
    ("Tô", 3),
    ("Quách", 2),
    ("Thái", 2),
    ("Văn", 2),
    ("La", 1),
)

#: The southern and central forms of two northern family names.
SOUTHERN_FORMS = {"Hoàng": "Huỳnh", "Vũ": "Võ"}

#: Middle names ("tên đệm") by sex, for people born before 1980 and from 1980 on: Văn and Thị
#: were the usual middle names of older generations and are much rarer among younger ones [U].
MIDDLE_NAMES: dict[str, tuple[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]] = {
    "male": (
        (
            ("Văn", 55),
            ("Đức", 8),
            ("Minh", 6),
            ("Quang", 6),
            ("Hữu", 6),
            ("Công", 5),
            ("Xuân", 4),
            ("Ngọc", 4),
            ("Thành", 3),
            ("Đình", 3),
        ),
        (
            ("Văn", 15),
            ("Minh", 14),
            ("Đức", 12),
            ("Quang", 8),
            ("Anh", 8),
            ("Hoàng", 7),
            ("Gia", 7),
            ("Quốc", 7),
            ("Tuấn", 5),
            ("Thành", 5),
            ("Hữu", 4),
            ("Bảo", 4),
            ("Ngọc", 4),
        ),
    ),
    "female": (
        (
            ("Thị", 65),
            ("Ngọc", 6),
            ("Thu", 6),
            ("Thanh", 6),
            ("Kim", 5),
            ("Hồng", 4),
            ("Minh", 4),
            ("Thúy", 4),
        ),
        (
            ("Thị", 18),
            ("Ngọc", 10),
            ("Thu", 9),
            ("Thanh", 9),
            ("Phương", 8),
            ("Minh", 8),
            ("Bảo", 7),
            ("Khánh", 7),
            ("Thùy", 7),
            ("Mai", 6),
            ("Hà", 6),
            ("Diệu", 5),
        ),
    ),
}

#: Given names ("tên") by sex, each as likely as the next.
GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "male": (
        "An", "Anh", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Giang", "Hải", "Hiếu",
        "Hoàng", "Hùng", "Huy", "Khải", "Khang", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Lộc",
        "Mạnh", "Minh", "Nam", "Nghĩa", "Nhân", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài",
        "Tâm", "Thắng", "Thành", "Thịnh", "Tiến", "Toàn", "Trung", "Tuấn", "Tùng", "Việt",
        "Vinh", "Vũ",
    ),
    "female": (
        "An", "Anh", "Bích", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
        "Hồng", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga",
        "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thu", "Thủy",
        "Trang", "Trâm", "Tuyết", "Uyên", "Vân", "Vy", "Yến",
    ),
}  # fmt: skip
