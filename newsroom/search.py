"""Full-text search: readers' search of the published articles, and the words a moderator
looks for in the comments (moderation/queue.py narrows its queue with `comments_matching`).

SQLite answers with FTS5 (article_search; comment_search, kept by triggers), PostgreSQL with
tsvectors and GIN indexes (migration 0022). What a person types is never handed to either
engine as syntax: it is cut into words and "quoted phrases", each passed as a quoted
string (FTS5) or a quoted phrase to websearch_to_tsquery (PostgreSQL), all of them required.
So `a OR b`, `-x`, `title:y`, `"` or `*` find words, never raise a syntax error.

An article's row is written by `index_article`, which articles.save_article calls in the
same transaction as the save (and an import, for the articles it adds: `index_articles`);
`forget_article` goes with a deletion.
"""

from __future__ import annotations

import functools
import html
import json
import re
import time
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.dialects import postgresql

from newsroom.extensions import db
from newsroom.models import Article, Comment, utcnow

# The longest search kept: longer text is cut here before anything reads it.
QUERY_MAX = 200
# Words (or phrases) of a search that count; the rest are left out.
TERMS_MAX = 12
RESULTS_PER_PAGE = 10
# Pages of results a reader can page to: no reader pages past the tenth page of a search.
PAGES_MAX = 20
# The matches ranked: the newest this many (by article id, the order of writing). Ranking
# reads each ranked match's statistics; a word in every article of a large archive made
# that a pass over all of them (100 ms at 10,000 articles), and a reader wants the best of
# what is recent before the best of every year.
CANDIDATES_MAX = 1000

# Where the engines mark a match in a snippet: characters no indexed text holds (they are
# taken out when it is indexed), replaced by <mark> only after the text is escaped.
_START, _STOP = "\x02", "\x03"
_MARKERS = re.compile("[\x02\x03]")
_TAG = re.compile(r"<[^>]*>")
_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_WORDY = re.compile(r"\w")
_WORD = re.compile(r"\w+")

# The weights of title, summary and body in SQLite's bm25 (PostgreSQL's setweight A, B, C).
_BM25 = "bm25(article_search, 10.0, 4.0, 1.0)"
_SNIPPET_WORDS = 28
# PostgreSQL's tsvector of a comment: a stored column, indexed by ix_comments_search
# (migration 0025), so a row is checked without parsing its text again.
COMMENT_DOCUMENT = "search_document"


def plain_text(markup: str | None) -> str:
    """The words of sanitized HTML (an article's body) for the index: no tags, entities
    decoded, whitespace collapsed, the snippet markers taken out."""
    text = html.unescape(_TAG.sub(" ", markup or ""))
    return _clean(text)


def _clean(text: str | None) -> str:
    return " ".join(_MARKERS.sub(" ", text or "").split())


def search_terms(text: str | None) -> list[str]:
    """What a search asks for: its words and "quoted phrases", bounded, each with at least
    one letter or digit. Empty: nothing to search for."""
    text = (text or "")[:QUERY_MAX].replace("\x00", "")
    terms = []
    for phrase, word in _TERM.findall(text):
        term = _clean(phrase or word)
        if _WORDY.search(term):
            terms.append(term)
    return terms[:TERMS_MAX]


def _fts5_query(terms: list[str]) -> str:
    # Each term an FTS5 string (its quotes doubled): operators, column filters and
    # prefixes inside it are plain words to the tokenizer.
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _web_query(terms: list[str]) -> str:
    # For websearch_to_tsquery: each term a quoted phrase (no quote is left in a term), so
    # `-`, `or` and the like inside it are words, not operators.
    return " ".join(f'"{term}"' for term in terms)


def _plan_for_these_words() -> None:
    """PostgreSQL: plan each of this transaction's statements for the words it is given.
    A prepared statement (postgres.py) may otherwise run by a plan made for any words, and
    the server's guess of how many rows any words match is far from a common word's (the
    readers' search on a million comments took 2-3 times as long)."""
    db.session.execute(_CUSTOM_PLANS)


