"""The error classes the front ends tell apart, re-exported so ui/ and cli/ need not import api/.

The GUI shows each error where it belongs: a wrong password under the password field, an unknown
domain under the domain field, "no network" as a banner, a 422 field map beside the fields. All
of these are `UserFacingError`s with a translated `.message`; this module only names them.
"""

from __future__ import annotations

from moco_desktop.api.errors import (
    ApiKeysDisabledError,
    ConfigurationError,
    ForbiddenError,
    ImpersonationForbiddenError,
    InsecureBaseUrlError,
    InvalidCredentialsError,
    InvalidDomainError,
    LockedError,
    MocoError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ResponseLostError,
    ServerError,
    UnauthorizedError,
    ValidationError,
)

__all__ = [
    "ApiKeysDisabledError",
    "ConfigurationError",
    "ForbiddenError",
    "ImpersonationForbiddenError",
    "InsecureBaseUrlError",
    "InvalidCredentialsError",
    "InvalidDomainError",
    "LockedError",
    "MocoError",
    "NetworkError",
    "NotFoundError",
    "RateLimitedError",
    "ResponseLostError",
    "ServerError",
    "UnauthorizedError",
    "ValidationError",
]
