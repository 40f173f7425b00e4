"""The HTTP status of each kind of :class:`~berth.errors.BerthError`, shared by both renderers
(Quay JSON on ``/api/v1`` and OCI ``errors`` on ``/v2``); looked up along the error's MRO."""

from __future__ import annotations

from collections.abc import Mapping

from berth import errors as e

# Most specific first; the first class in an error's MRO found here decides its status.
STATUS_BY_ERROR: Mapping[type[e.BerthError], int] = {
    e.PayloadTooLarge: 413,
    e.RangeNotSatisfiable: 416,
    e.TooManyRequests: 429,
    e.Unsupported: 405,
    e.ServiceUnavailable: 503,
    e.Conflict: 409,
    e.NotFound: 404,
    e.Forbidden: 403,
    e.Unauthenticated: 401,
    e.InvalidRequest: 400,
    e.BerthError: 400,
}


def status_for(exc: e.BerthError, overrides: Mapping[type[e.BerthError], int] | None = None) -> int:
    """The status of ``exc``: the first class of its MRO in ``overrides``, then in the shared table."""
    for cls in type(exc).__mro__:
        if overrides and cls in overrides:
            return overrides[cls]
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400
