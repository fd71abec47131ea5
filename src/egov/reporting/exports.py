"""The roll-up of a period as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs
read the Vietnamese right) and as XLSX (openpyxl)."""

import csv
import io
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .constants import Standing
from .selectors import RollUp

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value


def table(summary: RollUp) -> list[list[Any]]:
    """Header, one row per obligated agency, and the roll-up row."""
    fields = summary.regime.fields
    rows: list[list[Any]] = [
        [_("Agency code"), _("Agency"), _("Standing"), _("Submitted at"), _("Revision")]
        + [f"{f['label']} ({f['code']})" for f in fields]
    ]
    for report in summary.reports:
        submitted = report.standing != Standing.MISSING  # type: ignore[attr-defined]
        rows.append(
            [
                report.agency.code,
                report.agency.name,
                str(Standing(report.standing).label),  # type: ignore[attr-defined]
                timezone.localtime(report.submitted_at).strftime("%d/%m/%Y %H:%M")
                if report.submitted_at
                else "",
                report.revision or "",
            ]
            + [_cell(report.values.get(f["code"])) if submitted else "" for f in fields]
        )
    rows.append(
        ["", _("Roll-up"), "", "", ""] + [_cell(summary.totals.get(f["code"])) for f in fields]
    )
    return rows


def to_csv(summary: RollUp) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in table(summary):
        writer.writerow([str(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str) and value and value.lstrip("-").replace(".", "", 1).isdigit():
        return float(value) if "." in value else int(value)
    return value


def to_xlsx(summary: RollUp) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = summary.period_start.strftime("%Y-%m-%d")
    rows = table(summary)
    sheet.append([summary.regime.title])
    sheet["A1"].font = Font(bold=True)
    for n, row in enumerate(rows):
        sheet.append([_xlsx_value(v) if n and i >= 4 else v for i, v in enumerate(row)])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(summary: RollUp, extension: str) -> HttpResponse:
    """The roll-up as an attachment: ``extension`` is csv or xlsx."""
    if extension == "csv":
        response = HttpResponse(to_csv(summary), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(to_xlsx(summary), content_type=XLSX_TYPE)
    name = f"bao-cao-{summary.regime.pk}-{summary.period_start:%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
