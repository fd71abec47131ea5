"""Result documents drawn from a template per result document type (``result.document_type`` in
the procedure file), filled from the dossier, with the verification code and its QR code."""

import itertools
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import segno
from django.urls import reverse

from egov.catalog import document_types
from egov.core import calendar
from egov.core.pdf import Document
from egov.dossiers.models import Dossier

from . import addresses


@dataclass(frozen=True)
class ResultTemplate:
    """What one kind of result says: an opening sentence, and the form fields it shows (label,
    field name) in order; without fields, every field of the form is shown. Its title is the
    document type's name from the one table of names (``egov.catalog.document_types``)."""

    opening: str
    fields: tuple[tuple[str, str], ...] = ()
    closing: str = ""
    title: str = ""


TEMPLATES: dict[str, ResultTemplate] = {
    "GIAY_KHAI_SINH": ResultTemplate(
        "Chứng nhận việc đăng ký khai sinh cho người có tên dưới đây:",
        (
            ("Họ, chữ đệm, tên", "child_full_name"),
            ("Ngày, tháng, năm sinh", "child_birth_date"),
            ("Giới tính", "child_sex"),
            ("Dân tộc", "ethnicity"),
            ("Nơi sinh", "birth_place"),
            ("Họ, chữ đệm, tên người mẹ", "mother_full_name"),
            ("Họ, chữ đệm, tên người cha", "father_full_name"),
        ),
        "Đã được đăng ký khai sinh và ghi vào Sổ hộ tịch.",
    ),
    "GIAY_CN_DKHKD": ResultTemplate(
        "Chứng nhận hộ kinh doanh dưới đây đã đăng ký thành lập:",
        (
            ("Tên hộ kinh doanh", "business_name"),
            ("Địa chỉ trụ sở", "business_address"),
            ("Ngành, nghề kinh doanh", "business_lines"),
            ("Vốn kinh doanh (đồng)", "capital"),
            ("Số lượng lao động", "employees"),
            ("Chủ hộ kinh doanh", "owner_full_name"),
            ("Số định danh cá nhân", "owner_personal_id"),
            ("Nơi thường trú", "owner_address"),
        ),
    ),
    "PHIEU_LLTP": ResultTemplate(
        "Cấp cho người có tên dưới đây:",
        (
            ("Loại Phiếu", "card_type"),
            ("Họ, chữ đệm, tên", "full_name"),
            ("Tên gọi khác", "other_names"),
            ("Giới tính", "sex"),
            ("Ngày, tháng, năm sinh", "birth_date"),
            ("Nơi sinh", "birth_place"),
            ("Số định danh cá nhân", "personal_id"),
            ("Nơi thường trú", "address"),
            ("Mục đích sử dụng", "purpose"),
        ),
        "Tình trạng án tích: Không có án tích. "
        "Thông tin về cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp, hợp tác xã: Không.",
    ),
    "GIAY_PHEP_XAY_DUNG": ResultTemplate(
        "Cấp cho chủ đầu tư được phép xây dựng công trình nhà ở riêng lẻ như sau:",
        (
            ("Chủ đầu tư", "owner_full_name"),
            ("Địa điểm xây dựng", "site_address"),
            ("Thửa đất số", "parcel_number"),
            ("Tờ bản đồ số", "map_sheet"),
            ("Diện tích lô đất (m²)", "land_area"),
            ("Diện tích xây dựng tầng 1 (m²)", "building_footprint"),
            ("Tổng diện tích sàn (m²)", "total_floor_area"),
            ("Số tầng", "floors"),
            ("Chiều cao công trình (m)", "height"),
            ("Thời gian hoàn thành (tháng)", "completion_months"),
        ),
        "Giấy phép này có hiệu lực khởi công xây dựng trong thời hạn 12 tháng kể từ ngày cấp.",
    ),
}


def template_for(document_type: str, result_name: str) -> ResultTemplate:
    """The template of a result type, titled by the type's name; other types get a general one,
    titled by the procedure's result name when the type has no name."""
    template = TEMPLATES.get(
        document_type,
        ResultTemplate("Kết quả giải quyết thủ tục hành chính cho hồ sơ dưới đây:"),
    )
    known = document_types.document_type(document_type)
    title = known.name if known else result_name.split("(")[0].strip()
    return replace(template, title=(title or "Kết quả giải quyết thủ tục hành chính").upper())


def verification_url(code: str, base_url: str = "") -> str:
    """The page that verifies ``code``, under the address captured when the result was issued."""
    return (base_url or addresses.public_url()).rstrip("/") + reverse(
        "records:verify_code", args=[code]
    )


def _vietnamese_date(moment: datetime) -> str:
    day = moment.astimezone(calendar.VIETNAM)
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y") if len(value) == 10 else value
        except ValueError:
            return value
    return "" if value is None else str(value)


def _rows(template: ResultTemplate, dossier: Dossier) -> list[tuple[str, str]]:
    form = dossier.form_data or {}
    fields = template.fields
    if not fields:
        definition = dossier.procedure.definition["form"]
        properties = definition["schema"].get("properties", {})
        order = definition.get("ui", {}).get("order") or list(properties)
        fields = tuple((properties.get(name, {}).get("title", name), name) for name in order)
    return [
        (label, _value(form.get(name)))
        for label, name in fields
        if form.get(name) not in (None, "")
    ]


