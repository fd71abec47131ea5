"""Loading the catalogue folder: all or nothing, versions kept, changed content must raise the version."""

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from egov.catalog.definitions import CatalogError
from egov.catalog.models import Procedure
from egov.catalog.selectors import get_procedure
from egov.catalog.services import load_catalog
from egov.core.models import AuditEntry
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from tests.catalog.test_definitions import BIRTH_FILE, CATALOG_FILES, birth_raw, write


def test_the_whole_catalogue_is_loaded(catalog: dict[str, Procedure]) -> None:
    codes = {path.name.split("-", 1)[0] for path in CATALOG_FILES}
    assert set(catalog) == codes
    assert Procedure.objects.filter(is_current=True).count() == len(CATALOG_FILES)
    birth = catalog["1.001193"]
    assert birth.version == 3
    assert birth.levels == ["commune"]
    assert birth.sector == "justice"
    assert birth.field_code == "HOTICH"
    assert birth.search_text == "1.001193 dang ky khai sinh birth registration ho tich"
    assert birth.source_file == BIRTH_FILE.name
    assert [c["code"] for c in birth.components] == [
        "TO_KHAI",
        "GIAY_CHUNG_SINH",
        "GIAY_DK_KET_HON",
    ]


def test_loading_the_same_folder_again_changes_nothing(catalog: dict[str, Procedure]) -> None:
    before = {(p.code, p.version, p.content_hash) for p in Procedure.objects.all()}
    report = load_catalog(settings.CATALOG_DIR)
    assert (report.created, report.unchanged) == (0, len(CATALOG_FILES))
    assert {(p.code, p.version, p.content_hash) for p in Procedure.objects.all()} == before


def test_the_management_command_reports_and_refuses(
    tmp_path: Path, catalog: dict[str, Procedure]
) -> None:
    out = io.StringIO()
    call_command("load_catalog", stdout=out)
    assert f"0 new procedure versions, {len(CATALOG_FILES)} unchanged" in out.getvalue()
    path = tmp_path / "1.001193-bad.yaml"
    path.write_text("code: [", encoding="utf-8")
    with pytest.raises(CommandError, match=str(path)):
        call_command("load_catalog", str(tmp_path))


def _next_version(folder: Path, **changes: Any) -> Path:
    raw = birth_raw()
    raw.update(version=4, **changes)
    return write(folder, BIRTH_FILE.name, raw)


def test_a_new_version_is_current_and_the_old_one_is_kept(
    tmp_path: Path, make_dossier: Callable[..., Dossier]
) -> None:
    old_dossier = make_dossier(Status.SUBMITTED)
    _next_version(tmp_path, name="Đăng ký khai sinh (mẫu mới)", processing_days=2)
    audit_rows = AuditEntry.objects.filter(action="catalog_loaded").count()

    report = load_catalog(tmp_path)

    assert (report.created, report.unchanged) == (1, 0)
    versions = {p.version: p for p in Procedure.objects.filter(code="1.001193")}
    assert set(versions) == {3, 4}
    assert versions[3].is_current is False
    assert versions[4].is_current is True
    assert versions[3].name == "Đăng ký khai sinh"
    assert versions[4].name == "Đăng ký khai sinh (mẫu mới)"
    assert versions[4].processing_days == 2
    current = get_procedure("1.001193")
    assert current is not None and current.version == 4
    # A dossier keeps the version it was submitted under.
    old_dossier.refresh_from_db()
    assert old_dossier.procedure.version == 3
    assert old_dossier.procedure.processing_days == 1
    assert AuditEntry.objects.filter(action="catalog_loaded").count() == audit_rows + 1

    again = load_catalog(tmp_path)
    assert (again.created, again.unchanged) == (0, 1)
    assert Procedure.objects.filter(code="1.001193").count() == 2


def test_changed_content_without_a_new_version_is_refused(
    tmp_path: Path, catalog: dict[str, Procedure]
) -> None:
    raw = birth_raw()
    raw["processing_days"] = 2  # same version
    path = write(tmp_path, BIRTH_FILE.name, raw)
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    [(file, field, message)] = excinfo.value.problems
    assert (file, field) == (str(path), "version")
    assert "raise the version" in message
    birth = Procedure.objects.get(code="1.001193", version=3)
    assert birth.processing_days == 1 and birth.is_current


def test_two_files_with_the_same_code_are_refused(
    tmp_path: Path, catalog: dict[str, Procedure]
) -> None:
    first = write(tmp_path, "1.001193-a.yaml", birth_raw() | {"version": 4})
    second = write(tmp_path, "1.001193-b.yaml", birth_raw() | {"version": 5})
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    [(file, field, message)] = excinfo.value.problems
    assert (file, field) == (str(second), "code")
    assert "1.001193" in message and str(first) in message
    assert set(Procedure.objects.filter(code="1.001193").values_list("version", flat=True)) == {3}


def test_nothing_is_written_when_any_file_is_broken(
    tmp_path: Path, catalog: dict[str, Procedure]
) -> None:
    _next_version(tmp_path, name="Đăng ký khai sinh v2")
    broken = birth_raw() | {"code": "1.000656", "version": 7}
    broken.pop("steps")
    write(tmp_path, "1.000656-broken.yaml", broken)
    (tmp_path / "notes.txt").write_text("not a catalogue file")
    (tmp_path / "3.000347-broken.yml").write_text("code: [", encoding="utf-8")

    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)

    problems = {(Path(file).name, field) for file, field, _message in excinfo.value.problems}
    assert problems == {("1.000656-broken.yaml", "steps"), ("3.000347-broken.yml", "-")}
    assert not Procedure.objects.filter(code="1.001193", version=4).exists()
    assert get_procedure("1.001193").version == 3  # type: ignore[union-attr]


def test_a_copy_of_the_real_folder_loads_into_an_empty_catalogue(tmp_path: Path, db: Any) -> None:
    Procedure.objects.all().delete()
    folder = tmp_path / "catalog"
    shutil.copytree(settings.CATALOG_DIR, folder)
    report = load_catalog(folder)
    assert (report.created, report.unchanged) == (len(CATALOG_FILES), 0)
    assert Procedure.objects.filter(is_current=True).count() == len(CATALOG_FILES)
