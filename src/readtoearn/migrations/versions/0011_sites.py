"""sites: publisher sites, API keys, signing keys, webhooks

Revision ID: 0011_sites
Revises: 0010_engagement
Create Date: 2026-12-06 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import readtoearn.db

revision: str = "0011_sites"
down_revision: str | Sequence[str] | None = "0010_engagement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "origins",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("audience", sa.String(length=200), nullable=True),
        sa.Column("created_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    op.create_table(
        "site_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_actions_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_actions")),
    )
    with op.batch_alter_table("site_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_actions_site_id"), ["site_id"], unique=False)

    op.create_table(
        "site_articles",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", readtoearn.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_site_articles_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_articles_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_site_articles")),
    )
    with op.batch_alter_table("site_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_articles_site_id"), ["site_id"], unique=False)

    op.create_table(
        "site_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", readtoearn.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_keys_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_site_keys_key_hash")),
    )
    with op.batch_alter_table("site_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_keys_site_id"), ["site_id"], unique=False)

    op.create_table(
        "site_readers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_readers_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_site_readers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_readers")),
        sa.UniqueConstraint(
            "site_id", "external_id", name=op.f("uq_site_readers_site_id_external_id")
        ),
    )
    with op.batch_alter_table("site_readers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_readers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "site_secrets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("material", sa.Text(), nullable=False),
        sa.Column("created_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", readtoearn.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_secrets_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_secrets")),
        sa.UniqueConstraint("site_id", "kid", name=op.f("uq_site_secrets_site_id_kid")),
    )
    op.create_table(
        "site_seen_tokens",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_seen_tokens_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", "jti", name=op.f("pk_site_seen_tokens")),
    )
    with op.batch_alter_table("site_seen_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_site_seen_tokens_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "site_webhooks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column(
            "events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", readtoearn.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_webhooks_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_webhooks")),
    )
    with op.batch_alter_table("site_webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_webhooks_site_id"), ["site_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("webhook_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", readtoearn.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", readtoearn.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", readtoearn.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["site_webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_site_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "webhook_id", "event_id", name=op.f("uq_webhook_deliveries_webhook_id_event_id")
        ),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_webhook_id"), ["webhook_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_webhook_id"))
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("site_webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_webhooks_site_id"))

    op.drop_table("site_webhooks")
    with op.batch_alter_table("site_seen_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_seen_tokens_expires_at"))

    op.drop_table("site_seen_tokens")
    op.drop_table("site_secrets")
    with op.batch_alter_table("site_readers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_readers_user_id"))

    op.drop_table("site_readers")
    with op.batch_alter_table("site_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_keys_site_id"))

    op.drop_table("site_keys")
    with op.batch_alter_table("site_articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_articles_site_id"))

    op.drop_table("site_articles")
    with op.batch_alter_table("site_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_actions_site_id"))

    op.drop_table("site_actions")
    op.drop_table("sites")
