"""Vietnamese first: every catalogue is complete and the committed .mo matches the .po.

The project catalogue lives in ``src/egov/locale``; a part may keep its own in
``src/egov/<part>/locale`` (Django finds both)."""

from pathlib import Path

import polib
import pytest
from django.test import Client

SRC = Path(__file__).resolve().parents[1] / "src" / "egov"
CATALOGUES = sorted(SRC.glob("**/locale/vi/LC_MESSAGES/django.po"))


def test_the_project_catalogue_exists() -> None:
    assert SRC / "locale" / "vi" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: str(path.relative_to(SRC)))
def test_vietnamese_catalogue_is_complete(catalogue: Path) -> None:
    po = polib.pofile(str(catalogue))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated and not fuzzy, f"untranslated: {untranslated[:10]} fuzzy: {fuzzy[:10]}"


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: str(path.relative_to(SRC)))
def test_compiled_catalogue_matches_the_source(catalogue: Path) -> None:
    po = polib.pofile(str(catalogue))
    mo = polib.mofile(str(catalogue.with_suffix(".mo")))
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural for entry in mo}
    for entry in po.translated_entries():
        assert (entry.msgctxt, entry.msgid) in compiled, (
            f"run `make messages`: {entry.msgid!r} is not compiled"
        )


def test_pages_are_vietnamese_by_default_and_english_on_request(db: object) -> None:
    client = Client()
    page = client.get("/").content.decode()
    assert 'lang="vi"' in page
    assert "Cổng dịch vụ công" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert 'lang="en"' in english
    assert "Public Service Portal" in english
