"""Vietnamese first: the catalogue is complete and the committed .mo matches the .po."""

from pathlib import Path

import polib
from django.test import Client

LOCALE = Path(__file__).resolve().parents[1] / "src" / "egov" / "locale" / "vi" / "LC_MESSAGES"


def test_vietnamese_catalogue_is_complete() -> None:
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated and not fuzzy, f"untranslated: {untranslated[:10]} fuzzy: {fuzzy[:10]}"


def test_compiled_catalogue_matches_the_source() -> None:
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
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
