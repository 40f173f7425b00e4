"""Tables for content-addressed blobs, uploads in progress, manifests, labels and tag history."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class Blob(Base):
    """Bytes stored once under their digest and shared by every repository that links them."""

    __tablename__ = "blob"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(140), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime]


class RepositoryBlob(Base):
    """A blob is visible in a repository only through such a link (upload, mount or manifest)."""

    __tablename__ = "repository_blob"

    repository_id: Mapped[int] = mapped_column(
        ForeignKey("repository.id", ondelete="CASCADE"), primary_key=True
    )
    blob_id: Mapped[int] = mapped_column(
        ForeignKey("blob.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created: Mapped[datetime]


class Upload(Base):
    """A blob upload in progress; its bytes grow in a staging object, so any process may continue it."""

    __tablename__ = "blob_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repository.id", ondelete="CASCADE"), index=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    staging_key: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime]
    updated: Mapped[datetime]


class Manifest(Base):
    """A manifest or index of one repository, kept byte for byte as pushed."""

    __tablename__ = "manifest"
    __table_args__ = (
        UniqueConstraint("repository_id", "digest"),
        Index("ix_manifest_repository_subject", "repository_id", "subject_digest"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repository.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(140))
    media_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    config_media_type: Mapped[str | None] = mapped_column(String(255))
    artifact_type: Mapped[str | None] = mapped_column(String(255))
    subject_digest: Mapped[str | None] = mapped_column(String(140))
    created: Mapped[datetime]
    # Sum of the compressed layer sizes (Quay's ``layers_compressed_size``); None for indexes.
    layers_size: Mapped[int | None] = mapped_column(BigInteger)
    # Set by DELETE-by-digest: the row stays for tag history, but the manifest is no longer served.
    deleted_at: Mapped[datetime | None]


class ManifestRef(Protocol):
    """What tagging and labelling need of a stored manifest: a ``Manifest`` row or a lighter handle."""

    @property
    def id(self) -> int: ...

    @property
    def digest(self) -> str: ...


class ManifestBlob(Base):
    """A blob (config or layer) a manifest references."""

    __tablename__ = "manifest_blob"

    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id", ondelete="CASCADE"), primary_key=True)
    blob_id: Mapped[int] = mapped_column(
        ForeignKey("blob.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ManifestChild(Base):
    """A manifest an index (or manifest list) references."""

    __tablename__ = "manifest_child"

    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id", ondelete="CASCADE"), primary_key=True)
    child_id: Mapped[int] = mapped_column(
        ForeignKey("manifest.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Tag(Base):
    """One span of a tag's life: it pointed at ``manifest_id`` from ``start_time`` to ``end_time``.

    A live tag has no ``end_time``; moving a tag ends its row and starts a new one, so the history of
    every tag stays queryable (Quay's tag history API reads it). ``expiration`` is a future end set
    through the API or the ``quay.expires-after`` label: past it the tag counts as ended, and the
    garbage collector writes ``end_time``. Ended rows stay (restorable) for the namespace's
    ``tag_expiration_s``, then the collector removes them.
    """

    __tablename__ = "tag"
    __table_args__ = (
        Index("ix_tag_repository_name", "repository_id", "name", "start_time", "id"),
        Index("ix_tag_manifest", "manifest_id"),
        Index(
            "uq_tag_live_name",
            "repository_id",
            "name",
            unique=True,
            sqlite_where=text("end_time IS NULL"),
            postgresql_where=text("end_time IS NULL"),
        ),
        Index("ix_tag_repository_start", "repository_id", "start_time", "name", "id"),
        Index(
            "ix_tag_live_repository_start",
            "repository_id",
            "start_time",
            "name",
            "id",
            sqlite_where=text("end_time IS NULL"),
            postgresql_where=text("end_time IS NULL"),
        ),
        Index("ix_tag_end_time", "end_time"),
        Index("ix_tag_expiration", "expiration"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repository.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id", ondelete="CASCADE"))
    start_time: Mapped[datetime]
    end_time: Mapped[datetime | None]
    expiration: Mapped[datetime | None]
    reversion: Mapped[bool] = mapped_column(Boolean, default=False)


class ManifestLabel(Base):
    """A key/value label on a manifest: from the image config at push time, or added through the API."""

    __tablename__ = "manifest_label"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(Text)
    source_type: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(32))


class PendingDeletion(Base):
    """Bytes the garbage collector decided to delete, kept until the delete is done (crash-safe).

    ``digest`` is set for blob bytes: the delete happens only while no blob row has that digest
    again (a re-upload may have adopted the bytes). Staging objects of dropped uploads have none.
    """

    __tablename__ = "pending_deletion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(255))
    digest: Mapped[str | None] = mapped_column(String(140))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    created: Mapped[datetime]
