"""commenters: readers known by their normalized e-mail, their fingerprints and standing

A commenter is one normalized e-mail address (trimmed, lower-cased: normalize_email in
newsroom/moderation/commenters.py), with kept counts of how their comments were decided,
when they were first and last seen, the client fingerprints they posted from, and their
standing (trusted, watched, banned), each change of it a commenter event.
comments.commenter_id links each comment to its commenter; moderation_events.rule names
the rule that decided when no person did.

Existing comments are backfilled set-based: one INSERT ... SELECT ... GROUP BY for the
commenters, one UPDATE ... FROM for the links, one INSERT ... SELECT DISTINCT for the
fingerprints, with the indexes built after the rows are in. The SQL lower-cases and trims
exactly as Python does for addresses of printable ASCII (nearly all of them); the few
others (non-ASCII letters, tabs) are normalized by Python itself, row by row, so a
commenter's key is the same whichever way it was made. Anonymized comments (no address
left) belong to no commenter.

comments gets its column in place, never copied: SQLite copies a table by dropping the old
one, and with foreign keys on that drop deletes every moderation event (ON DELETE CASCADE).

Revision ID: 0008
Revises: 0007
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STANDINGS = "'normal', 'trusted', 'watched', 'banned'"


def upgrade():
    op.create_table(
        "commenters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("spam_count", sa.Integer(), nullable=False),
        sa.Column("reported_count", sa.Integer(), nullable=False),
        sa.Column("standing", sa.String(length=16), nullable=False),
        sa.Column("ban_reason", sa.String(length=255), nullable=False),
        sa.Column("banned_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("standing_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"standing IN ({STANDINGS})", name=op.f("ck_commenters_standing_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commenters")),
        sa.UniqueConstraint("email", name=op.f("uq_commenters_email")),
    )
    op.create_table(
        "commenter_fingerprints",
        sa.Column("commenter_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["commenter_id"],
            ["commenters.id"],
            name=op.f("fk_commenter_fingerprints_commenter_id_commenters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("commenter_id", "fingerprint", name=op.f("pk_commenter_fingerprints")),
    )
    op.create_table(
        "commenter_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commenter_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_standing", sa.String(length=16), nullable=False),
        sa.Column("to_standing", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("ban_reason", sa.String(length=255), nullable=False),
        sa.Column("banned_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("undoes_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            f"from_standing IN ({STANDINGS})", name=op.f("ck_commenter_events_from_standing_valid")
        ),
        sa.CheckConstraint(
            f"to_standing IN ({STANDINGS})", name=op.f("ck_commenter_events_to_standing_valid")
        ),
        sa.ForeignKeyConstraint(
            ["commenter_id"],
            ["commenters.id"],
            name=op.f("fk_commenter_events_commenter_id_commenters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_commenter_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["undoes_id"],
            ["commenter_events.id"],
            name=op.f("fk_commenter_events_undoes_id_commenter_events"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commenter_events")),
        sa.UniqueConstraint(
            "commenter_id", "version", name=op.f("uq_commenter_events_commenter_id")
        ),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place (Alembic would copy the table).
        op.execute(
            "ALTER TABLE comments ADD COLUMN commenter_id INTEGER"
            " CONSTRAINT fk_comments_commenter_id_commenters"
            " REFERENCES commenters (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("comments", sa.Column("commenter_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_comments_commenter_id_commenters"),
            "comments",
            "commenters",
            ["commenter_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("moderation_events", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("rule", sa.String(length=64), nullable=True))

    _backfill(op.get_bind())

    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.create_index(
            "ix_comments_commenter_created_at", ["commenter_id", "created_at"], unique=False
        )
    with op.batch_alter_table("commenter_fingerprints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commenter_fingerprints_fingerprint", ["fingerprint"], unique=False
        )


def _backfill(connection: sa.Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # GLOB's classes are bytes of the UTF-8 text: anything outside space..tilde.
        plain = "author_email NOT GLOB '*[^ -~]*'"
        email_key = "lower(trim(author_email))"
    else:
        plain = "author_email !~ '[^ -~]'"
        # translate(), not lower(): lower() follows the database's locale, Python's doesn't.
        email_key = (
            "translate(btrim(author_email), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
            " 'abcdefghijklmnopqrstuvwxyz')"
        )
    plain += " AND trim(author_email) <> ''"
    # Both statements are built from the constants above only: no value from outside.
    connection.exec_driver_sql(
        "INSERT INTO commenters (email, first_seen_at, last_seen_at, approved_count,"  # nosec B608
        " rejected_count, spam_count, reported_count, standing, ban_reason, standing_version)"
        f" SELECT {email_key}, min(created_at), max(created_at),"
        " sum(CASE WHEN status = 'approved' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN status = 'spam' THEN 1 ELSE 0 END),"
        " 0, 'normal', '', 0"
        f" FROM comments WHERE {plain} GROUP BY {email_key}"
    )
    connection.exec_driver_sql(
        "UPDATE comments SET commenter_id = commenters.id FROM commenters"  # nosec B608
        f" WHERE commenters.email = {email_key.replace('author_email', 'comments.author_email')}"
        f" AND {plain.replace('author_email', 'comments.author_email')}"
    )
    _backfill_unusual_addresses(connection, plain)
    connection.exec_driver_sql(
        "INSERT INTO commenter_fingerprints (commenter_id, fingerprint)"
        " SELECT DISTINCT commenter_id, client_fingerprint FROM comments"
        " WHERE commenter_id IS NOT NULL AND client_fingerprint IS NOT NULL"
    )


def _backfill_unusual_addresses(connection: sa.Connection, plain: str) -> None:
    """The addresses SQL can't normalize as Python does, normalized by Python: few rows."""
    comments = sa.table(
        "comments",
        sa.column("id", sa.Integer),
        sa.column("author_email", sa.String),
        sa.column("status", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("commenter_id", sa.Integer),
    )
    commenters = sa.table(
        "commenters",
        sa.column("id", sa.Integer),
        sa.column("email", sa.String),
        sa.column("first_seen_at", sa.DateTime(timezone=True)),
        sa.column("last_seen_at", sa.DateTime(timezone=True)),
        sa.column("approved_count", sa.Integer),
        sa.column("rejected_count", sa.Integer),
        sa.column("spam_count", sa.Integer),
        sa.column("reported_count", sa.Integer),
        sa.column("standing", sa.String),
        sa.column("ban_reason", sa.String),
        sa.column("standing_version", sa.Integer),
    )
    rows = connection.execute(
        sa.select(comments.c.id, comments.c.author_email, comments.c.status, comments.c.created_at)
        .where(comments.c.author_email != "", sa.text(f"NOT ({plain})"))
        .order_by(comments.c.id)
    ).all()
    grouped = defaultdict(list)
    for row in rows:
        # newsroom.moderation.commenters.normalize_email, as of this revision.
        email = row.author_email.strip().lower()
        if email:
            grouped[email].append(row)
    for email, group in grouped.items():
        found = connection.execute(
            sa.select(commenters.c.id).where(commenters.c.email == email)
        ).scalar()
        statuses = [row.status for row in group]
        first = min(row.created_at for row in group)
        last = max(row.created_at for row in group)
        if found is None:
            found = connection.execute(
                commenters.insert()
                .values(
                    email=email,
                    first_seen_at=first,
                    last_seen_at=last,
                    approved_count=statuses.count("approved"),
                    rejected_count=statuses.count("rejected"),
                    spam_count=statuses.count("spam"),
                    reported_count=0,
                    standing="normal",
                    ban_reason="",
                    standing_version=0,
                )
                .returning(commenters.c.id)
            ).scalar_one()
        else:
            connection.execute(
                commenters.update()
                .where(commenters.c.id == found)
                .values(
                    first_seen_at=sa.func.min(commenters.c.first_seen_at, first)
                    if connection.dialect.name == "sqlite"
                    else sa.func.least(commenters.c.first_seen_at, first),
                    last_seen_at=sa.func.max(commenters.c.last_seen_at, last)
                    if connection.dialect.name == "sqlite"
                    else sa.func.greatest(commenters.c.last_seen_at, last),
                    approved_count=commenters.c.approved_count + statuses.count("approved"),
                    rejected_count=commenters.c.rejected_count + statuses.count("rejected"),
                    spam_count=commenters.c.spam_count + statuses.count("spam"),
                )
            )
        for row in group:
            connection.execute(
                comments.update().where(comments.c.id == row.id).values(commenter_id=found)
            )


def downgrade():
    with op.batch_alter_table("moderation_events", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("rule")
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_comments_commenter_created_at")
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint("fk_comments_commenter_id_commenters", type_="foreignkey")
        batch_op.drop_column("commenter_id")
    op.drop_table("commenter_events")
    with op.batch_alter_table("commenter_fingerprints", schema=None) as batch_op:
        batch_op.drop_index("ix_commenter_fingerprints_fingerprint")
    op.drop_table("commenter_fingerprints")
    op.drop_table("commenters")
