"""The business registry (Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp) as identity sees it: a
member service reached through the data-sharing gateway (``BUSINESS_SERVICE``), never its
models. It tells whether a person is a business's registered legal representative."""

from dataclasses import dataclass

from django.conf import settings

from egov.core.gateway_client import GatewayClient, GatewayUnavailable, answered_not_found


class BusinessRegistryUnavailable(Exception):
    """The registry could not answer now; the message holds no personal data."""


@dataclass(frozen=True)
class RepresentativeAnswer:
    found: bool  # the registry knows the tax code
    is_representative: bool
    status: str  # active, suspended, dissolved ("" when not found)


def check_representative(
    tax_code: str, personal_id: str, gateway: GatewayClient | None = None
) -> RepresentativeAnswer:
    try:
        response = (gateway or GatewayClient()).call(
            "POST",
            settings.BUSINESS_SERVICE,
            "representative",
            json={"tax_code": tax_code, "personal_id": personal_id},
            timeout=settings.POPULATION_LOOKUP_TIMEOUT,  # a person waits for the page
        )
    except GatewayUnavailable as exc:
        raise BusinessRegistryUnavailable(str(exc)) from None
    if answered_not_found(response):
        return RepresentativeAnswer(found=False, is_representative=False, status="")
    if response.status_code != 200:
        raise BusinessRegistryUnavailable(f"HTTP {response.status_code}")
    try:
        body = response.json()
        return RepresentativeAnswer(True, bool(body["is_representative"]), str(body["status"]))
    except (ValueError, KeyError, TypeError):
        raise BusinessRegistryUnavailable("malformed answer") from None
