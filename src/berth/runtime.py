"""The Runtime: everything a request or a worker needs, built once by ``app.py`` or ``cli.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from berth.accounts.service import PasswordPolicy
from berth.auditlog.deferred import DeferredLogWriter
from berth.auditlog.export import ExportJobs
from berth.auth.policy import PolicyOptions
from berth.config import Settings
from berth.db.engine import Database
from berth.lib.dates import utcnow
from berth.storage.base import BlobStorage


@dataclass
class Runtime:
    """Settings, database, storage and clock, passed explicitly to whatever needs them."""

    settings: Settings
    db: Database
    storage: BlobStorage
    clock: Callable[[], datetime] = field(default=utcnow)
    # Usage-log entries written after the response (pulls); flushed at shutdown.
    deferred_logs: DeferredLogWriter = field(init=False, repr=False)
    # Usage-log exports running in background threads; awaited at shutdown.
    log_exports: ExportJobs = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.deferred_logs = DeferredLogWriter(lambda: self.db.transaction(write=True))
        self.log_exports = ExportJobs()

    @property
    def password_policy(self) -> PasswordPolicy:
        """How passwords are hashed on this installation."""
        return PasswordPolicy(cost=self.settings.password_hash_cost)

    @property
    def policy_options(self) -> PolicyOptions:
        """The settings the permission policy reads."""
        return PolicyOptions(
            anonymous_access=self.settings.feature("ANONYMOUS_ACCESS"),
            superusers_full_access=self.settings.feature("SUPERUSERS_FULL_ACCESS"),
        )
