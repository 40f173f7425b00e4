"""Imports every model module so ``Base.metadata`` knows the whole schema (for Alembic).

Every ``berth.<slice>.models`` module is found and imported, so a new slice never edits a shared list.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import berth
from berth.db import instance as instance_models
from berth.db.base import Base


def _model_modules() -> tuple[ModuleType, ...]:
    modules: list[ModuleType] = [instance_models]
    for info in sorted(pkgutil.iter_modules(berth.__path__), key=lambda m: m.name):
        if not info.ispkg:
            continue
        try:
            modules.append(importlib.import_module(f"berth.{info.name}.models"))
        except ModuleNotFoundError as exc:
            if exc.name != f"berth.{info.name}.models":
                raise
    return tuple(modules)


MODEL_MODULES = _model_modules()
metadata = Base.metadata
