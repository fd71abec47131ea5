"""Refusals of the records part, in the shared ``{code, message, errors}`` shape."""

from egov.core.errors import ServiceError


class RecordsError(ServiceError):
    code = "invalid"


class NotFound(RecordsError):
    code, http_status = "not_found", 404


class NotAllowed(RecordsError):
    code, http_status = "forbidden", 403


class WrongState(RecordsError):
    code, http_status = "invalid_state", 409


class InvalidInput(RecordsError):
    code, http_status = "invalid_input", 422


class PkiError(RecordsError):
    """A certificate or key that cannot be used."""

    code, http_status = "pki_error", 503
