"""The one shape of a refused service operation, shared by every part."""

from collections.abc import Mapping


class ServiceError(Exception):
    """A refused operation; ``code`` is stable for API clients, the message is for people,
    ``errors`` names the fields at fault."""

    code = "invalid_input"
    http_status = 422

    def __init__(self, message: str, errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})
