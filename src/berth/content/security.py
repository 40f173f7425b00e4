"""The security-scanner plug behind ``getRepoManifestSecurity``.

A scanner answers for one manifest with Quay's status words (``queued``, ``scanned``, ``failed``,
``unsupported``) and, once scanned, the report in Clair's ``{"Layer": {...}}`` shape. Berth ships no
scanner: :class:`NoScanner` answers ``unsupported`` at once, so a client never waits on a ``queued``
that nothing will ever scan.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol

from berth.config import Settings


class ScanStatus(enum.StrEnum):
    """Quay's security statuses."""

    QUEUED = "queued"
    SCANNED = "scanned"
    FAILED = "failed"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class ScanResult:
    """What a scanner knows about a manifest."""

    status: ScanStatus
    data: dict[str, Any] | None = None


class SecurityScanner(Protocol):
    """Looks up (or starts) the scan of a manifest."""

    def lookup(self, repository: str, manifest_digest: str, *, vulnerabilities: bool) -> ScanResult:
        """The scan state of ``manifest_digest`` in ``repository``."""
        ...


class NoScanner:
    """No scanner configured: every manifest is ``unsupported``."""

    def lookup(self, repository: str, manifest_digest: str, *, vulnerabilities: bool) -> ScanResult:
        """Always ``unsupported``, never ``queued``."""
        del repository, manifest_digest, vulnerabilities
        return ScanResult(ScanStatus.UNSUPPORTED)


def scanner_for(settings: Settings) -> SecurityScanner:
    """The scanner the installation uses (none is configurable yet)."""
    del settings
    return NoScanner()


def security_view(result: ScanResult) -> dict[str, Any]:
    """Quay's ``{"status", "data"}`` body."""
    return {"status": str(result.status), "data": result.data}
