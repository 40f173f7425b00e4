"""Registry: repositories, permissions, blobs, uploads, manifests and tag history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 22:38:12.756947
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import berth.db.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=140), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blob")),
        sa.UniqueConstraint("digest", name=op.f("uq_blob_digest")),
    )
    op.create_table(
        "repository",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "visibility",
            sa.Enum("PUBLIC", "PRIVATE", name="visibility", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "NORMAL",
                "READ_ONLY",
                "MIRROR",
                "MARKED_FOR_DELETION",
                name="repostate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["namespace_id"],
            ["account.id"],
            name=op.f("fk_repository_namespace_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repository")),
        sa.UniqueConstraint("namespace_id", "name", name=op.f("uq_repository_namespace_id_name")),
    )
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repository_namespace_id"), ["namespace_id"], unique=False)

    op.create_table(
        "blob_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("staging_key", sa.String(length=255), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_blob_upload_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blob_upload")),
        sa.UniqueConstraint("uuid", name=op.f("uq_blob_upload_uuid")),
    )
    with op.batch_alter_table("blob_upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blob_upload_repository_id"), ["repository_id"], unique=False)

    op.create_table(
        "manifest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=140), nullable=False),
        sa.Column("media_type", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("config_media_type", sa.String(length=255), nullable=True),
        sa.Column("artifact_type", sa.String(length=255), nullable=True),
        sa.Column("subject_digest", sa.String(length=140), nullable=True),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", berth.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_manifest_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manifest")),
        sa.UniqueConstraint("repository_id", "digest", name=op.f("uq_manifest_repository_id_digest")),
    )
    with op.batch_alter_table("manifest", schema=None) as batch_op:
        batch_op.create_index(
            "ix_manifest_repository_subject", ["repository_id", "subject_digest"], unique=False
        )

    op.create_table(
        "repository_blob",
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_id"], ["blob.id"], name=op.f("fk_repository_blob_blob_id_blob"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_repository_blob_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("repository_id", "blob_id", name=op.f("pk_repository_blob")),
    )
    with op.batch_alter_table("repository_blob", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repository_blob_blob_id"), ["blob_id"], unique=False)

    op.create_table(
        "repository_permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("READ", "WRITE", "ADMIN", name="rolename", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_repository_permission_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_repository_permission_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repository_permission")),
        sa.UniqueConstraint(
            "repository_id", "account_id", name=op.f("uq_repository_permission_repository_id_account_id")
        ),
    )
    with op.batch_alter_table("repository_permission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repository_permission_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_repository_permission_repository_id"), ["repository_id"], unique=False
        )

    op.create_table(
        "manifest_blob",
        sa.Column("manifest_id", sa.Integer(), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_id"], ["blob.id"], name=op.f("fk_manifest_blob_blob_id_blob"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["manifest_id"],
            ["manifest.id"],
            name=op.f("fk_manifest_blob_manifest_id_manifest"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("manifest_id", "blob_id", name=op.f("pk_manifest_blob")),
    )
    with op.batch_alter_table("manifest_blob", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manifest_blob_blob_id"), ["blob_id"], unique=False)

    op.create_table(
        "manifest_child",
        sa.Column("manifest_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["manifest.id"],
            name=op.f("fk_manifest_child_child_id_manifest"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manifest_id"],
            ["manifest.id"],
            name=op.f("fk_manifest_child_manifest_id_manifest"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("manifest_id", "child_id", name=op.f("pk_manifest_child")),
    )
    with op.batch_alter_table("manifest_child", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manifest_child_child_id"), ["child_id"], unique=False)

    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("manifest_id", sa.Integer(), nullable=False),
        sa.Column("start_time", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("end_time", berth.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["manifest_id"], ["manifest.id"], name=op.f("fk_tag_manifest_id_manifest"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_tag_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
    )
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.create_index("ix_tag_manifest", ["manifest_id"], unique=False)
        batch_op.create_index("ix_tag_repository_name", ["repository_id", "name"], unique=False)
        batch_op.create_index(
            "uq_tag_live_name",
            ["repository_id", "name"],
            unique=True,
            sqlite_where=sa.text("end_time IS NULL"),
            postgresql_where=sa.text("end_time IS NULL"),
        )


def downgrade() -> None:

    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_tag_live_name",
            sqlite_where=sa.text("end_time IS NULL"),
            postgresql_where=sa.text("end_time IS NULL"),
        )
        batch_op.drop_index("ix_tag_repository_name")
        batch_op.drop_index("ix_tag_manifest")

    op.drop_table("tag")
    with op.batch_alter_table("manifest_child", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manifest_child_child_id"))

    op.drop_table("manifest_child")
    with op.batch_alter_table("manifest_blob", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manifest_blob_blob_id"))

    op.drop_table("manifest_blob")
    with op.batch_alter_table("repository_permission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repository_permission_repository_id"))
        batch_op.drop_index(batch_op.f("ix_repository_permission_account_id"))

    op.drop_table("repository_permission")
    with op.batch_alter_table("repository_blob", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repository_blob_blob_id"))

    op.drop_table("repository_blob")
    with op.batch_alter_table("manifest", schema=None) as batch_op:
        batch_op.drop_index("ix_manifest_repository_subject")

    op.drop_table("manifest")
    with op.batch_alter_table("blob_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blob_upload_repository_id"))

    op.drop_table("blob_upload")
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repository_namespace_id"))

    op.drop_table("repository")
    op.drop_table("blob")
