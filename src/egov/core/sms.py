"""Pluggable SMS senders: ``SMS_BACKEND`` names the class. A real deployment adds one for its
SMS gateway (brandname provider) with the same ``send`` method."""

import json
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("egov.sms")


class BaseSmsBackend:
    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: print the message (the number is masked)."""

    def send(self, phone: str, text: str) -> None:
        print(f"[SMS to ***{phone[-3:]}] {text}")  # noqa: T201


class FileSmsBackend(BaseSmsBackend):
    """Development and tests: append each message as a JSON line to a file in ``SMS_FILE_PATH``."""

    def send(self, phone: str, text: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"to": phone, "text": text, "at": timezone.now().isoformat()}, ensure_ascii=False
        )
        with (folder / "sms.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class MemorySmsBackend(BaseSmsBackend):
    """Tests: keep messages in ``MemorySmsBackend.outbox``."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def send_sms(phone: str, text: str) -> None:
    backend: BaseSmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(phone, text)
