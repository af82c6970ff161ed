"""AWS errors, as the handlers raise them (wire.render_error sends them)."""
from __future__ import annotations


class ApiError(Exception):
    """An AWS error to send back in the protocol of the service that was called."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def invalid(message: str) -> ApiError:
    return ApiError("InvalidInputException", message, 400)


def default_status(code: str) -> int:
    c = code.lower()
    if "internal" in c or c in ("internalfailure", "servicefailure"):
        return 500
    if "unavailable" in c:
        return 503
    if "timeout" in c:
        return 500
    if c.startswith("accessdenied") or c in ("unauthorizedoperation", "expiredtoken", "expiredtokenexception"):
        return 403
    return 400
