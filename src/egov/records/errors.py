"""The records part's own refusal; the others are the kernel's (``egov.core.errors``)."""

from egov.core.errors import ServiceError


class PkiError(ServiceError):
    """A certificate or key that cannot be used."""

    code, http_status = "pki_error", 503
