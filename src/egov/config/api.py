"""The public, versioned HTTP API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Every answer that is not a success has the one documented shape ``{code, message, errors}``
(:class:`egov.core.errors.ErrorOut`): the handlers at the end of this module are the one place
that turns refusals, unreadable requests and unknown paths into it, and :class:`EgovAPI` documents
the error statuses on every operation."""

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from django.core import signals
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from egov.cabinet.api import router as cabinet_router
from egov.catalog.api import router as catalog_router
from egov.core.api import router as core_router
from egov.core.errors import (
    ERROR_STATUSES,
    ErrorOut,
    ServiceError,
    TooManyRequests,
    error_body,
)
from egov.dossiers.api import backoffice_router, public_router
from egov.dossiers.api import router as dossiers_router
from egov.exchange.api import node_router as exchange_node_router
from egov.exchange.api import router as exchange_router
from egov.gateway.api import member_router as gateway_member_router
from egov.gateway.api import router as gateway_router
from egov.gateway.api import token_router as gateway_token_router
from egov.identity.account.api import account_router
from egov.identity.auth_api import router as auth_router
from egov.identity.officials.api import router as officials_router
from egov.identity.organisations.api import router as organisations_router
from egov.insights.api import router as insights_router
from egov.insights.api import sync_router as insights_sync_router
from egov.interconnected.api import router as interconnected_router
from egov.payments.api import router as payments_router
from egov.records.api import public_router as verification_router
from egov.records.api import router as results_router
from egov.registries.api import router as registries_router
from egov.reporting.api import router as reporting_router
from egov.repository.api import public_router as repository_public_router
from egov.repository.api import router as repository_router

log = logging.getLogger("django.request")

#: What each error status means, in the OpenAPI document.
_STATUS_DESCRIPTIONS = {
    400: "Malformed request: unreadable body, bad multipart boundary (`bad_request`)",
    401: "No or bad credentials (`unauthenticated`, `invalid_credentials`)",
    403: (
        "Your role may not do this, the CSRF token is missing, or a one-time code is needed "
        "(`forbidden`, `csrf_failed`, `otp_required`)"
    ),
    404: "No such object, or not yours to see (`not_found`)",
    409: (
        "The object's state or version does not allow this, or it clashes with what exists "
        "(`invalid_state`, `stale`, `conflict`)"
    ),
    413: "The body is over the size limit (`too_large`)",
    422: "Invalid parameters or body; `errors` names each field (`invalid_input`)",
    429: "Too many requests; retry after `Retry-After` seconds (`too_many_requests`)",
}
_BODYLESS = ("get", "head", "delete", "options")


