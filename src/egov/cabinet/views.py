"""Pages of eCabinet: the bodies a person sits in, opinion sheets, papers and their reader."""

from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from egov.core.errors import InvalidInput, ServiceError
from egov.core.files import uploaded_files
from egov.core.models import Agency
from egov.core.selectors import subtree_ids
from egov.identity.auth import acting_user
from egov.identity.models import User

from . import access, meetings, selectors, services
from .constants import Choice, Confidentiality, Reply, SeatRole, SheetKind, SheetState
from .models import AgendaItem, Annotation, Body, Paper


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Phòng họp không giấy: each body the person sits in, what waits for them there."""
    user = acting_user(request)
    return render(request, "cabinet/home.html", {"desks": selectors.desks(user)})


def _body_for_secretary(request: HttpRequest, code: str) -> Body:
    body = get_object_or_404(Body, code=code)
    if not access.is_secretary(acting_user(request), body):
        access.deny(request.user, "secretariat", "body", body.pk)
        raise Http404
    return body


@login_required
def seats(request: HttpRequest, code: str) -> HttpResponse:
    """The body's administrator gives people their roles (or takes them away)."""
    body = get_object_or_404(Body, code=code)
    user = acting_user(request)
    if access.role(user, body) != SeatRole.ADMIN:
        access.deny(user, "manage_seats", "body", body.pk)
        raise Http404
    errors: dict[str, str] = {}
    if request.method == "POST":
        person = _official(request.POST.get("username", ""))
        try:
            if person is None:
                raise InvalidInput(
                    _("No official has this user name."),
                    {"username": _("No official has this user name.")},
                )
            services.set_seat(
                user, body, person, request.POST.get("role", ""), request.POST.get("position", "")
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            errors = exc.errors
        else:
            messages.success(request, _("The seat is saved."))
            return redirect("cabinet:seats", body.code)
    return render(
        request,
        "cabinet/seats.html",
        {
            "body": body,
            "seats": body.seats.filter(active=True).select_related("user").order_by("role", "pk"),
            "roles": SeatRole.choices,
            "errors": errors,
            "draft": request.POST,
        },
        status=422 if errors else 200,
    )


def _deadline(value: str) -> datetime | None:
    parsed = parse_datetime(value or "")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@login_required
def new_sheet(request: HttpRequest, code: str) -> HttpResponse:
    """The secretariat drafts an opinion sheet: the draft's papers, the questions, the deadline."""
    body = _body_for_secretary(request, code)
    user = acting_user(request)
    context: dict[str, Any] = {
        "body": body,
        "kinds": SheetKind.choices,
        "levels": Confidentiality.choices,
        "errors": {},
        "draft": request.POST,
    }
    if request.method == "POST":
        try:
            papers = [
                services.add_paper(
                    user,
                    body,
                    request.POST.get("paper_title", "") or request.POST.get("title", ""),
                    services.Upload(upload.name or "paper.pdf", upload, upload.size),
                    request.POST.get("confidentiality", Confidentiality.NORMAL),
                )
                for _field, upload in uploaded_files(request)
            ]
            sheet = services.create_sheet(
                user,
                body,
                title=request.POST.get("title", ""),
                kind=request.POST.get("kind", ""),
                deadline=_deadline(request.POST.get("deadline", "")),
                questions=request.POST.get("questions", "").splitlines(),
                papers=papers,
            )
        except ServiceError as exc:
            context["errors"] = exc.errors or {"title": exc.message}
            messages.error(request, exc.message)
            return render(request, "cabinet/new_sheet.html", context, status=exc.http_status)
        return redirect("cabinet:sheet", sheet.pk)
    return render(request, "cabinet/new_sheet.html", context)


def _sheet_context(
    request: HttpRequest, sheet_id: int, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    user = acting_user(request)
    sheet = access.sheet_for(user, sheet_id)
    secretary = access.is_secretary(user, sheet.body)
    recipient = sheet.recipients.filter(user=user).exists()
    mine = selectors.answers_of(sheet, user) if recipient else {}
    errors = errors or {}
    return {
        "sheet": sheet,
        "secretary": secretary,
        "recipient": recipient,
        "open": sheet.state == SheetState.OPEN and timezone.now() < sheet.deadline,
        "questions": [
            {"question": q, "answer": mine.get(q.pk), "error": errors.get(f"question_{q.pk}", "")}
            for q in sheet.questions.all()
        ],
        "tally": services.tally_of(sheet) if access.sees_answers_of_others(user, sheet) else None,
        "choices": Choice.choices,
        "answered": selectors.answered_count(sheet),
    }


@login_required
def sheet(request: HttpRequest, sheet_id: int) -> HttpResponse:
    context = _sheet_context(request, sheet_id)
    status = 200
    if request.method == "POST":
        user, found = acting_user(request), context["sheet"]
        try:
            if request.POST.get("action") == "send":
                services.send_sheet(user, found.pk)
                messages.success(request, _("The opinion sheet has been sent to the members."))
            else:
                services.answer(user, found.pk, selectors.given_answers(found, request.POST))
                messages.success(
                    request, _("Your answers are recorded. You may change them until the deadline.")
                )
        except ServiceError as exc:
            messages.error(request, exc.message)
            context = _sheet_context(request, sheet_id, exc.errors)
            status = exc.http_status
        else:
            return redirect("cabinet:sheet", found.pk)
    return render(request, "cabinet/sheet.html", context, status=status)


@login_required
def sheet_tally(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """The live tally (polled by the secretariat's page while the sheet is open)."""
    context = _sheet_context(request, sheet_id)
    if context["tally"] is None:
        raise Http404
    return render(request, "cabinet/_tally.html", context)


@login_required
def sheet_summary(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """The signed summary of opinions, the PDF as signed (it verifies at /verify/), for whoever
    sees the sheet; each download audited."""
    user = acting_user(request)
    found = access.sheet_for(user, sheet_id)
    return signed_response(services.read_signed(user, found), "tong-hop-y-kien", found.summary_code)


@login_required
def paper(request: HttpRequest, paper_id: int) -> HttpResponse:
    """The reader: the paper on screen, and the reader's own notes beside it."""
    user = acting_user(request)
    found = access.paper_for(user, paper_id)
    if request.method == "POST":
        try:
            services.annotate(
                user, found, int(request.POST.get("page") or 0), request.POST.get("text", "")
            )
        except (ServiceError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("cabinet:paper", found.pk)
    notes = Annotation.objects.filter(paper=found, author=user)
    return render(
        request,
        "cabinet/paper.html",
        {"paper": found, "notes": notes, "pages": range(1, found.pages + 1)},
    )


@login_required
def paper_file(request: HttpRequest, paper_id: int) -> HttpResponse:
    """The paper's PDF, on screen or downloaded; audited, and watermarked when restricted."""
    user = acting_user(request)
    found = access.paper_for(user, paper_id)
    download = request.GET.get("download") == "1"
    return paper_response(
        services.read_paper(user, found, "download" if download else "view"), found, download
    )


@login_required
def paper_page(request: HttpRequest, paper_id: int, number: int) -> HttpResponse:
    """One page of the paper as an image (the reader shows these on any tablet)."""
    user = acting_user(request)
    found = access.paper_for(user, paper_id)
    try:
        image = services.read_page(user, found, number)
    except ServiceError:
        raise Http404 from None
    response = HttpResponse(image, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_response(data: bytes, filename: str, download: bool) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(download, filename) or (
        "attachment" if download else "inline"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def paper_response(data: bytes, paper: Paper, download: bool) -> HttpResponse:
    return pdf_response(data, paper.filename, download)


def signed_response(data: bytes, name: str, code: str) -> HttpResponse:
    """A signed summary or signed minutes, downloaded under its verification code."""
    return pdf_response(data, f"{name}-{code}.pdf", download=True)


# --- meetings -------------------------------------------------------------------------------------


def _agenda(text: str) -> list[meetings.Item]:
    """One item per line: "title | presenter | minutes" (the last two optional)."""
    items = []
    for line in (text or "").splitlines():
        title, presenter, minutes = ([*line.split("|"), "", ""])[:3]
        items.append(
            meetings.Item(
                title.strip(),
                presenter.strip(),
                int(minutes) if minutes.strip().isdigit() else 15,
            )
        )
    return items


@login_required
def new_meeting(request: HttpRequest, code: str) -> HttpResponse:
    body = _body_for_secretary(request, code)
    context: dict[str, Any] = {"body": body, "errors": {}, "draft": request.POST}
    if request.method == "POST":
        try:
            meeting = meetings.create_meeting(
                acting_user(request),
                body,
                title=request.POST.get("title", ""),
                starts_at=_deadline(request.POST.get("starts_at", "")),
                place=request.POST.get("place", ""),
                items=_agenda(request.POST.get("agenda", "")),
            )
        except ServiceError as exc:
            context["errors"] = exc.errors
            messages.error(request, exc.message)
            return render(request, "cabinet/new_meeting.html", context, status=exc.http_status)
        return redirect("cabinet:meeting", meeting.pk)
    return render(request, "cabinet/new_meeting.html", context)


def _meeting_context(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    user = acting_user(request)
    meeting = access.meeting_for(user, meeting_id)
    invitation = (
        meeting.invitations.filter(user=user).first()
        or meeting.invitations.filter(delegate=user).first()
    )
    return {
        "meeting": meeting,
        "secretary": access.is_secretary(user, meeting.body),
        "invitation": invitation,
        "delegate_for": invitation if invitation and invitation.delegate_id == user.pk else None,
        "items": meeting.items.prefetch_related("papers"),
        "invitations": meeting.invitations.select_related("user", "delegate").order_by(
            "guest", "user__full_name"
        ),
        "speakers": meeting.speakers.filter(state__in=["waiting", "speaking"]).select_related(
            "user"
        ),
        "replies": [(r.value, r.label) for r in Reply if r != Reply.PENDING],
        "present_count": meeting.invitations.filter(present_at__isnull=False).count(),
        "levels": Confidentiality.choices,
        "received": selectors.received_documents(user, meeting.body)
        if access.is_secretary(user, meeting.body)
        else [],
    }


def _official(username: str) -> User | None:
    return User.objects.filter(username=(username or "").strip(), kind="official").first()


@login_required
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The meeting: agenda and papers, who is invited and their answers; the secretariat's
    controls; the member's reply."""
    context = _meeting_context(request, meeting_id)
    if request.method == "POST":
        user, found = acting_user(request), context["meeting"]
        action = request.POST.get("action", "")
        try:
            if action == "reply":
                meetings.reply(
                    user,
                    found.pk,
                    request.POST.get("reply", ""),
                    _official(request.POST.get("delegate", "")),
                )
            elif action == "guest":
                guest = _official(request.POST.get("guest", ""))
                if guest is None:
                    raise InvalidInput(_("No official has this user name."), {"guest": ""})
                meetings.invite_guest(user, found.pk, guest)
            elif action == "paper":
                for _field, upload in uploaded_files(request):
                    paper = services.add_paper(
                        user,
                        found.body,
                        request.POST.get("paper_title", ""),
                        services.Upload(upload.name or "paper.pdf", upload, upload.size),
                        request.POST.get("confidentiality", Confidentiality.NORMAL),
                    )
                    meetings.attach_paper(user, int(request.POST.get("item") or 0), paper)
            elif action == "exchange_paper":
                paper = meetings.paper_from_exchange(
                    user,
                    found.body,
                    int(request.POST.get("document") or 0),
                    request.POST.get("confidentiality", Confidentiality.NORMAL),
                )
                meetings.attach_paper(user, int(request.POST.get("item") or 0), paper)
            elif action in ROOM_ACTIONS:
                ROOM_ACTIONS[action](user, found.pk, request.POST)
            else:
                raise InvalidInput(_("Choose what to do."), {})
        except ServiceError as exc:
            messages.error(request, exc.message)
        except (AgendaItem.DoesNotExist, ValueError):
            messages.error(request, _("No such item."))
        target = request.POST.get("next") == "room"
        return redirect("cabinet:room" if target else "cabinet:meeting", found.pk)
    return render(request, "cabinet/meeting.html", context)


ROOM_ACTIONS: dict[str, Any] = {
    "publish": lambda user, pk, data: meetings.publish(user, pk),
    "open": lambda user, pk, data: meetings.open_meeting(user, pk),
    "check_in": lambda user, pk, data: meetings.check_in(user, pk),
    "speak": lambda user, pk, data: meetings.request_to_speak(user, pk),
    "current": lambda user, pk, data: meetings.set_current_item(
        user, pk, int(data.get("item") or 0)
    ),
    "floor": lambda user, pk, data: meetings.give_floor(
        user, int(data.get("request") or 0), data.get("state", "speaking")
    ),
    "conclude": lambda user, pk, data: meetings.conclude(
        user, pk, int(data.get("item") or 0), data.get("conclusion", "")
    ),
    "close": lambda user, pk, data: meetings.close_meeting(user, pk),
}


@login_required
def meeting_minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The signed minutes and conclusions, the PDF as signed (it verifies at /verify/), for
    whoever sees the meeting (the secretariat, the invited, guests and delegates); audited."""
    user = acting_user(request)
    found = access.meeting_for(user, meeting_id)
    return signed_response(services.read_signed(user, found), "bien-ban", found.minutes_code)


@login_required
def room(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Phòng họp: the current item, who is present, who asks to speak and the conclusions,
    following the meeting without reloading."""
    return render(request, "cabinet/room.html", _meeting_context(request, meeting_id))


@login_required
def room_state(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The room's live part; "204 No Content" when nothing moved since ``v``, so that a page
    polling every few seconds costs one indexed read."""
    user = acting_user(request)
    found = access.meeting_for(user, meeting_id)
    if request.GET.get("v") == str(found.version):
        return HttpResponse(status=204)
    return render(request, "cabinet/_room.html", _meeting_context(request, meeting_id))


def dashboard_panel(
    request: HttpRequest, agency: Agency | None, start: date, end: date
) -> list[SafeString]:
    """The indicators' pages: meetings held, opinion sheets processed and paper pages replaced,
    per year (insights hook)."""
    ids = subtree_ids(agency) if agency is not None else None
    rows = selectors.yearly_figures(ids, start, end)
    return [render_to_string("cabinet/_dashboard_panel.html", {"years": rows}, request)]
