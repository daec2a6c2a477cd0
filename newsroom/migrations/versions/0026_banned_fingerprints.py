"""the ban check reads only banned commenters' fingerprints

Every comment posted asks whether its address (fingerprint) is one a banned commenter used.
It was answered through an index of every fingerprint, joined to each commenter on it: a
walk of all the commenters who share an address (an office, a mobile network's gateway; in
the benchmark every reader), half a millisecond of the server's time per comment at five
hundred, and PostgreSQL's plan for any address took the same index to find a commenter's
own link. Each link now carries its commenter's ban, and a partial index holds only the
banned ones; the index of every fingerprint goes. The column is added in place (never by
copying the table: migration 0016 says why), with its server default.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("commenter_fingerprints", recreate="never") as batch:
        batch.add_column(
            sa.Column("banned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    links = sa.table(
        "commenter_fingerprints", sa.column("commenter_id"), sa.column("banned", sa.Boolean)
    )
    commenters = sa.table("commenters", sa.column("id"), sa.column("standing"))
    banned = sa.select(commenters.c.id).where(commenters.c.standing == "banned")
    op.execute(sa.update(links).where(links.c.commenter_id.in_(banned)).values(banned=True))
    op.drop_index("ix_commenter_fingerprints_fingerprint", table_name="commenter_fingerprints")
    op.create_index(
        "ix_commenter_fingerprints_banned",
        "commenter_fingerprints",
        ["fingerprint"],
        sqlite_where=sa.text("banned = 1"),
        postgresql_where=sa.text("banned"),
    )


def downgrade():
    op.drop_index("ix_commenter_fingerprints_banned", table_name="commenter_fingerprints")
    op.create_index(
        "ix_commenter_fingerprints_fingerprint", "commenter_fingerprints", ["fingerprint"]
    )
    with op.batch_alter_table("commenter_fingerprints", recreate="never") as batch:
        batch.drop_column("banned")