class EgovAPI(NinjaAPI):
    """The API, with its error statuses documented on every operation and its unknown paths and
    methods answered in the error shape."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _document_errors(schema)
        return schema

    def get_openapi_operation_id(self, operation: Any) -> str:
        """``<api module>_<function>``, where a part's API split into a package of modules
        (``egov.dossiers.api.steps``) counts as its package: clients' generated names do not
        change when a module is split."""
        module, _sep, _inner = operation.view_func.__module__.partition(".api.")
        api_module = f"{module}.api" if _sep else module
        return f"{api_module}_{operation.view_func.__name__}".replace(".", "_")

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_refusal(pattern.callback)
        # Last: any other path under the API is a JSON 404, not the HTML page of the site.
        urls.append(re_path(r"^.*$", _unknown_path, name="unknown-path"))
        return urls


def _document_errors(schema: dict[str, Any]) -> None:
    """Declare ERROR_STATUSES on every operation that does not declare them itself (413 only
    where there is a body to be too large)."""
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema())
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in ERROR_STATUSES:
                if status == 413 and method in _BODYLESS:
                    continue
                declared = responses.get(status) or responses.get(str(status))
                if declared is None:
                    responses[status] = {
                        "description": _STATUS_DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": ref}},
                    }
                elif declared.get("content", {}).get("application/json", {}).get("schema") == ref:
                    declared["description"] = _STATUS_DESCRIPTIONS[status]


def _error(
    request: HttpRequest, status: int, code: str, message: str, errors: dict[str, str] | None = None
) -> HttpResponse:
    # ``errors`` is a dict, not keywords: a field may be called "code" or "message".
    return api.create_response(request, error_body(code, message, errors), status=status)


def _json_method_refusal(view: Callable[..., Any]) -> Callable[..., Any]:
    """ninja answers a method a path does not have with a plain-text 405: make it the shape."""

    def translate(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status_code != 405:
            return response
        refusal = _error(request, 405, "method_not_allowed", _("This method is not allowed here."))
        refusal["Allow"] = response.get("Allow", "")
        return refusal

    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return translate(request, await view(request, *args, **kwargs))

        return async_wrapper

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return translate(request, view(request, *args, **kwargs))

    return wrapper


@csrf_exempt
def _unknown_path(request: HttpRequest) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


api = EgovAPI(
    title="egov API",
    version="1",
    description=(
        "Cổng dịch vụ công và hệ thống một cửa điện tử — public-service portal and one-stop back "
        "office. Errors are JSON `{code, message, errors}` with a stable `code` and a message in "
        "the request's language (Vietnamese by default)."
    ),
    urls_namespace="api",
)
api.add_router("/agencies", core_router, tags=["agencies"])
api.add_router("/procedures", catalog_router, tags=["procedures"])
api.add_router("/dossiers", dossiers_router, tags=["dossiers"])
api.add_router("/backoffice", backoffice_router, tags=["back office"])
api.add_router("/tracking", public_router, tags=["tracking"])
api.add_router("/officials", officials_router, tags=["officials"])
api.add_router("/account", account_router, tags=["account"])
api.add_router("/auth", auth_router, tags=["authentication"])
api.add_router("/organisations", organisations_router, tags=["organisations"])
api.add_router("/registries", registries_router, tags=["registries"])
api.add_router("/gateway", gateway_token_router, tags=["data-sharing gateway"])
api.add_router("/gateway", gateway_router, tags=["data-sharing gateway"])
api.add_router("/gateway", gateway_member_router, tags=["data-sharing gateway"])
api.add_router("/exchange", exchange_node_router, tags=["document axis"])
api.add_router("/exchange", exchange_router, tags=["document axis"])
api.add_router("/reporting", reporting_router, tags=["reporting"])
api.add_router("/insights", insights_router, tags=["indicators"])
api.add_router("/insights/sync", insights_sync_router, tags=["national sync"])
api.add_router("/interconnected", interconnected_router, tags=["interconnected procedures"])
api.add_router("/cabinet", cabinet_router, tags=["ecabinet"])
api.add_router("/payments", payments_router, tags=["payments"])
api.add_router("/repository", repository_router, tags=["data repository"])
api.add_router("/repository", repository_public_router, tags=["data repository"])
api.add_router("/verification", verification_router, tags=["verification"])
api.add_router("/results", results_router, tags=["electronic results"])


# --- errors: every refusal in the one shape ---------------------------------------------------------


@api.exception_handler(ServiceError)
def _refused(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """Every part's refusals (the kernel's ServiceError family) in one JSON shape."""
    response = api.create_response(
        request, error_body(exc.code, exc.message, exc.errors), status=exc.http_status
    )
    if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(DjangoValidationError)
def _invalid_model(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A model or password validation a service lets through: 422 with the fields at fault."""
    if hasattr(exc, "error_dict"):
        errors = {field: " ".join(messages) for field, messages in exc.message_dict.items()}
    else:
        errors = {"__all__": " ".join(exc.messages)}
    return _error(request, 422, "invalid_input", _("Invalid input."), errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("Authentication required."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", _("You may not do this."))


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _error(request, 429, "too_many_requests", _("Too many requests; try again later."))
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


#: ninja's own refusals (HttpError) by status: a body it cannot parse (400), the CSRF check of the
#: session cookie (403).
_HTTP_ERRORS = {
    400: ("bad_request", gettext_lazy("The request cannot be read.")),
    403: ("csrf_failed", gettext_lazy("The CSRF token is missing or wrong.")),
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code, message = _HTTP_ERRORS.get(exc.status_code, _HTTP_ERRORS[400])
    return _error(request, exc.status_code, code, str(message))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = {".".join(str(p) for p in e.get("loc", [])): e.get("msg", "") for e in exc.errors}
    return _error(request, 422, "invalid_input", _("Invalid input."), errors)


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "too_large", _("The request body is too large."))


def _unreadable(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    """A multipart body with a bad boundary, too many fields, an interrupted upload."""
    return _error(request, 400, "bad_request", _("The request cannot be read."))


for _kind in (MultiPartParserError, SuspiciousOperation, BadRequest, UnreadablePostError):
    api.add_exception_handler(_kind, _unreadable)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A defect: logged and signalled as Django does, answered in the shape without a traceback
    (also under DEBUG)."""
    log.error("api_unexpected_error", exc_info=exc, extra={"status_code": 500, "request": request})
    signals.got_request_exception.send(sender=None, request=request)
    return _error(request, 500, "server_error", _("An unexpected error occurred."))
