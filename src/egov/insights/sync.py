"""The national dossier sync: records pushed by ministry and province deployments, modelled on
the national portal's ``DongBoHoSoMC`` (dossiers) and ``CapNhatTienDoHoSoMC`` (progress).

A batch is applied record by record: a record that cannot be applied is returned with its reason
and the rest of the batch is applied. Records are idempotent by (unit, dossier code) and the
later one wins by its timestamp, so a sender may resend any batch any number of times, in any
order. The field table, codes and errors are in docs/sync.md.
"""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from egov.core import calendar
from egov.core.models import Agency

from . import counting
from .bulk import insert_rows, update_rows
from .constants import (
    CHANNEL_BY_CODE,
    FEE_CHANNELS,
    MAX_PER_DOSSIER,
    ONLINE_FEE_CHANNEL,
    RESOLVED_CODES,
    RETURNED_CODE,
    FactSource,
)
from .counting import COUNTED_FIELDS
from .facts import FACT_FIELDS, local_day
from .models import DossierFact, SyncClient

STATUS_CODES = frozenset(range(1, 11))  # TrangThaiHoSo


# --- clients ----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(name: str, agencies: list[Agency]) -> tuple[SyncClient, str]:
    """Register a deployment that may push dossiers of ``agencies`` (and units below them);
    returns it with its bearer token, shown once (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    client = SyncClient.objects.create(name=name, token_hash=hash_token(token))
    client.agencies.set(agencies)
    return client, token


def authenticate(token: str) -> SyncClient | None:
    client = SyncClient.objects.filter(token_hash=hash_token(token), is_active=True).first()
    if client is not None:
        SyncClient.objects.filter(pk=client.pk).update(last_seen_at=timezone.now())
    return client


def units_of(client: SyncClient) -> dict[str, int]:
    """Code → id of every unit the client may push for: its units and all units below them."""
    tree = connection.ops.quote_name(Agency._meta.db_table)
    chosen = connection.ops.quote_name(SyncClient.agencies.through._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE unit(id, code) AS ("  # noqa: S608
            f"SELECT a.id, a.code FROM {tree} a JOIN {chosen} c ON c.agency_id = a.id "
            "WHERE c.syncclient_id = %s "
            f"UNION SELECT a.id, a.code FROM {tree} a JOIN unit u ON a.parent_id = u.id"
            ") SELECT code, id FROM unit",
            [client.pk],
        )
        return dict(cursor.fetchall())


# --- results ----------------------------------------------------------------------------------


class Rejected(Exception):
    """One record refused, with a stable code, the field at fault and a message."""

    def __init__(self, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass
class BatchResult:
    received: int = 0
    applied: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, index: int, record: Any, error: Rejected) -> None:
        code = record.get("MaHoSo") if isinstance(record, Mapping) else None
        self.rejected.append(
            {
                "index": index,
                "MaHoSo": code if isinstance(code, str) else None,
                "code": error.code,
                "field": error.field,
                "message": error.message,
            }
        )


# --- field parsing ----------------------------------------------------------------------------


def _text(record: Mapping[str, Any], name: str, required: bool = True, max_length: int = 48) -> str:
    value = record.get(name)
    if value in (None, ""):
        if required:
            raise Rejected("missing_field", f"{name} là bắt buộc / {name} is required", name)
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise Rejected("invalid_field", f"{name} không hợp lệ / {name} is invalid", name)
    return value


def _moment(record: Mapping[str, Any], name: str, required: bool = False) -> datetime | None:
    value = record.get(name)
    if value in (None, ""):
        if required:
            raise Rejected("missing_field", f"{name} là bắt buộc / {name} is required", name)
        return None
    text = str(value)
    try:
        # By hand rather than strptime, which cost a third of a batch's time.
        if len(text) != 14 or not text.isdigit():
            raise ValueError(text)
        return datetime(
            int(text[:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:]),
            tzinfo=calendar.VIETNAM,
        )
    except ValueError:
        raise Rejected(
            "invalid_date",
            f"{name}: cần dạng yyyyMMddHHmmss / {name}: expected yyyyMMddHHmmss",
            name,
        ) from None


def _code(record: Mapping[str, Any], name: str, allowed: frozenset[int] | set[int]) -> int:
    value = record.get(name)
    if value is None:
        raise Rejected("missing_field", f"{name} là bắt buộc / {name} is required", name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number not in allowed or isinstance(value, bool):
        raise Rejected(
            "invalid_code", f"{name} không thuộc bảng mã / {name} is not a known code", name
        )
    return number


def _flag(record: Mapping[str, Any], name: str) -> bool | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    raise Rejected("invalid_field", f"{name}: cần true/false / {name}: expected a boolean", name)


def _number(record: Mapping[str, Any], name: str) -> int | None:
    """A count of the record (0 to MAX_PER_DOSSIER), or None when absent."""
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)  # the portal's fields are often strings
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PER_DOSSIER:
        raise Rejected(
            "invalid_field",
            f"{name}: cần số nguyên 0–{MAX_PER_DOSSIER} / {name}: expected an integer "
            f"from 0 to {MAX_PER_DOSSIER}",
            name,
        )
    return value


def _paid_ways(record: Mapping[str, Any]) -> set[int]:
    """The ways (HinhThucThu) of the paid fees of DanhSachLePhi."""
    fees = record.get("DanhSachLePhi") or []
    if not isinstance(fees, list) or len(fees) > 50:
        raise Rejected("invalid_field", "DanhSachLePhi không hợp lệ / is invalid", "DanhSachLePhi")
    ways = set()
    for fee in fees:
        if not isinstance(fee, Mapping):
            raise Rejected(
                "invalid_field", "DanhSachLePhi không hợp lệ / is invalid", "DanhSachLePhi"
            )
        way = _code(fee, "HinhThucThu", FEE_CHANNELS)
        if _flag(fee, "TrangThaiThanhToan"):
            ways.add(way)
    return ways


def _payments(record: Mapping[str, Any]) -> tuple[int, int]:
    """(fee payment transactions, those made online through the portal): SoGiaoDichThanhToan
    and SoGiaoDichThanhToanTrucTuyen; either one absent is taken from DanhSachLePhi, where each
    way the paid fees were paid in stands for one transaction (senders that predate the two
    fields)."""
    ways = _paid_ways(record)
    total = _number(record, "SoGiaoDichThanhToan")
    online = _number(record, "SoGiaoDichThanhToanTrucTuyen")
    total = len(ways) if total is None else total
    online = int(ONLINE_FEE_CHANNEL in ways) if online is None else online
    if online > total:
        raise Rejected(
            "invalid_field",
            "SoGiaoDichThanhToanTrucTuyen lớn hơn SoGiaoDichThanhToan / more online transactions"
            " than transactions",
            "SoGiaoDichThanhToanTrucTuyen",
        )
    return total, online


def _results(record: Mapping[str, Any]) -> tuple[int, int]:
    """(results issued, those issued as signed electronic documents): SoKetQua, else the number
    of DanhSachGiayToKetQua, else one; SoKetQuaDienTu, else all of them when KetQuaDienTu."""
    results = _number(record, "SoKetQua")
    if results is None:
        documents = record.get("DanhSachGiayToKetQua")
        results = len(documents) if isinstance(documents, list) and documents else 1
        if results > MAX_PER_DOSSIER:
            raise Rejected(
                "invalid_field",
                "DanhSachGiayToKetQua quá dài / too long",
                "DanhSachGiayToKetQua",
            )
    electronic = _number(record, "SoKetQuaDienTu")
    if electronic is None:
        electronic = results if _flag(record, "KetQuaDienTu") else 0
    if electronic > results:
        raise Rejected(
            "invalid_field",
            "SoKetQuaDienTu lớn hơn SoKetQua / more electronic results than results",
            "SoKetQuaDienTu",
        )
    return results, electronic


def dossier_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """The fact of one DongBoHoSoMC record (raises Rejected)."""
    status = _code(record, "TrangThaiHoSo", STATUS_CODES)
    channel = CHANNEL_BY_CODE[_code(record, "HinhThuc", set(CHANNEL_BY_CODE))]
    received_at = _moment(record, "NgayTiepNhan", required=True)
    due_at = _moment(record, "NgayHenTra")
    resolved_at = _moment(record, "NgayKetThucXuLy")
    returned_at = _moment(record, "NgayTra")
    if status == RETURNED_CODE and returned_at is None:
        raise Rejected(
            "missing_field", "NgayTra là bắt buộc khi đã trả kết quả / required", "NgayTra"
        )
    if status in RESOLVED_CODES and resolved_at is None and returned_at is None:
        raise Rejected("missing_field", "NgayKetThucXuLy là bắt buộc / required", "NgayKetThucXuLy")
    on_time = _flag(record, "DungHan")
    if on_time is None and returned_at is not None and due_at is not None:
        on_time = returned_at <= due_at
    rating = record.get("MucDoHaiLong")
    if rating is not None:
        rating = _code(record, "MucDoHaiLong", {1, 2, 3})
    payments, payments_online = _payments(record)
    results, e_results = _results(record)
    return {
        "procedure_code": _text(record, "MaTTHC", required=False, max_length=40),
        "full_process": bool(_flag(record, "ToanTrinh")),
        "channel": channel,
        "status": status,
        "received_at": received_at,
        "due_at": due_at,
        "resolved_at": resolved_at,
        "returned_at": returned_at,
        "payments": payments,
        "payments_online": payments_online,
        "results": results,
        "e_results": e_results,
        "digitised": bool(_flag(record, "SoHoa")),
        "reused": bool(_flag(record, "TaiSuDung")),
        "on_time": on_time,
        "rating": rating,
        "updated_at": _moment(record, "ThoiDiemCapNhat", required=True),
    }


def progress_values(record: Mapping[str, Any], fact: Mapping[str, Any]) -> dict[str, Any]:
    """The fact after one CapNhatTienDoHoSoMC record (raises Rejected)."""
    status = _code(record, "TrangThai", STATUS_CODES)
    moment = _moment(record, "ThoiDiemXuLy", required=True)
    values = {**{name: fact[name] for name in FACT_FIELDS}, "status": status, "updated_at": moment}
    new_due = _moment(record, "NgayKetThucTheoQuyDinh")
    if new_due is not None:
        values["due_at"] = new_due
    if status in RESOLVED_CODES and values["resolved_at"] is None:
        values["resolved_at"] = moment
    if status == RETURNED_CODE and values["returned_at"] is None:
        values["returned_at"] = moment
        if values["due_at"] is not None:
            values["on_time"] = moment <= values["due_at"]
    return values


# --- the two services -------------------------------------------------------------------------

#: What the service reads of a stored fact.
LOADED_FIELDS = tuple(
    dict.fromkeys(
        (
            "id",
            "agency_id",
            "code",
            "source",
            "version",
            "updated_at",
            *FACT_FIELDS,
            *COUNTED_FIELDS,
        )
    )
)


def _load_facts(keys: set[tuple[int, str]]) -> dict[tuple[int, str], dict[str, Any]]:
    """The stored facts of (unit id, dossier code) ``keys``, locked for the transaction."""
    if not keys:
        return {}
    table = connection.ops.quote_name(DossierFact._meta.db_table)
    if connection.vendor == "postgresql":
        agencies, codes = zip(*keys, strict=True)
        columns = ", ".join(f"f.{connection.ops.quote_name(name)}" for name in LOADED_FIELDS)
        connection.ensure_connection()
        # Binary results (which Django's client-side cursors cannot give): its loader of text
        # timestamps is pure Python, and cost half the look-up of a thousand facts.
        raw = psycopg.Cursor(connection.connection)
        with connection.wrap_database_errors, raw as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {table} f "  # noqa: S608
                "JOIN unnest(%s::integer[], %s::text[]) AS k(a, c) "
                # In id order, so that batches sharing dossiers lock them in the same order.
                "ON f.agency_id = k.a AND f.code = k.c ORDER BY f.id FOR UPDATE OF f",
                [list(agencies), list(codes)],
                binary=True,
            )
            rows = cursor.fetchall()
    else:
        pairs = ", ".join(["(%s, %s)"] * len(keys))
        ids = RawSQL(  # noqa: S611  (values bound as parameters)
            f"SELECT id FROM {table} WHERE (agency_id, code) IN (VALUES {pairs})",  # noqa: S608
            [value for key in keys for value in key],
        )
        rows = list(DossierFact.objects.filter(pk__in=ids).values_list(*LOADED_FIELDS))
    facts = [dict(zip(LOADED_FIELDS, row, strict=True)) for row in rows]
    return {(fact["agency_id"], fact["code"]): fact for fact in facts}


Keyed = list[tuple[int, tuple[int, str], Mapping[str, Any]]]
ATTEMPTS = 3


def _apply(client: SyncClient, records: list[Any], progress: bool) -> BatchResult:
    result = BatchResult(received=len(records))
    units = units_of(client)
    keyed: Keyed = []
    for index, record in enumerate(records):
        try:
            if not isinstance(record, Mapping):
                raise Rejected("invalid_record", "Bản ghi phải là đối tượng JSON / object")
            keyed.append((index, _key(record, units), record))
        except Rejected as error:
            result.reject(index, record, error)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            applied = _apply_keyed(keyed, progress)
            break
        except (IntegrityError, OperationalError) as error:
            # Another batch created one of these dossiers since they were looked up (once it
            # has committed, the next attempt finds it and applies the record as an update), or
            # PostgreSQL broke a deadlock between two batches by rolling this one back.
            retry = isinstance(error, IntegrityError) or _rolled_back(error)
            if attempt == ATTEMPTS or not retry:
                raise
    result.applied, result.unchanged = applied.applied, applied.unchanged
    result.rejected = sorted(result.rejected + applied.rejected, key=lambda r: r["index"])
    return result


def _rolled_back(error: OperationalError) -> bool:
    """PostgreSQL rolled the transaction back to break a deadlock or a serialization failure."""
    return getattr(error.__cause__, "sqlstate", None) in {"40P01", "40001"}


def _apply_keyed(keyed: Keyed, progress: bool) -> BatchResult:
    """Apply the records of known units in one transaction."""
    result = BatchResult()
    with transaction.atomic():
        facts = _load_facts({key for _, key, _ in keyed})
        before = {key: _counted(fact) for key, fact in facts.items()}
        touched: dict[tuple[int, str], dict[str, Any]] = {}
        for index, key, record in keyed:
            fact = facts.get(key)
            try:
                if fact is not None and fact["source"] != FactSource.SYNC:
                    raise Rejected(
                        "local_dossier", "Hồ sơ do hệ thống này quản lý / owned here", "MaHoSo"
                    )
                if progress:
                    if fact is None:
                        raise Rejected(
                            "unknown_dossier", "Chưa đồng bộ hồ sơ này / not synced yet", "MaHoSo"
                        )
                    values = progress_values(record, fact)
                else:
                    values = dossier_values(record)
            except Rejected as error:
                result.reject(index, record, error)
                continue
            if fact is not None and values["updated_at"] < fact["updated_at"]:
                result.unchanged += 1  # an older state arriving late: the stored one is newer
                continue
            if fact is not None and all(fact[name] == values[name] for name in FACT_FIELDS):
                result.unchanged += 1
                if values["updated_at"] > fact["updated_at"]:
                    # Same state, newer time: keep the time, so an older state arriving later loses.
                    fact["updated_at"] = values["updated_at"]
                    touched[key] = fact
                continue
            if fact is None:
                fact = facts[key] = {"id": None, "source": FactSource.SYNC, "version": 0}
            fact.update(values, version=fact["version"] + 1)
            fact.update(
                received_day=local_day(fact["received_at"]),
                resolved_day=local_day(fact["resolved_at"]),
                returned_day=local_day(fact["returned_at"]),
            )
            touched[key] = fact
            result.applied += 1
        _write(touched, before, PROGRESS_COLUMNS if progress else STORED_COLUMNS)
    return result


def _counted(fact: Mapping[str, Any]) -> list[Any]:
    return [fact[name] for name in COUNTED_FIELDS]


#: The columns a DongBoHoSoMC record sets, and the fewer a CapNhatTienDoHoSoMC update can change.
STORED_COLUMNS = [
    *FACT_FIELDS,
    "received_day",
    "resolved_day",
    "returned_day",
    "updated_at",
    "version",
]
PROGRESS_COLUMNS = [
    *("status", "due_at", "resolved_at", "returned_at", "on_time"),
    *("resolved_day", "returned_day", "updated_at", "version"),
]


def _write(
    touched: dict[tuple[int, str], dict[str, Any]],
    before: dict[tuple[int, str], list[Any]],
    columns: list[str],
) -> None:
    """Insert the new facts, update ``columns`` of the changed ones, move the counts with them."""
    created, updated, changes = [], [], []
    for key, fact in touched.items():
        if fact["id"] is None:
            stored = [fact.get(name) for name in STORED_COLUMNS]
            created.append([key[0], key[1], FactSource.SYNC, False, "", *stored])
        else:
            updated.append([fact["id"], *(fact.get(name) for name in columns)])
        state = _counted(fact)
        old = before.get(key)
        if state != old:
            if old is not None:
                changes.append((key[0], -1, old))
            changes.append((key[0], 1, state))
    identity = ["agency_id", "code", "source", "unpushed", "push_error"]
    created.sort()  # in key order, like the look-up's locks: batches wait, never deadlock
    insert_rows(DossierFact, [*identity, *STORED_COLUMNS], created)
    update_rows(DossierFact, columns, updated)
    if changes:
        counting.stage(changes)
        counting.apply_staged()


def _key(record: Mapping[str, Any], units: dict[str, int]) -> tuple[int, str]:
    unit = _text(record, "MaDonVi", max_length=35)
    code = _text(record, "MaHoSo")
    if unit not in units:
        if Agency.objects.filter(code=unit).exists():
            raise Rejected(
                "forbidden_unit", "Không được đồng bộ cho đơn vị này / not your unit", "MaDonVi"
            )
        raise Rejected("unknown_unit", "Không có đơn vị với mã này / unknown unit", "MaDonVi")
    return units[unit], code


def sync_dossiers(client: SyncClient, records: list[Any]) -> BatchResult:
    """DongBoHoSoMC: create or update the dossiers of a batch (at most MAX_BATCH records)."""
    return _apply(client, records, progress=False)


def sync_progress(client: SyncClient, records: list[Any]) -> BatchResult:
    """CapNhatTienDoHoSoMC: status updates of dossiers synchronised before."""
    return _apply(client, records, progress=True)