def _qr(pdf: Document, url: str, x: float, y: float, size: float) -> None:
    """The QR code drawn as vector rectangles (no image library), one per run of dark modules
    in a row: half as many drawing operations as one square per module, and no hairline seams
    between neighbouring squares when a viewer anti-aliases."""
    code = segno.make(url, error="m")
    matrix = code.matrix
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(matrix):
        for dark, run in itertools.groupby(enumerate(line), key=lambda cell: bool(cell[1])):
            if dark:
                columns = [column for column, _ in run]
                width = len(columns) * module
                pdf.rect(x + columns[0] * module, y + row * module, width, module, style="F")


#: The header's two columns (mm from the left edge of the A4 page), as on the official forms
#: (Thông tư 04/2020/TT-BTP; Nghị định 30/2020/NĐ-CP, Phụ lục I): the issuing agency with the
#: number under it on the left, the national name and motto on the right.
AGENCY_COLUMN = (20.0, 68.0)
NATION_COLUMN = (88.0, 102.0)
QR_SIZE = 32.0


def _centred_rule(pdf: Document, column: tuple[float, float], width: float) -> None:
    """The short line under the agency's name and under the motto."""
    left, column_width = column
    middle = left + column_width / 2
    y = pdf.get_y() + 1.2
    pdf.set_line_width(0.3)
    pdf.line(middle - width / 2, y, middle + width / 2, y)
    pdf.set_y(y + 1.5)


def _header(pdf: Document, agency_name: str, number: str) -> None:
    """Quốc hiệu, tiêu ngữ and the agency block, side by side, nothing drawn over anything."""
    top = pdf.get_y()
    left, width = AGENCY_COLUMN
    pdf.set_xy(left, top)
    pdf.set_font("DejaVu", "B", 10)
    pdf.text_block(width, 5, agency_name.upper(), align="C", new_x="LEFT", new_y="NEXT")
    _centred_rule(pdf, AGENCY_COLUMN, 20)
    pdf.set_x(left)
    pdf.set_font("DejaVu", size=10)
    pdf.text_block(width, 5, f"Số: {number}", align="C", new_x="LEFT", new_y="NEXT")
    agency_bottom = pdf.get_y()
    left, width = NATION_COLUMN
    pdf.set_xy(left, top)
    pdf.set_font("DejaVu", "B", 10)
    pdf.text_block(
        width, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LEFT", new_y="NEXT"
    )
    motto = "Độc lập - Tự do - Hạnh phúc"
    pdf.text_block(width, 5, motto, align="C", new_x="LEFT", new_y="NEXT")
    _centred_rule(pdf, NATION_COLUMN, pdf.get_string_width(motto))
    pdf.set_xy(pdf.l_margin, max(agency_bottom, pdf.get_y()))
    pdf.set_font("DejaVu", size=11)


def render(dossier: Dossier, code: str, issued_at: datetime, base_url: str = "") -> bytes:
    """The unsigned result PDF of an approved dossier; its verification link under ``base_url``
    (the public address captured at issue)."""
    result = dossier.procedure.definition.get("result", {})
    template = template_for(result.get("document_type", ""), result.get("name", ""))
    agency = dossier.agency
    pdf = Document(template.title)
    _header(pdf, agency.name, dossier.code or "")
    pdf.ln(8)
    pdf.heading(template.title, size=15)
    pdf.ln(4)
    pdf.line_of_text(template.opening)
    pdf.ln(2)
    for label, value in _rows(template, dossier):
        pdf.field(label, value)
    pdf.field("Người yêu cầu", dossier.applicant.full_name)
    if template.closing:
        pdf.ln(2)
        pdf.line_of_text(template.closing)
    pdf.ln(6)
    pdf.set_x(95)
    pdf.text_block(95, 6, _vietnamese_date(issued_at), align="C")
    pdf.set_x(95)
    pdf.set_font("DejaVu", "B", 11)
    pdf.text_block(95, 6, agency.name, align="C")
    pdf.set_x(95)
    pdf.set_font("DejaVu", size=10)
    pdf.text_block(95, 6, "(Đã ký số)", align="C", new_x="LMARGIN", new_y="NEXT")
    url = verification_url(code, base_url)
    y = max(pdf.get_y() + 8, 230)
    if y + QR_SIZE > pdf.page_break_trigger:  # no room left: the code starts the next page
        pdf.add_page()
        y = pdf.get_y()
    _qr(pdf, url, 20, y, QR_SIZE)
    pdf.set_xy(58, y + 2)
    pdf.set_font("DejaVu", size=9)
    pdf.text_block(
        132,
        5,
        f"Mã xác thực: {code}\nTra cứu tính hợp lệ của văn bản điện tử này tại:\n{url}\n"
        "Văn bản được ký số bởi cơ quan cấp và gắn dấu thời gian; mọi thay đổi làm chữ ký mất hiệu lực.",
    )
    return pdf.to_bytes()
