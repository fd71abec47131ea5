"""The dossier pages along the workflow: the processor's proposal and the approver's preview of
the draft they sign, the intake checklist with its previews, file errors shown at once, what a
citizen is told after submitting, and "My dossiers" in date order."""

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from egov.core.files import read_stored
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, log_in, pdf_bytes

MakeDossier = Callable[..., Dossier]


def html(response: Any) -> str:
    return response.content.decode()


def test_the_assigned_processor_proposes_from_the_page(
    client: Client, make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.PROCESSING)
    log_in(client, staff["processor"])
    page = client.get(f"/dossiers/{dossier.pk}/")
    assert "propose" in page.context["main_actions"]
    response = client.post(
        f"/dossiers/{dossier.pk}/act/propose/", {"note": "Đủ điều kiện", "version": dossier.version}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL and dossier.result_draft is not None


def test_the_approver_sees_the_draft_inline_before_approving_and_signs_that_draft(
    client: Client, make_dossier: MakeDossier, staff: dict[str, User], citizen: User
) -> None:
    dossier = make_dossier(Status.AWAITING_APPROVAL)
    log_in(client, staff["approver"])
    page = html(client.get(f"/dossiers/{dossier.pk}/"))
    inline = f"/dossiers/{dossier.pk}/draft-result/view/"
    frame = re.search(r'<iframe[^>]*src="([^"]+)"', page)
    assert frame and frame.group(1) == inline
    assert f'href="/dossiers/{dossier.pk}/draft-result/"' in page  # the download
    approve_form = page.index(f'action="/dossiers/{dossier.pk}/act/approve/"')
    assert page.index("<iframe") < approve_form  # seen before the button

    preview = client.get(inline)
    assert preview.status_code == 200
    assert preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]
    assert (
        "frame-ancestors 'none'"
        in client.get(f"/dossiers/{dossier.pk}/")["Content-Security-Policy"]
    )  # the page itself is still not framed
    previewed = preview.content
    posted = re.search(r'name="draft_sha256" value="([0-9a-f]{64})"', page)
    assert posted and posted.group(1) == hashlib.sha256(previewed).hexdigest()

    response = client.post(
        f"/dossiers/{dossier.pk}/act/approve/",
        {"version": dossier.version, "draft_sha256": posted.group(1)},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    signed = read_stored(dossier.result_file)
    # The signed file is the previewed draft with the signature appended (PAdES).
    assert hashlib.sha256(signed[: len(previewed)]).hexdigest() == posted.group(1)

    # The draft is the agency's: the applicant never reaches it.
    client.force_login(citizen)
    assert client.get(inline).status_code == 404
    assert client.get(f"/dossiers/{dossier.pk}/draft-result/").status_code == 404


def test_the_approver_sends_a_proposal_back_with_a_reason(
    client: Client, make_dossier: MakeDossier, staff: dict[str, User], citizen: User
) -> None:
    dossier = make_dossier(Status.AWAITING_APPROVAL)
    log_in(client, staff["approver"])
    refused = client.post(f"/dossiers/{dossier.pk}/act/send_back/", {"reason": ""})
    assert refused.status_code == 422
    response = client.post(f"/dossiers/{dossier.pk}/act/send_back/", {"reason": "Sai nơi sinh"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    # The send-back is a note between officials: the applicant's history leaves it out.
    client.force_login(citizen)
    page = client.get(f"/dossiers/{dossier.pk}/")
    assert "Sai nơi sinh" not in html(page)
    assert {e.kind for e in page.context["events"]}.isdisjoint({"proposed", "sent_back"})


def test_the_intake_checklist_starts_unmarked_and_each_file_can_be_previewed(
    client: Client, make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    log_in(client, staff["receiver"])
    page = html(client.get(f"/dossiers/{dossier.pk}/"))
    form = page[page.index('act/receive/"') : page.index("</form>", page.index('act/receive/"'))]
    radios = re.findall(r"<input[^>]*type=\"radio\"[^>]*>", form)
    assert len(radios) == 4  # valid / not valid for each of the two documents provided
    assert not any("checked" in radio for radio in radios)
    assert 'type="checkbox"' not in form
    for code in ("TO_KHAI", "GIAY_CHUNG_SINH"):
        assert f'src="/dossiers/{dossier.pk}/files/{code}/view/"' in form

    # Posting the checklist untouched is refused, naming each document to mark.
    untouched = client.post(f"/dossiers/{dossier.pk}/act/receive/", {})
    assert untouched.status_code == 422
    assert set(untouched.context["errors"]) == {"component:TO_KHAI", "component:GIAY_CHUNG_SINH"}
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    marked = client.post(
        f"/dossiers/{dossier.pk}/act/receive/",
        {"check_TO_KHAI": "valid", "check_GIAY_CHUNG_SINH": "valid"},
    )
    assert marked.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED


def test_a_component_is_served_inline_for_a_preview_with_the_same_access_checks(
    client: Client, make_dossier: MakeDossier, staff: dict[str, User], other_citizen: User
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    log_in(client, staff["receiver"])
    inline = client.get(f"/dossiers/{dossier.pk}/files/TO_KHAI/view/")
    assert inline.status_code == 200
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline")
    assert inline["X-Content-Type-Options"] == "nosniff"
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    download = client.get(f"/dossiers/{dossier.pk}/files/TO_KHAI/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download.content == inline.content
    client.force_login(other_citizen)
    assert client.get(f"/dossiers/{dossier.pk}/files/TO_KHAI/view/").status_code == 404


def test_a_refused_file_says_why_at_once_and_the_other_file_is_kept(
    client: Client, make_dossier: MakeDossier, citizen: User
) -> None:
    draft = make_dossier(Status.DRAFT)
    client.force_login(citizen)
    data: dict[str, Any] = {key: str(value) for key, value in BIRTH_FORM.items()}
    data["child_birth_date"] = "30/10/2026"
    data["file_TO_KHAI"] = SimpleUploadedFile("to-khai.docx", b"PK\x03\x04 a word file")
    data["file_GIAY_CHUNG_SINH"] = SimpleUploadedFile("chung-sinh.pdf", pdf_bytes("Giấy"))
    response = client.post(f"/dossiers/{draft.pk}/edit/", data | {"action": "submit"})
    assert response.status_code == 422
    errors = response.context["errors"]
    assert "to-khai.docx" in errors["component:TO_KHAI"]
    assert "PDF" in errors["component:TO_KHAI"]  # the reason, not "this document is required"
    assert "component:GIAY_CHUNG_SINH" not in errors
    page = html(response)
    assert "to-khai.docx" in page
    # The accepted file was kept: choosing the right declaration is all that is left.
    draft.refresh_from_db()
    assert set(draft.components.values_list("code", flat=True)) == {"GIAY_CHUNG_SINH"}
    assert draft.status == Status.DRAFT


def test_after_submitting_the_citizen_is_told_what_happens_next(
    client: Client, make_dossier: MakeDossier, citizen: User
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    client.force_login(citizen)
    response = client.get(f"/dossiers/{dossier.pk}/")
    steps = response.context["next_steps"]
    assert steps is not None and steps.intake_by > dossier.submitted_at
    assert steps.processing_days == dossier.procedure.processing_days
    page = html(response)
    assert 'id="h-next"' in page
    assert citizen.email in page and citizen.phone in page
    with translation.override("vi"):
        due = translation.gettext("Due")
    assert f"<dt>{due}</dt><dd>—</dd>" not in page  # not "due: —" without a word more
    # Withdrawing is there, but as a secondary action, not one of the main boxes.
    assert response.context["main_actions"] == []
    assert response.context["may_withdraw"] is True
    details = page[page.index('<details class="secondary-action">') :]
    assert 'act/withdraw/"' in details.split("</details>")[0]
    assert 'class="actions"' not in page


def test_my_dossiers_are_listed_newest_first_by_the_date_shown(
    client: Client, make_dossier: MakeDossier, citizen: User
) -> None:
    older = make_dossier(Status.SUBMITTED)
    newer = make_dossier(Status.SUBMITTED)
    draft = make_dossier(Status.DRAFT)
    now = timezone.now()
    # The older one was started last but submitted first; the draft was started in between.
    Dossier.objects.filter(pk=older.pk).update(
        created_at=now - timedelta(hours=1), submitted_at=now - timedelta(days=3)
    )
    Dossier.objects.filter(pk=newer.pk).update(
        created_at=now - timedelta(days=5), submitted_at=now - timedelta(days=1)
    )
    Dossier.objects.filter(pk=draft.pk).update(created_at=now - timedelta(days=2))
    client.force_login(citizen)
    listed = [d.pk for d in client.get("/dossiers/").context["page"]]
    assert listed == [newer.pk, draft.pk, older.pk]
