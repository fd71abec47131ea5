"""Pages: send feedback, follow it by its code, read the published answers; the agency's
officials answer what was sent to them."""

from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from egov.catalog.models import Procedure
from egov.catalog.selectors import get_procedure, performing_agencies
from egov.core.errors import ServiceError
from egov.core.models import Agency
from egov.core.pagination import page_of
from egov.identity import ratelimit
from egov.identity.auth import acting_user

from . import access, selectors, services
from .models import Feedback, FeedbackStatus

#: Feedback sent per hour from one client address.
SENT_PER_ADDRESS = 10


class FeedbackForm(forms.Form):
    agency = forms.ChoiceField(label=gettext_lazy("Agency"))
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=services.SUBJECT_MAX)
    text = forms.CharField(
        label=gettext_lazy("Your feedback or recommendation"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    author_name = forms.CharField(
        label=gettext_lazy("Your name (not published)"), max_length=200, required=False
    )
    author_contact = forms.CharField(
        label=gettext_lazy("Email or phone to reach you (not published)"),
        max_length=254,
        required=False,
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer (published with the question, personal data removed)"),
        max_length=services.ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


def send(request: HttpRequest) -> HttpResponse:
    """Gửi phản ánh, kiến nghị, about a procedure (``?procedure=``) or anything an agency does."""
    procedure: Procedure | None = get_procedure(request.GET.get("procedure", "")) or None
    agencies = performing_agencies(procedure) if procedure else Agency.objects.order_by("name")
    form = FeedbackForm(request.POST or None)
    cast(forms.ChoiceField, form.fields["agency"]).choices = [(a.code, a.name) for a in agencies]
    status = 200
    if request.method == "POST" and form.is_valid():
        address = ratelimit.client_address(request)
        if not ratelimit.hit("feedback", address, SENT_PER_ADDRESS):
            form.add_error(None, str(ratelimit.TOO_MANY))
            status = 429
        else:
            try:
                feedback = services.submit(
                    author=acting_user(request) if request.user.is_authenticated else None,
                    procedure_code=procedure.code if procedure else "",
                    agency_code=form.cleaned_data["agency"],
                    **{
                        k: form.cleaned_data[k]
                        for k in ("subject", "text", "author_name", "author_contact")
                    },
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.http_status
            else:
                return redirect("feedback:detail", feedback.code)
    elif request.method == "POST":
        status = 422
    return render(
        request, "feedback/send.html", {"form": form, "procedure": procedure}, status=status
    )


def detail(request: HttpRequest, code: str) -> HttpResponse:
    """A feedback by its code: its state and due date; once answered, the published question
    and the answer. Its sender and the agency also see what was sent."""
    feedback = Feedback.objects.select_related("agency", "procedure").filter(code=code).first()
    if feedback is None:
        raise Http404
    user = request.user
    own = bool(user.is_authenticated and feedback.author_id == user.pk) or access.may_answer(
        user, feedback
    )
    return render(
        request,
        "feedback/detail.html",
        {
            "feedback": feedback,
            "public": services.for_the_public(feedback),
            "own": own,
            "may_answer": access.may_answer(user, feedback)
            and feedback.status == FeedbackStatus.OPEN,
            "form": AnswerForm(),
        },
    )


def index(request: HttpRequest) -> HttpResponse:
    """The published answers, searchable, and how many were answered on time."""
    query = request.GET.get("q", "")[:200]
    page = page_of(request, selectors.published(query), 20)
    return render(
        request,
        "feedback/index.html",
        {"page": page, "q": query, "counts": selectors.counts()},
    )


@login_required
def backoffice(request: HttpRequest) -> HttpResponse:
    """The feedback awaiting an answer at the official's agencies, due first."""
    user = acting_user(request)
    if not user.is_official:
        raise Http404
    return render(
        request,
        "feedback/backoffice.html",
        {"page": page_of(request, selectors.open_for(user), 50)},
    )


@login_required
def answer(request: HttpRequest, code: str) -> HttpResponse:
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer(acting_user(request), code, form.cleaned_data["answer"])
        except ServiceError as exc:
            if exc.http_status == 404:
                raise Http404 from exc
            form.add_error(None, exc.message)
        else:
            return redirect("feedback:detail", code)
    feedback = Feedback.objects.filter(code=code).first()
    if feedback is None or not access.may_answer(request.user, feedback):
        raise Http404
    return render(
        request,
        "feedback/detail.html",
        {
            "feedback": feedback,
            "public": services.for_the_public(feedback),
            "own": True,
            "may_answer": feedback.status == FeedbackStatus.OPEN,
            "form": form,
        },
        status=422 if form.errors else 200,
    )


def procedure_questions(request: HttpRequest, procedure: Procedure) -> list[SafeString]:
    """The ``catalog.procedure_panels`` hook: questions asked about the procedure, with their
    published answers (hỏi đáp), and a link to ask."""
    answered = list(selectors.published(procedure_code=procedure.code)[:5])
    html = render_to_string(
        "feedback/_procedure_questions.html",
        {"answered": answered, "procedure": procedure},
        request=request,
    )
    return [mark_safe(html)]  # noqa: S308  (rendered by the template engine, escaped there)
