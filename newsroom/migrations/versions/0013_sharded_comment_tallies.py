"""comment_tallies in shards: each status's count spread over TALLY_SHARDS rows

Every new comment added one to the one "pending" row, and every decision moved two rows,
so on PostgreSQL all comments of the whole site queued for the same row lock, held to their
COMMIT. A comment now moves the rows of its own shard (its id modulo the shard count); a
count is the sum of its status's rows. The existing totals stay on shard 0.

Revision ID: 0013
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None

# As newsroom.models.TALLY_SHARDS when this was written (a migration never imports models).
SHARDS = 16
STATUSES = ("pending", "approved", "rejected", "spam")


def _tallies_table(*columns: sa.Column) -> None:
    op.create_table(
        "comment_tallies",
        sa.Column("status", sa.String(length=16), nullable=False),
        *columns,
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "status", *(column.name for column in columns), name=op.f("pk_comment_tallies")
        ),
    )


def _totals() -> dict[str, int]:
    """The four totals, read before the table is rebuilt (its key's name stays the same)."""
    rows = op.get_bind().execute(
        sa.text("SELECT status, SUM(total) FROM comment_tallies GROUP BY status")
    )
    return {status: int(total) for status, total in rows}


def upgrade():
    totals = _totals()
    op.drop_table("comment_tallies")
    _tallies_table(sa.Column("shard", sa.Integer(), nullable=False))
    op.bulk_insert(
        sa.table(
            "comment_tallies",
            sa.column("status", sa.String),
            sa.column("shard", sa.Integer),
            sa.column("total", sa.Integer),
        ),
        [
            {"status": status, "shard": shard, "total": totals.get(status, 0) if shard == 0 else 0}
            for status in STATUSES
            for shard in range(SHARDS)
        ],
    )


def downgrade():
    totals = _totals()
    op.drop_table("comment_tallies")
    _tallies_table()
    op.bulk_insert(
        sa.table("comment_tallies", sa.column("status", sa.String), sa.column("total", sa.Integer)),
        [{"status": status, "total": totals.get(status, 0)} for status in STATUSES],
    )
