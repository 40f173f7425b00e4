"""Build the configured storage driver; an unknown driver is a start-up error, never a fallback."""

from __future__ import annotations

from berth.config import ConfigError, Settings
from berth.storage.base import BlobStorage
from berth.storage.local import LocalStorage
from berth.storage.memory import MemoryStorage


def build_storage(settings: Settings) -> BlobStorage:
    """The driver of the first preferred location in ``DISTRIBUTED_STORAGE_PREFERENCE``."""
    name = settings.storage_preference[0]
    location = next(loc for loc in settings.storage if loc.name == name)
    if location.driver == "LocalStorage":
        return LocalStorage(str(location.params["storage_path"]))
    if location.driver == "MemoryStorage":
        return MemoryStorage()
    raise ConfigError(f"DISTRIBUTED_STORAGE_CONFIG.{name}", f"unknown storage driver {location.driver!r}")
