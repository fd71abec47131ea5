"""The public, versioned HTTP API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from egov.catalog.api import router as catalog_router
from egov.core.api import router as core_router
from egov.dossiers.api import backoffice_router, public_router
from egov.dossiers.api import router as dossiers_router
from egov.dossiers.services import DossierError
from egov.identity.account.api import account_router, organisations_router
from egov.identity.account.services import AccountError
from egov.identity.api import router as officials_router
from egov.identity.services import OrganisationError
from egov.records.api import public_router as verification_router
from egov.records.api import router as results_router
from egov.records.errors import RecordsError
from egov.registries.api import router as registries_router

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
api.add_router("/organisations", organisations_router, tags=["organisations"])
api.add_router("/registries", registries_router, tags=["registries"])
api.add_router("/verification", verification_router, tags=["verification"])
api.add_router("/results", results_router, tags=["electronic results"])


@api.exception_handler(DossierError)
def _dossier_error(request: HttpRequest, exc: DossierError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": exc.code, "message": exc.message, "errors": exc.errors},
        status=exc.http_status,
    )


@api.exception_handler(AccountError)
@api.exception_handler(OrganisationError)
@api.exception_handler(RecordsError)
def _part_error(
    request: HttpRequest, exc: AccountError | OrganisationError | RecordsError
) -> HttpResponse:
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