_CUSTOM_PLANS = sa.text("SET LOCAL plan_cache_mode = force_custom_plan")


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


# --- Keeping the article index ----------------------------------------------------------


def index_article(article: Article) -> None:
    """Write (or rewrite) the article's row of the index, in the caller's transaction. Every
    article is indexed, drafts too: the search reads only what readers may see now, so an
    article scheduled for later is found from its time on without being indexed again."""
    db.session.flush()  # a new article has its id
    forget_article(article.id)
    _write_rows([article])


def _write_rows(articles: Collection[Article]) -> None:
    """Add the articles' rows to the index (none of them is in it), in one statement."""
    if not articles:
        return
    rows = [
        {
            "id": article.id,
            "title": _clean(article.title),
            "summary": _clean(article.summary),
            "body": plain_text(article.body_html),
            "visible_from": article.public_from,
        }
        for article in articles
    ]
    db.session.execute(_SQLITE_INDEX_ROW if _is_sqlite() else _POSTGRES_INDEX_ROW, rows)


_SQLITE_INDEX_ROW = sa.text(
    "INSERT INTO article_search (rowid, title, summary, body) VALUES (:id, :title, :summary, :body)"
)
# PostgreSQL's row also says from when readers may see the article (NULL: a draft), so the
# search reads this table alone (migration 0024).
_POSTGRES_INDEX_ROW = sa.text(
    "INSERT INTO article_search (article_id, title, summary, body, visible_from)"
    " VALUES (:id, :title, :summary, :body, :visible_from)"
).bindparams(sa.bindparam("visible_from", type_=Article.published_at.type))


def forget_article(article_id: int) -> None:
    """Take the article out of the index (in the caller's transaction)."""
    _forget([article_id])


def _forget(ids: Collection[int]) -> None:
    key = "rowid" if _is_sqlite() else "article_id"
    statement = sa.text(
        f"DELETE FROM article_search WHERE {key} IN :ids"  # nosec B608 # a fixed name
    ).bindparams(sa.bindparam("ids", expanding=True))
    db.session.execute(statement, {"ids": list(ids)})


# Articles read and indexed at a time.
INDEX_BATCH = 500


def reindex_articles() -> int:
    """Index every article afresh (after a bulk load or a restore); commits. Returns how
    many were indexed."""
    db.session.execute(sa.text("DELETE FROM article_search"))
    articles = db.session.scalars(sa.select(Article).execution_options(yield_per=INDEX_BATCH))
    count = 0
    for batch in articles.partitions():
        _write_rows(batch)
        count += len(batch)
    db.session.commit()
    return count


def index_articles(ids: Collection[int]) -> None:
    """Index the articles `ids` (an import's new ones), in the caller's transaction."""
    ids = sorted(ids)
    for start in range(0, len(ids), INDEX_BATCH):
        batch = ids[start : start + INDEX_BATCH]
        _forget(batch)
        _write_rows(db.session.scalars(sa.select(Article).where(Article.id.in_(batch))).all())


# SQLite's FTS5 tables (migration 0022).
FULL_TEXT_TABLES = ("article_search", "comment_search")


def merge_segments() -> None:
    """SQLite: merge each full-text index into one segment ('optimize'), in the caller's
    transaction; nothing to do on PostgreSQL. FTS5 adds a segment with every transaction
    that writes to it and merges them a few at a time, so a bulk load leaves many, and a
    lookup by rowid (the dashboard's check of a common word, comment by comment) seeks in
    each: 85-190 us a comment before the merge, 58-102 after (10,000 comments). Called
    after bulk loads, with the planner's statistics (planner.refresh_statistics)."""
    if not _is_sqlite():
        return
    for table in FULL_TEXT_TABLES:
        db.session.execute(
            sa.text(f"INSERT INTO {table} ({table}) VALUES ('optimize')")  # nosec B608 # a constant
        )


