"""The one error vocabulary of Berth.

Domain code raises these; it never picks an HTTP status. Two renderers turn them into responses:
``berth.api.errors`` (Quay's JSON) and ``berth.registry.errors`` (OCI ``errors`` JSON). Each class
names the Quay ``error_type`` and the OCI ``code`` it maps to, so both renderers read one table.
"""

from __future__ import annotations

from typing import Any, ClassVar


class BerthError(Exception):
    """Base of every error a request may end with."""

    quay_type: ClassVar[str] = "invalid_request"
    oci_code: ClassVar[str] = "UNSUPPORTED"

    def __init__(self, message: str, *, detail: Any = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.extra: dict[str, Any] = dict(extra or {})


class InvalidRequest(BerthError):
    """The request is malformed or breaks a rule (bad JSON, a missing field, a bad name)."""

    quay_type = "invalid_request"
    oci_code = "UNSUPPORTED"


class DataModelError(InvalidRequest):
    """A rule of the data model was broken; Quay answers these with a bare ``{"message"}`` body."""


class Unauthenticated(BerthError):
    """No valid credentials came with a request that needs them."""

    quay_type = "invalid_token"
    oci_code = "UNAUTHORIZED"


class ExpiredToken(Unauthenticated):
    """The credential was valid once and has expired."""

    quay_type = "expired_token"


class FreshLoginRequired(Unauthenticated):
    """A session must have signed in recently for this operation."""

    quay_type = "fresh_login_required"


class Forbidden(BerthError):
    """The caller is known but lacks the permission."""

    quay_type = "insufficient_scope"
    oci_code = "DENIED"


class CsrfFailure(Forbidden):
    """A cookie-authenticated write came without the session's CSRF token."""


class BrowserCallRefused(InvalidRequest):
    """A browser made an API GET without ``X-Requested-With`` (``BROWSER_API_CALLS_XHR_ONLY``)."""


class NotFound(BerthError):
    """The thing named does not exist (or the caller may not know it does)."""

    quay_type = "not_found"
    oci_code = "NAME_UNKNOWN"


class Conflict(BerthError):
    """The request conflicts with the current state."""

    quay_type = "invalid_request"
    oci_code = "DENIED"


class TooManyRequests(BerthError):
    """The caller is being throttled; ``retry_after`` says for how long (seconds)."""

    quay_type = "invalid_request"
    oci_code = "TOOMANYREQUESTS"

    def __init__(self, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FeatureDisabled(NotFound):
    """The operation exists in Quay but its feature flag is off here."""


class ServiceUnavailable(BerthError):
    """A dependency (database, storage) is not answering."""

    quay_type = "downstream_issue"
    oci_code = "UNAVAILABLE"


# Registry-specific refinements: each narrows an OCI code while keeping its Quay meaning.


class NameInvalid(InvalidRequest):
    """A repository name that breaks the naming rules."""

    oci_code = "NAME_INVALID"


class NameUnknown(NotFound):
    """A repository that does not exist."""

    oci_code = "NAME_UNKNOWN"


class BlobUnknown(NotFound):
    """A blob that is not in the repository."""

    oci_code = "BLOB_UNKNOWN"


class BlobUploadUnknown(NotFound):
    """An upload session that does not exist (or has ended)."""

    oci_code = "BLOB_UPLOAD_UNKNOWN"


class BlobUploadInvalid(InvalidRequest):
    """An upload request that cannot be applied (bad range, bad state)."""

    oci_code = "BLOB_UPLOAD_INVALID"


class DigestInvalid(InvalidRequest):
    """Content did not match its digest, or the digest is malformed."""

    oci_code = "DIGEST_INVALID"


class SizeInvalid(InvalidRequest):
    """Content length did not match what was declared."""

    oci_code = "SIZE_INVALID"


class ManifestUnknown(NotFound):
    """A manifest (by tag or digest) that does not exist."""

    oci_code = "MANIFEST_UNKNOWN"


class ManifestInvalid(InvalidRequest):
    """A manifest that cannot be parsed or validated."""

    oci_code = "MANIFEST_INVALID"


class ManifestBlobUnknown(InvalidRequest):
    """A manifest references a blob or child manifest the repository lacks."""

    oci_code = "MANIFEST_BLOB_UNKNOWN"


class TagInvalid(InvalidRequest):
    """A tag name that breaks the naming rules."""

    oci_code = "TAG_INVALID"


class Unsupported(BerthError):
    """The operation is not supported (Quay: blob DELETE)."""

    quay_type = "invalid_request"
    oci_code = "UNSUPPORTED"


class RangeNotSatisfiable(BlobUploadInvalid):
    """A chunk arrived out of order or a read range lies outside the blob."""


class PayloadTooLarge(InvalidRequest):
    """A request body exceeds the size Berth accepts for it."""

    oci_code = "SIZE_INVALID"


def all_error_classes() -> list[type[BerthError]]:
    """Every concrete error class, for the meta-test that each renders in both formats."""
    seen: list[type[BerthError]] = []
    stack: list[type[BerthError]] = [BerthError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
