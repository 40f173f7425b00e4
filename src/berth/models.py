"""Imports every model module so ``Base.metadata`` knows the whole schema (for Alembic)."""

from __future__ import annotations

from berth.accounts import models as accounts_models
from berth.auditlog import models as auditlog_models
from berth.content import models as content_models
from berth.db import instance as instance_models
from berth.db.base import Base
from berth.oauth import models as oauth_models
from berth.orgs import models as orgs_models
from berth.repos import models as repos_models

MODEL_MODULES = (
    accounts_models,
    auditlog_models,
    content_models,
    instance_models,
    oauth_models,
    orgs_models,
    repos_models,
)
metadata = Base.metadata