# --- Readers' search ---------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    article: Article
    snippet: Markup


@dataclass(frozen=True)
class Results:
    terms: list[str]
    hits: list[Hit]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def highlighted(raw: str) -> Markup:
    """A snippet as markup: its text escaped, then the engine's markers made <mark>s. Text
    from an article can never become a tag: it is escaped before any tag is put in."""
    text = str(escape(raw))
    if text.count(_START) != text.count(_STOP):
        return Markup(_MARKERS.sub("", text))  # nosec B704 # escaped above
    return Markup(text.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # nosec B704


def search_articles(text: str | None, page: int = 1, per_page: int = RESULTS_PER_PAGE) -> Results:
    """One page of the public articles matching `text`, best first (title counts most, then
    the summary, then the body; ties newest first) among the newest CANDIDATES_MAX matches,
    each with a highlighted snippet. On PostgreSQL a "quoted phrase" is looked for among
    the newest CANDIDATES_MAX articles holding all its words (_postgres_ranked)."""
    terms = search_terms(text)
    if not terms or not 1 <= page <= PAGES_MAX:
        return Results(terms, [], page, False)
    parameters = {
        "now": utcnow(),
        "limit": per_page + 1,
        "offset": (page - 1) * per_page,
        "candidates": CANDIDATES_MAX,
    }
    # The newest CANDIDATES_MAX matches readers may see, ranked; then the page of them.
    if _is_sqlite():
        parameters["match"] = _fts5_query(terms)
        parameters["last"] = parameters["offset"] + parameters["limit"] - 1
        ranked = _SQLITE_RANKED
    else:
        _plan_for_these_words()
        parameters["match"] = _web_query(terms)
        parameters["words"] = " ".join(terms)
        ranked = _postgres_ranked(terms, parameters["words"])
    ids = list(db.session.scalars(ranked, parameters))
    has_next, ids = len(ids) > per_page, ids[:per_page]
    if not ids:
        return Results(terms, [], page, False)
    snippets = _snippets(ids, parameters["match"], terms)
    articles = {
        article.id: article
        for article in db.session.scalars(
            sa.select(Article)
            .where(Article.id.in_(ids), Article.public_filter(parameters["now"]))
            .options(*_LISTED_COLUMNS)
        )
    }
    hits = [Hit(articles[i], highlighted(snippets.get(i, ""))) for i in ids if i in articles]
    return Results(terms, hits, page, has_next)


# What a result shows of its article: its texts (two copies of the body, kilobytes each)
# are left in the database.
_LISTED_COLUMNS = (
    sa.orm.load_only(Article.title, Article.slug, Article.published_at, Article.section_id),
    sa.orm.joinedload(Article.section),
)

# SQLite: the candidates come from the index alone, each with its rank (the rows readers
# may not see, drafts and scheduled articles, are left out through the status index's
# ranges); only the few that can reach the page (ranked as well as the page's last, ties
# included) are read from articles, for their publication time. Reading every candidate's
# row for its status and time was half the search: an article's row runs over several
# pages (its body, twice), and those two columns come after it.
_HIDDEN_ARTICLES = (
    "SELECT id FROM articles WHERE status < 'published'"
    " UNION ALL SELECT id FROM articles WHERE status > 'published'"
    " UNION ALL SELECT id FROM articles WHERE status = 'published' AND published_at > :now"
    " UNION ALL SELECT id FROM articles WHERE status = 'published' AND published_at IS NULL"
)
_SQLITE_RANKED = sa.text(
    "WITH candidates AS MATERIALIZED ("  # nosec B608 # constants only: the reader's words are bound
    f"SELECT rowid AS id, {_BM25} AS score FROM article_search"
    f" WHERE article_search MATCH :match AND rowid NOT IN ({_HIDDEN_ARTICLES})"
    " ORDER BY rowid DESC LIMIT :candidates)"
    " SELECT candidates.id FROM candidates JOIN articles ON articles.id = candidates.id"
    " WHERE candidates.score <= coalesce("
    "(SELECT score FROM candidates ORDER BY score LIMIT 1 OFFSET :last), 1e308)"
    " ORDER BY candidates.score, articles.published_at DESC, candidates.id DESC"
    " LIMIT :limit OFFSET :offset"
).bindparams(sa.bindparam("now", type_=Article.published_at.type))


def _postgres_ranked(terms: list[str], words: str) -> sa.TextClause:
    """PostgreSQL: the newest CANDIDATES_MAX articles readers may see holding every word of
    the search (`words`, bound: all of them, in any order), then those holding its phrases
    too, ranked. The candidates come from article_search alone: its row says from when the
    article is public (visible_from) and holds its tsvector whole (migration 0024); joining
    articles for each, and reading each tsvector out of line, was two thirds of the search.
    The words alone are answered by the GIN index exactly; a phrase needs each article's
    positions (its stored tsvector, unpacked row by row), and a phrase of words found in
    every article made that a pass over all of them (25-100 ms at 10,000), so a phrase is
    looked for among the candidates only."""
    phrase = (
        " WHERE document @@ websearch_to_tsquery('english', :match)"
        if any(len(_WORD.findall(term)) > 1 for term in terms)
        else ""
    )
    return sa.text(
        "SELECT id FROM (SELECT article_id AS id, visible_from, document FROM article_search"  # nosec B608 # _order_key: "" or " + 0", `phrase` a constant; the words are bound
        " WHERE document @@ plainto_tsquery('english', :words) AND visible_from <= :now"
        f" ORDER BY article_id{_order_key(words)} DESC LIMIT :candidates) AS newest{phrase}"
        " ORDER BY ts_rank(document, websearch_to_tsquery('english', :match)) DESC,"
        " visible_from DESC, id DESC LIMIT :limit OFFSET :offset"
    ).bindparams(sa.bindparam("now", type_=Article.published_at.type))


def _order_key(words: str) -> str:
    """PostgreSQL: how the newest matches are found. A word in many articles is met soon
    walking them newest first (the primary key's order); a rarer one is found through the
    GIN index and sorted (`+ 0` takes the primary key's order away), where the walk tested
    every article (40 ms at 10,000). The planner's own estimate tells which, in a
    millisecond; left to itself it walked for both."""
    estimate = _estimated_rows(
        "SELECT 1 FROM article_search WHERE document @@ plainto_tsquery('english', :text)", words
    )
    return "" if estimate > CANDIDATES_MAX else " + 0"


def _snippets(ids: list[int], match: str, terms: list[str]) -> dict[int, str]:
    """The best passage of each of a page of articles, with the engine's markers: asked for
    the page's rows only (asked with the ranking, it was made for every match)."""
    if _is_sqlite():
        statement = sa.text(
            f"SELECT rowid, snippet(article_search, 2, :start, :stop, '…', {_SNIPPET_WORDS})"  # nosec B608 # a constant
            " FROM article_search WHERE article_search MATCH :match AND rowid IN :ids"
        )
    else:
        statement = _POSTGRES_SNIPPETS
    statement = statement.bindparams(sa.bindparam("ids", expanding=True))
    options = (
        f"StartSel={_START}, StopSel={_STOP}, MaxWords={_SNIPPET_WORDS}, MinWords=12,"
        ' MaxFragments=2, FragmentDelimiter=" … "'
    )
    rows = db.session.execute(
        statement,
        {
            "ids": ids,
            "match": match,
            "start": _START,
            "stop": _STOP,
            "options": options,
            "needles": [term.lower() for term in terms],
            "before": SNIPPET_BEFORE,
            "after": SNIPPET_AFTER,
            "window_max": SNIPPET_WINDOW_MAX,
        },
    )
    return {row[0]: row[1] or "" for row in rows}


# PostgreSQL's ts_headline parses the whole text it is given, every word of it (0.2 ms for
# an article of 2,300 characters, ten on a page of results; a long report, more): it is
# given the part of the text from a little before the first place any of the searched
# words or phrases (but stop words) is written as typed to a little after the first place
# the last of them is, at most SNIPPET_WINDOW_MAX characters (its passages hold every
# word); or the text's beginning when none is written as typed (a word found by its stem).
SNIPPET_BEFORE = 200
SNIPPET_AFTER = 400
SNIPPET_WINDOW_MAX = 2400
_POSTGRES_SNIPPETS = sa.text(
    "SELECT article_id, ts_headline('english',"
    " substr(text, greatest(1, first_hit - :before),"
    " least(:window_max, last_hit - first_hit + :before + :after)),"
    " websearch_to_tsquery('english', :match), :options)"
    " FROM (SELECT article_id, CASE WHEN body = '' THEN summary ELSE body END AS text"
    " FROM article_search WHERE article_id IN :ids) AS page"
    " CROSS JOIN LATERAL (SELECT coalesce(min(hit), 1) AS first_hit,"
    " coalesce(max(hit), 1) AS last_hit"
    " FROM (SELECT nullif(strpos(lower(text), needle), 0) AS hit"
    " FROM unnest(CAST(:needles AS text[])) AS needle"
    " WHERE length(to_tsvector('english', needle)) > 0) AS hits) AS found"
)


# --- Moderators' search of the comments --------------------------------------------------

# A search matching at most this many comments narrows the queue to their ids: read by
# primary key, sorted, counted exactly. One matching more (a word in most comments) is
# checked row by row as the queue is walked in its order, which soon finds a page.
COMMENT_IDS_MAX = 2000
# PostgreSQL: matches its planner expects beyond which they are not listed (its estimates
# of words are rough, hence the room) ...
COMMENT_IDS_ESTIMATE_MAX = 5 * COMMENT_IDS_MAX
# ... or, past COMMENT_IDS_MAX, beyond this share of all comments: the walk meets a page of
# such a word's matches within a few hundred rows. In 10,000 comments no word's estimate
# could pass COMMENT_IDS_ESTIMATE_MAX, and listing the 5,000 matches of a common word, only
# to throw the list away, took half of its search page's time.
COMMENT_WALK_SHARE = 0.1


@dataclass(frozen=True)
class CommentSearch:
    """A moderator's search of the comments, resolved: `match` for the engine, and the
    matching ids when they are few (None: too many to list)."""

    match: str
    ids: list[int] | None


def comment_search(text: str | None) -> CommentSearch | None:
    """Resolve a moderator's search text (None when it has no word to look for)."""
    terms = search_terms(text)
    if not terms:
        return None
    if _is_sqlite():
        match = _fts5_query(terms)
        listed = _LISTED_SQLITE
    else:
        _plan_for_these_words()
        match = _web_query(terms)
        matching = (
            f"FROM comments WHERE {COMMENT_DOCUMENT}"  # nosec B608 # a constant
            " @@ websearch_to_tsquery('english'::regconfig, :match)"
        )
        # Listing the matches of a word in most comments took PostgreSQL 150-200 ms (a
        # bitmap of every match, or the text of each comment read in turn); its planner's
        # estimate, from the statistics ANALYZE keeps on search_document, says as much
        # in a millisecond.
        estimate = _estimated_rows(
            "SELECT 1 " + matching.replace(":match", ":text"),  # nosec B608 # a constant
            match,
        )
        if _too_many_to_list(estimate):
            return CommentSearch(match, None)
        # Ordered, so the planner takes every match from the GIN index: with a bare LIMIT it
        # expected to meet them soon walking the table, and made each comment's tsvector
        # until it had (250-650 ms for a word in half of 10,000 comments). `+ 0`: not in the
        # primary key's order either, which is the same walk.
        listed = sa.text(
            "SELECT count(*), CASE WHEN count(*) <= :most THEN string_agg(CAST(id AS text), ',')"  # nosec B608 # `matching` a constant; the words are bound
            f" END FROM (SELECT id {matching} ORDER BY id + 0 LIMIT :limit) AS hits"
        )
    found, ids = db.session.execute(
        listed, {"match": match, "most": COMMENT_IDS_MAX, "limit": COMMENT_IDS_MAX + 1}
    ).one()
    if found > COMMENT_IDS_MAX:
        return CommentSearch(match, None)
    return CommentSearch(match, sorted(int(i) for i in ids.split(",")) if ids else [])


# The matches of a moderator's search, when at most COMMENT_IDS_MAX: counted and listed in
# the database, as one row. Up to COMMENT_IDS_MAX + 1 rows fetched one by one, only to find
# a word in too many comments to list, took 3-4 ms of Python on every such search.
_LISTED_SQLITE = sa.text(
    "SELECT count(*), CASE WHEN count(*) <= :most THEN group_concat(rowid, ',') END"
    " FROM (SELECT rowid FROM comment_search WHERE comment_search MATCH :match LIMIT :limit)"
)


def _too_many_to_list(estimate: float) -> bool:
    """Whether a search the planner expects to match `estimate` comments is walked, not
    listed: past COMMENT_IDS_ESTIMATE_MAX, or past COMMENT_IDS_MAX where that many are more
    than COMMENT_WALK_SHARE of all comments (the table's estimate is asked only then)."""
    if estimate <= COMMENT_IDS_MAX:
        return False
    if estimate > COMMENT_IDS_ESTIMATE_MAX:
        return True
    return estimate > _estimated_rows("SELECT 1 FROM comments", "") * COMMENT_WALK_SHARE


# How long a process keeps its planner's estimate of a search's matches: an estimate only
# chooses how the matches are found (both ways find the same), and asking for it was a
# round trip in every search on PostgreSQL (of the seven statements of a readers' search).
ESTIMATES_KEPT_SECONDS = 600


def _estimated_rows(statement: str, text: str) -> float:
    """PostgreSQL's estimate of the rows `statement` (bound: `text`) finds, from the
    statistics ANALYZE keeps, asked at most once in ESTIMATES_KEPT_SECONDS per process."""
    period = int(time.monotonic() // ESTIMATES_KEPT_SECONDS)
    return _asked_estimate(db.engine, statement, text, period)


@functools.lru_cache(maxsize=1024)
def _asked_estimate(engine: sa.Engine, statement: str, text: str, period: int) -> float:
    plan = db.session.execute(
        sa.text("EXPLAIN (FORMAT JSON) " + statement), {"text": text}
    ).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def comments_among() -> sa.ColumnElement[bool]:
    """Comments among the bound list `match_ids` (CommentSearch.ids). On PostgreSQL one
    array parameter: an IN list of up to COMMENT_IDS_MAX parameters was written out, sent
    and parsed anew (too long for the driver's cache of parsed statements) in each of a
    search's two statements."""
    if _is_sqlite():
        return Comment.id.in_(sa.bindparam("match_ids", expanding=True))
    return Comment.id == sa.any_(sa.bindparam("match_ids", type_=postgresql.ARRAY(sa.Integer)))


def comments_matching() -> sa.ColumnElement[bool]:
    """Comments whose text or author's name holds every term of the bound `match`
    (CommentSearch.match), checked for each row the query reads: through comment_search by
    rowid (SQLite) or the row's stored tsvector (PostgreSQL; its planner may take
    ix_comments_search instead)."""
    match = sa.bindparam("match", type_=sa.String)
    if _is_sqlite():
        index = sa.table("comment_search", sa.column("rowid"))
        return sa.exists(
            sa.select(sa.literal_column("1"))
            .select_from(index)
            .where(sa.literal_column("comment_search").op("MATCH")(match))
            .where(index.c.rowid == Comment.id)
        )
    return sa.literal_column(COMMENT_DOCUMENT).op("@@")(
        sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), match)
    )
