"""The public, versioned HTTP API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from egov.catalog.api import router as catalog_router
from egov.core.api import router as core_router
from egov.core.errors import ServiceError
from egov.dossiers.api import backoffice_router, public_router
from egov.dossiers.api import router as dossiers_router
from egov.identity.account.api import account_router, organisations_router
from egov.identity.api import router as officials_router
from egov.identity.auth_api import router as auth_router
from egov.insights.api import router as insights_router
from egov.insights.api import sync_router as insights_sync_router
from egov.payments.api import router as payments_router
from egov.records.api import public_router as verification_router
from egov.records.api import router as results_router
from egov.registries.api import router as registries_router
from egov.reporting.api import router as reporting_router
from egov.repository.api import public_router as repository_public_router
from egov.repository.api import router as repository_router

api = NinjaAPI(
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
api.add_router("/reporting", reporting_router, tags=["reporting"])
api.add_router("/insights", insights_router, tags=["indicators"])
api.add_router("/insights/sync", insights_sync_router, tags=["national sync"])
api.add_router("/payments", payments_router, tags=["payments"])
api.add_router("/repository", repository_router, tags=["data repository"])
api.add_router("/repository", repository_public_router, tags=["data repository"])
api.add_router("/verification", verification_router, tags=["verification"])
api.add_router("/results", results_router, tags=["electronic results"])


@api.exception_handler(ServiceError)
def _refused(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """Every part's refusals (subclasses of ServiceError) in one JSON shape."""
    return api.create_response(
        request,
        {"code": exc.code, "message": exc.message, "errors": exc.errors},
        status=exc.http_status,
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "not_found", "message": "Không tìm thấy / Not found", "errors": {}},
        status=404,
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "code": "unauthenticated",
            "message": "Cần đăng nhập / Authentication required",
            "errors": {},
        },
        status=401,
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = {".".join(str(p) for p in e.get("loc", [])): e.get("msg", "") for e in exc.errors}
    return api.create_response(
        request,
        {
            "code": "invalid_input",
            "message": "Dữ liệu không hợp lệ / Invalid input",
            "errors": errors,
        },
        status=422,
    )
