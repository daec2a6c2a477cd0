"""staff session keys and failed logins

users.session_key is part of every session and remember cookie of an account: a new key
(logout, a new password, "log out everywhere", deactivation) ends them all. Each existing
account gets its own random key here. failed_logins keeps the logins that failed, so every
worker counts the same attempts (newsroom/accounts.py).

The users table is altered in place, never copied: SQLite copies a table by dropping the
old one, and with foreign keys on that drop runs ON DELETE SET NULL on every article's
author and every moderation event's actor. So on SQLite the new column keeps the empty
default it was added with (an ADD COLUMN ... NOT NULL needs one); PostgreSQL drops it.

Revision ID: 0007
Revises: 0006
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("session_key", sa.String(length=64), nullable=False, server_default="")
        )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_key", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(session_key=secrets.token_urlsafe(32))
        )
    if connection.dialect.name != "sqlite":
        op.alter_column("users", "session_key", server_default=None)

    op.create_table(
        "failed_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("client_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_failed_logins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_logins")),
    )
    with op.batch_alter_table("failed_logins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_failed_logins_email_fingerprint_at",
            ["email", "client_fingerprint", "at"],
            unique=False,
        )
        batch_op.create_index("ix_failed_logins_email_at", ["email", "at"], unique=False)
        batch_op.create_index("ix_failed_logins_user_id_at", ["user_id", "at"], unique=False)
        batch_op.create_index("ix_failed_logins_at", ["at"], unique=False)


def downgrade():
    with op.batch_alter_table("failed_logins", schema=None) as batch_op:
        batch_op.drop_index("ix_failed_logins_at")
        batch_op.drop_index("ix_failed_logins_user_id_at")
        batch_op.drop_index("ix_failed_logins_email_at")
        batch_op.drop_index("ix_failed_logins_email_fingerprint_at")
    op.drop_table("failed_logins")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a copy of the table: see above.
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("session_key")
