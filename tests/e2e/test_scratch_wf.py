import re
from pathlib import Path

import pytest

from egov.dossiers import services
from tests.conftest import BIRTH_FORM
from tests.e2e.test_journey import L, log_in, write_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("name,size", [("big.pdf", 12 * 1024 * 1024), ("anh.heic", 3000), ("", 0)])
def test_wrong_type(new_page, citizen, birth, ward, tmp_path: Path, name, size) -> None:
    draft = services.start_draft(citizen, birth, ward)
    services.save_draft(draft.pk, citizen, BIRTH_FORM, {})
    page = new_page()
    log_in(page, citizen.personal_id)
    page.goto(f"/dossiers/{draft.pk}/edit/")
    if name:
        bad = tmp_path / name
        bad.write_bytes(
            b"%PDF-" + b"x" * size
            if name.endswith("pdf")
            else b"\x00\x00\x00 ftypheic" + b"x" * size
        )
        page.get_by_label(re.compile("^Tờ khai đăng ký khai sinh")).set_input_files(bad)
    page.get_by_label(re.compile("^Giấy chứng sinh")).set_input_files(
        write_pdf(tmp_path, "g.pdf", "G")
    )
    page.get_by_role("button", name=L("Submit dossier", "Nộp hồ sơ")).click()
    page.wait_for_timeout(500)
    print("=====", name, page.locator(".error").all_inner_texts())
