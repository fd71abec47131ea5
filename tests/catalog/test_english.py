"""The catalogue in English: every Vietnamese text of every file has its English counterpart,
checked on load; English pages show it (Vietnamese only where a text has no English), and dates
follow the page's language."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.test import Client

from egov.catalog.definitions import CatalogError, parse_procedure_file

CATALOG_FILES = sorted(settings.CATALOG_DIR.glob("*.yaml"))
BIRTH_FILE = settings.CATALOG_DIR / "1.001193-dang-ky-khai-sinh.yaml"
#: Vietnamese texts shown to the public, per part of a procedure file.
TEXTS = {
    "": ("name", "description", "conditions"),
    "field": ("name",),
    "result": ("name",),
    "fees": ("name", "note"),
    "components": ("name", "copies"),
    "steps": ("name",),
    "reductions": ("name",),
}


def untranslated(raw: dict[str, Any]) -> list[str]:
    missing = []
    for part, keys in TEXTS.items():
        items = [raw] if not part else raw.get(part) or []
        items = [items] if isinstance(items, dict) else items
        for n, item in enumerate(items):
            for key in keys:
                if item.get(key) and not item.get(f"{key}_en"):
                    missing.append(f"{part}.{n}.{key}_en" if part else f"{key}_en")
    return missing


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda path: path.name)
def test_every_catalogue_file_has_its_english_text(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert untranslated(raw) == []


@pytest.mark.parametrize(
    ("where", "key"),
    [(None, "description_en"), ("components", "copies_en"), ("steps", "name_en")],
)
def test_a_file_without_english_is_refused_on_load(
    tmp_path: Path, where: str | None, key: str
) -> None:
    raw = yaml.safe_load(BIRTH_FILE.read_text(encoding="utf-8"))
    (raw if where is None else raw[where][0]).pop(key)
    path = tmp_path / BIRTH_FILE.name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError) as excinfo:
        parse_procedure_file(path)
    assert key in str(excinfo.value)


@pytest.mark.django_db
def test_the_english_page_shows_the_english_catalogue(client: Client, catalog: Any) -> None:
    english = client.get("/procedures/1.001193/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The person registering the birth submits the declaration" in english
    assert "The child&#x27;s birth has not been registered yet." in english
    assert "<td>1 original</td>" in english and "bản chính" not in english
    assert "issued 20 November 2014" in english and "2014-11-20" not in english

    vietnamese = client.get("/procedures/1.001193/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Người yêu cầu đăng ký khai sinh nộp tờ khai" in vietnamese
    assert "<td>1 bản chính</td>" in vietnamese
    assert "ban hành ngày 20/11/2014" in vietnamese and "2014-11-20" not in vietnamese


@pytest.mark.django_db
def test_the_english_list_names_fields_in_english(client: Client, catalog: Any) -> None:
    english = client.get("/procedures/?q=khai+sinh", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>Civil status</td>" in english
