"""Typed errors that cross RPC boundaries intact.

A service raises one of these; nameko serialises it, and because each class is
registered with ``deserialize_to_instance`` the caller (the gateway, the CLI)
gets the same class back and can map it to an HTTP status without parsing text.
"""
import json
from types import TracebackType
from typing import Any, Self

from nameko.exceptions import deserialize_to_instance


class CctrackError(Exception):
    """Base class. ``message`` is for people (Chinese); ``details`` is structured
    (field name -> list of messages, or a list of row errors)."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None) -> None:
        if isinstance(details, str):
            details = json.loads(details)  # rebuilt from the RPC wire form below
        # nameko stringifies every non-string inside exception args (a row number
        # 3 would arrive as "3"), so details travel as one JSON string.
        super().__init__(message, json.dumps(details, ensure_ascii=False, default=str))
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message

    def with_code(self, code: str) -> Self:
        """The same error under a more specific machine-readable code (same status)."""
        self.code = code
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "details": self.details}


@deserialize_to_instance
class InvalidInput(CctrackError):
    status = 400
    code = "invalid_input"


@deserialize_to_instance
class Unauthorized(CctrackError):
    status = 401
    code = "unauthorized"


@deserialize_to_instance
class Forbidden(CctrackError):
    status = 403
    code = "forbidden"


@deserialize_to_instance
class NotFound(CctrackError):
    status = 404
    code = "not_found"


@deserialize_to_instance
class Conflict(CctrackError):
    status = 409
    code = "conflict"


@deserialize_to_instance
class PayloadTooLarge(CctrackError):
    status = 413
    code = "payload_too_large"


# Login and session (gateway only)
@deserialize_to_instance
class Locked(CctrackError):
    status = 429
    code = "locked"


@deserialize_to_instance
class AccountDisabled(CctrackError):
    status = 403
    code = "account_disabled"


@deserialize_to_instance
class CsrfFailed(CctrackError):
    status = 403
    code = "csrf_failed"


@deserialize_to_instance
class PasswordChangeRequired(CctrackError):
    status = 403
    code = "password_change_required"


@deserialize_to_instance
class ServiceUnavailable(CctrackError):
    """A part of the system (broker, a service, a store) cannot answer now; retry later."""
    status = 503
    code = "service_unavailable"


# what nameko hands a handler that raised (sys.exc_info())
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

EXPECTED = (CctrackError,)
"""Pass as ``expected_exceptions`` so nameko logs these as normal outcomes, not crashes."""
