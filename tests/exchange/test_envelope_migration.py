"""Envelopes' bytes move from their database column to the file storage, byte for byte; two
envelopes with the same bytes share one stored file, as every file does."""

import pytest

from egov.core.files import read_stored
from egov.exchange.models import Envelope
from tests.migrations import latest, migrate

BEFORE = [("exchange", "0002_received_envelopes_once")]
AFTER = [("exchange", "0003_envelope_file")]


@pytest.mark.django_db(transaction=True)
def test_envelopes_move_to_the_file_storage() -> None:
    first = b'<?xml version="1.0" encoding="UTF-8"?>\n<edXML>m\xe1\xbb\x99t</edXML>'
    second = b"<edXML>hai</edXML>"
    try:
        old = migrate(BEFORE).get_model("exchange", "Envelope")
        for key, data in (("a", first), ("b", second), ("c", first)):
            old.objects.create(key=key, incoming=True, kind="document", sender_code="X", data=data)
    finally:
        migrate(AFTER)
        migrate(latest())
    moved = {e.key: e for e in Envelope.objects.select_related("file")}
    assert {key: read_stored(e.file) for key, e in moved.items()} == {
        "a": first,
        "b": second,
        "c": first,
    }
    assert moved["a"].file_id == moved["c"].file_id != moved["b"].file_id
    assert moved["a"].file.size == len(first)
