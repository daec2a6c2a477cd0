"""`make bench`: load-test the site at newsroom scale and check it against the budget.

Four data sets: `large` (10,000 articles and a million comments) and `small` (1,000 and ten
thousand) in SQLite, and the same two in PostgreSQL (`pg-large`, `pg-small`). For each it
starts the site as deployed (serve.py: granian) on 127.0.0.1 and drives load with
wrk: the public pages (SQLite sets; the article's exact bytes are served by nginx in the
same run as the ceiling, and the article is also read through the shipped front cache,
deploy/nginx.conf), a reader posting a comment (against nginx round by round), and
the moderation queue and approve action. It prints one table, checks the budget, and writes
both with the machine's details to bench/results/<date>.md. Exits non-zero when a budget
line fails (the file is still written).

Everything here talks to 127.0.0.1 only, every wait is bounded, and every process it starts
is stopped on the way out, also on errors. Whatever a run changes in a data set (decisions,
posted comments) is put back, so the next run starts from the same data.

Run it with the project's venv (bench/run.sh does): the data sets' databases are read and
repaired through SQLAlchemy, the same way for SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import string
import subprocess
import sys
import textwrap
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from string import Template

import sqlalchemy as sa
from front_cache import front_cache
from processes import HOST, free_port, nginx_binary, started, stop_group, wait_until_answers
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DATA = ROOT / "bench" / "data"
TMP = ROOT / "bench" / "tmp"
RESULTS = ROOT / "bench" / "results"

# What each data set is made of (`flask bench-data --articles A --comments C`).
DATASETS = {
    "large": (10_000, 1_000_000),
    "small": (1_000, 10_000),
    "pg-large": (10_000, 1_000_000),
    "pg-small": (1_000, 10_000),
}
# The PostgreSQL data sets' databases, on the server of --postgres; the others are SQLite.
POSTGRES_DATABASES = {"pg-large": "newsroom_bench_large", "pg-small": "newsroom_bench_small"}
POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
# The same sizes on both databases: (large, small) pairs for the "does not grow" lines.
SIZE_PAIRS = (("large", "small"), ("pg-large", "pg-small"))
# Written after a generation finished; a folder without it is half-made and is rebuilt.
MARKER = "bench-data.json"
PASSWORD_FILE = "moderator-password"
BENCH_MODERATOR = "bench-moderator@newsroom.example"
BENCH_ARTICLE = "bench-article-200"
BENCH_ARTICLE_APPROVED = 200  # its approved comments, as `flask bench-data` makes them
# Fixed so sessions and CSRF tokens survive a server restart within one run; loopback only.
SECRET_KEY = "bench-only-secret-key-never-used-outside-loopback"
# Readers post as fast as wrk sends: the per-address limit (5 a minute) would answer 429.
COMMENT_RATE_LIMIT = "1000000 per minute"
# Every comment the bench posts starts with this, then the run's own hex, thread and count.
POST_MARKER = "bench-post-"
# Readers taking turns at the form, one e-mail each, as a story's comments come from many
# people: one reader alone would wait for their own commenter row at every comment.
POST_READERS = 32
# What the bench's readers write (after the marker), in turn: comments of a usual length.
POST_TEXTS = (
    "Thank you for covering the council meeting. I was there on Tuesday and the room was "
    "full; most of us wanted to know when the north bay testing results will be published, "
    "and whether the volunteers who clean the shore every month will finally get support "
    "from the county.",
    "The annual report looks encouraging, but fewer algae blooms in one summer is not a "
    "trend yet. It would help to see the runoff numbers from the farms along the river "
    "next to last year's, so readers can judge for themselves whether the plan works.",
    "My family has lived by the lake for three generations. The water is clearer than I "
    "remember it as a child, and I am glad the funding continues. Please keep asking the "
    "officials about the new roads, though: the construction site drains straight into "
    "the creek behind our school.",
    "Could you add a map of the sampling points to the article? The figures are hard to "
    "follow without knowing where each measurement was taken. Otherwise a clear and fair "
    "summary of a long evening; I appreciated the quotes from both sides of the debate.",
)

# The budget of the issue "Performance at newsroom scale".
ARTICLE_MIN_SHARE_OF_NGINX = 0.05
STAFF_P99_MS = 25.0
# ... and of "Readers: conversations, discovery ...": a search of 10,000 articles, and the
# dashboard's search of a million comments.
SEARCH_P99_MS = 50.0
# What the searches ask, in turn: words in every bench article or comment (the whole table
# matches), pairs and phrases, a reader's name (a hundred comments), and words in none.
ARTICLE_QUERIES = (
    "river",
    "water quality",
    "algae blooms",
    '"annual report"',
    "council funding",
    "runoff farms roads",
    "volunteers saturday",
    "shore",
    "nothing-like-this",
    "lake north bay",
)
COMMENT_QUERIES = (
    "river",
    "Ana 512",
    "algae",
    "water quality",
    "Gus 77",
    "clean shore",
    "zebra",
    "report",
    "Hana 3",
    "funding continue",
)
# ... and of "Posting a comment takes ten seconds on a site with a million comments".
POST_MIN_SHARE_OF_NGINX = 0.02
POST_LARGE_MIN_SHARE_OF_SMALL = 0.80
# Every moderation rule on (RULE_WORDS words per list, the duplicate lookup) costs a comment
# POST at most a fifth of its requests/s.
RULES_MIN_SHARE_OF_POST = 0.80
# ... and of "Readers at internet scale": the article through the shipped front cache.
FRONT_MIN_SHARE_OF_NGINX = 0.50
# Targets the issues state for margin above the budget: reported, never failing a run.
ARTICLE_TARGET_SHARE_OF_NGINX = 0.06
STAFF_TARGET_P99_MS = 18.0
ARTICLE_HTML_MAX_BYTES = 120_000  # 1 KB = 1000 bytes: the stricter reading
CSS_MAX_BYTES = 15_000
WORKER_RSS_MAX_MB = 100.0
# Rows of the table.
ARTICLE_PAGE = "article, 200 comments (reader)"
FRONT_PAGE = "article, 200 comments, through the front cache"
SECTION_PAGE = "section page (reader)"
HOME_PAGE = "home page (reader)"
NGINX_PAGE = "nginx: the article's bytes"
POST_ACTION = "post a comment (reader)"
# The same with every moderation rule on (RULE_WORDS words in each list): what screening
# by the rules costs.
RULES_POST_ACTION = "post a comment, every rule on (reader)"
NGINX_POST_PAGE = "nginx: the article's bytes, beside the POST"
QUEUE_PAGE = "pending queue (moderator)"
APPROVE_ACTION = "approve a comment (moderator)"
# Searches, a handful at a time (the staff load), each request another query in turn.
ARTICLE_SEARCH = "search the articles (reader)"
COMMENT_SEARCH = "search the comments (moderator)"
# The table's order within a data set.
PAGES = (
    ARTICLE_PAGE,
    FRONT_PAGE,
    SECTION_PAGE,
    HOME_PAGE,
    NGINX_PAGE,
    POST_ACTION,
    RULES_POST_ACTION,
    NGINX_POST_PAGE,
    QUEUE_PAGE,
    APPROVE_ACTION,
    ARTICLE_SEARCH,
    COMMENT_SEARCH,
)
# The rows whose p99 has a budget, and the budget in ms.
P99_BUDGETS = {
    QUEUE_PAGE: STAFF_P99_MS,
    APPROVE_ACTION: STAFF_P99_MS,
    ARTICLE_SEARCH: SEARCH_P99_MS,
    COMMENT_SEARCH: SEARCH_P99_MS,
}
# Each row with a ratio to nginx, and the nginx row it is taken against.
CEILINGS = {
    ARTICLE_PAGE: NGINX_PAGE,
    FRONT_PAGE: NGINX_PAGE,
    SECTION_PAGE: NGINX_PAGE,
    HOME_PAGE: NGINX_PAGE,
    NGINX_PAGE: NGINX_PAGE,
    POST_ACTION: NGINX_POST_PAGE,
    NGINX_POST_PAGE: NGINX_POST_PAGE,
}
# Measured in rounds alternating with their nginx row: the ratio is the median of the
# round-by-round ratios, where the machine's noise cancels best.
RATIO_BY_ROUND = (ARTICLE_PAGE, FRONT_PAGE, POST_ACTION)
# Rows on a full page of the pending queue (newsroom.moderation.QUEUE_PAGE_SIZE).
QUEUE_ROWS = 25
# Comment ids prepared per second of the approve run; the Lua script sends an impossible id
# (and the run fails) if the server ever decides faster than that.
APPROVALS_PER_S = 1500
# Other work using more of the CPUs than this before a data set's run gets a note.
BUSY_CPU = 0.10
# "The same within noise" for the small-vs-large comparison of the staff pages' p99.
NOISE_FACTOR = 1.5
NOISE_FLOOR_MS = 2.0
# wrk gives up on an answer after this long and counts a socket error (timeout).
WRK_TIMEOUT_S = 5
# Before counting a POST run's comments: how long the count must hold still (at least),
# and how long to wait for that at most.
POST_QUIET_S = 2.0
POST_SETTLE_S = 60.0


@dataclass(frozen=True)
class Load:
    """One wrk setting: threads, connections, seconds."""

    threads: int
    connections: int
    duration: int

    def args(self) -> list[str]:
        return [f"-t{self.threads}", f"-c{self.connections}", f"-d{self.duration}s"]

    def __str__(self) -> str:
        return " ".join(self.args())


@dataclass
class Row:
    page: str
    dataset: str
    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    bytes_per_response: float = 0.0
    requests: int = 0
    bad: int = 0  # answers other than the one expected (200; 303 for a POST), socket errors
    expected: int = 0  # answers with the expected status, as the Lua script counted them
    note: str = ""
    ratio: float | None = None
    round: int = 1  # which round; in the table, how many rounds the medians are over


@dataclass
class Check:
    name: str
    passed: bool
    measured: str  # what was measured, led by its margin to the budget where it has one


@dataclass
class DataSet:
    """A data set: its folder (marker, password, instance) and where its database lives."""

    name: str
    path: Path
    password: str = ""
    # DATABASE_URL for the PostgreSQL sets; None: SQLite in the folder, as instance/ has it.
    url: str | None = None

    @property
    def sqlalchemy_url(self) -> str:
        return self.url or f"sqlite:///{self.path / 'newsroom.db'}"

    @cached_property
    def engine(self) -> Engine:
        """The bench's own connections, opened per use: none left over to hold locks or
        keep the database from being dropped."""
        connect_args = {} if self.url else {"timeout": 30}
        return sa.create_engine(self.sqlalchemy_url, poolclass=NullPool, connect_args=connect_args)

    def env(self, **extra: str) -> dict[str, str]:
        """The app's environment for this data set (flask commands, the server)."""
        if self.url:
            extra["DATABASE_URL"] = self.url
        return app_env(self.path, **extra)


@dataclass
class Report:
    runs: list[Row] = field(default_factory=list)  # every wrk run
    rows: list[Row] = field(default_factory=list)  # the table: medians over rounds
    checks: list[Check] = field(default_factory=list)
    targets: list[Check] = field(default_factory=list)  # informational: never fail a run
    facts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # (data set, round, POSTs acknowledged with a 303, comments found stored) per POST run
    posts: list[tuple[str, int, int, int]] = field(default_factory=list)

    def check(self, name: str, passed: bool, measured: str) -> None:
        self.checks.append(Check(name, passed, measured))

    def target(self, name: str, met: bool, measured: str) -> None:
        self.targets.append(Check(name, met, measured))

    def row(self, page: str, dataset: str) -> Row | None:
        return next((r for r in self.rows if r.page == page and r.dataset == dataset), None)


def say(message: str) -> None:
    print(f"bench: {message}", flush=True)


# --- Data sets --------------------------------------------------------------------------


def app_env(instance: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NEWSROOM_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        NEWSROOM_INSTANCE_PATH=str(instance),
        NEWSROOM_SECRET_KEY=SECRET_KEY,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def flask(dataset: DataSet, *args: str, timeout: int = 60) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "newsroom", *args],
        cwd=ROOT,
        env=dataset.env(),
        check=True,
        timeout=timeout,
    )


def postgres_engine(maintenance: URL) -> Engine:
    """The server's maintenance database, outside transactions (CREATE/DROP DATABASE)."""
    return sa.create_engine(
        maintenance.set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )


def new_dataset(name: str, maintenance: URL) -> DataSet:
    """The data set's folder, and for the PostgreSQL ones the URL of its own database."""
    url = None
    if name in POSTGRES_DATABASES:
        database = maintenance.set(
            drivername="postgresql+psycopg", database=POSTGRES_DATABASES[name]
        )
        url = database.render_as_string(hide_password=False)
    return DataSet(name, DATA / name, url=url)


def holds_articles(dataset: DataSet, maintenance: URL, articles: int) -> bool:
    """Whether the data set's database is still there with the articles it was made with:
    a PostgreSQL database outlives (or dies apart from) the marker file next to it."""
    if dataset.url:
        with postgres_engine(maintenance).connect() as db:
            exists = db.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": POSTGRES_DATABASES[dataset.name]},
            ).scalar()
        if not exists:
            return False
    elif not (dataset.path / "newsroom.db").exists():
        return False
    try:
        with dataset.engine.connect() as db:
            return db.execute(sa.text("SELECT count(*) FROM articles")).scalar_one() == articles
    except sa.exc.DBAPIError:
        return False


def empty_database(dataset: DataSet, maintenance: URL) -> None:
    """Start from nothing: a fresh PostgreSQL database (SQLite's file goes with the folder)."""
    if not dataset.url:
        return
    name = POSTGRES_DATABASES[dataset.name]  # a fixed identifier: safe to put in the statement
    with postgres_engine(maintenance).connect() as db:
        # FORCE: a server left running by a killed run may still be connected.
        db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        db.execute(sa.text(f'CREATE DATABASE "{name}"'))


# A million comments took 31 minutes in SQLite on a quiet 2-core machine, and more than an
# hour on one busy with other work: an hour's limit threw such a build away at 900,000.
GENERATE_TIMEOUT_S = 4 * 3600


def ensure_dataset(name: str, maintenance: URL) -> DataSet:
    """Reuse bench/data/<name> when a generation completed there; else build it afresh."""
    articles, comments = DATASETS[name]
    dataset = new_dataset(name, maintenance)
    path = dataset.path
    marker = path / MARKER
    # A changed generator makes different data: the set is rebuilt, not reused.
    generator = hashlib.sha256((ROOT / "newsroom" / "benchdata.py").read_bytes()).hexdigest()
    wanted = {"articles": articles, "comments": comments, "generator": generator[:16]}
    if dataset.url:
        wanted["database"] = POSTGRES_DATABASES[name]
    if marker.exists() and (path / PASSWORD_FILE).exists():
        made = json.loads(marker.read_text())
        if {k: made.get(k) for k in wanted} == wanted and holds_articles(
            dataset, maintenance, articles
        ):
            say(
                f"{name}: reusing {path.relative_to(ROOT)} ({articles:,} articles, "
                f"{comments:,} comments, made {made.get('made', '?')})"
            )
            # The schema may have moved on since: migrations run on the existing data.
            try:
                flask(dataset, "db", "upgrade", timeout=1800)
                dataset.password = (path / PASSWORD_FILE).read_text().strip()
                vacuum(dataset)  # whatever earlier runs left behind
                return dataset
            except subprocess.CalledProcessError:
                # E.g. it was upgraded by a migration that has since been renamed or dropped.
                say(f"{name}: the migrations don't apply to it any more")
    if path.exists():
        say(f"{name}: {path.relative_to(ROOT)} is incomplete or stale; rebuilding it")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    empty_database(dataset, maintenance)
    dataset.password = secrets.token_urlsafe(16)
    fd = os.open(path / PASSWORD_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(dataset.password + "\n")
    say(
        f"{name}: generating {articles:,} articles and {comments:,} comments (a million "
        "takes some ten minutes in PostgreSQL, half an hour or more in SQLite)"
    )
    started = time.monotonic()
    flask(dataset, "db", "upgrade", timeout=300)
    flask(
        dataset,
        "bench-data",
        "--articles", str(articles),
        "--comments", str(comments),
        "--moderator-password", dataset.password,
        timeout=GENERATE_TIMEOUT_S,
    )  # fmt: skip
    seconds = time.monotonic() - started
    marker.write_text(
        json.dumps(
            {
                **wanted,
                "made": datetime.now().isoformat(timespec="seconds"),
                "seconds": round(seconds, 1),
            }
        )
        + "\n"
    )
    say(f"{name}: generated in {seconds:.0f} s")
    return dataset


# --- Processes --------------------------------------------------------------------------


@contextlib.contextmanager
def site_server(dataset: DataSet, workers: int) -> Iterator[tuple[int, subprocess.Popen]]:
    """The site as deployed (serve.py) on its own port; yields the port and the main
    process, whose children are the workers."""
    port = free_port()
    log = TMP / f"server-{dataset.name}.log"
    env = dataset.env(
        NEWSROOM_BIND=f"{HOST}:{port}",
        WEB_CONCURRENCY=str(workers),
        # No recycling during the run: the memory budget is about workers that served it all.
        NEWSROOM_WORKER_MAX_RSS="0",
        NEWSROOM_COMMENT_RATE_LIMIT=COMMENT_RATE_LIMIT,
    )
    command = [str(BIN / "python"), "serve.py"]
    with started(command, env, log, port, "serve.py", ROOT) as process:
        say(f"{dataset.name}: serve.py (pid {process.pid}, {workers} workers) on {HOST}:{port}")
        yield port, process


@contextlib.contextmanager
def nginx_serving(html: bytes) -> Iterator[int]:
    """nginx on its own loopback port serving `html` at the article's path."""
    port = free_port()
    www = TMP / "www" / "articles"
    www.mkdir(parents=True, exist_ok=True)
    (www / BENCH_ARTICLE).write_bytes(html)
    temp = TMP / "nginx-temp"
    temp.mkdir(exist_ok=True)
    error_log = TMP / "nginx-error.log"
    conf = TMP / "nginx-ceiling.conf"
    conf.write_text(
        textwrap.dedent(f"""\
        # Written by bench/run.py: the ceiling for the article page's bytes.
        daemon off;
        worker_processes auto;
        pid {TMP}/nginx-ceiling.pid;
        error_log {error_log} warn;
        events {{ worker_connections 1024; }}
        http {{
            access_log off;
            sendfile on;
            tcp_nopush on;
            client_body_temp_path {temp}/body;
            proxy_temp_path {temp}/proxy;
            fastcgi_temp_path {temp}/fastcgi;
            uwsgi_temp_path {temp}/uwsgi;
            scgi_temp_path {temp}/scgi;
            server {{
                listen {HOST}:{port};
                root {TMP}/www;
                default_type "text/html; charset=utf-8";
            }}
        }}
        """)
    )
    process = subprocess.Popen(
        [nginx_binary(), "-c", str(conf), "-p", str(TMP), "-e", str(error_log)],
        cwd=TMP,
        stdout=subprocess.DEVNULL,
        stderr=(TMP / "nginx-stderr.log").open("w"),
        start_new_session=True,
    )
    try:
        wait_until_answers(port, process, error_log, f"/articles/{BENCH_ARTICLE}")
        yield port
    finally:
        stop_group(process, "nginx")


def cpu_busy(seconds: float = 2.0) -> float:
    """The share of all CPUs busy over a short while (nothing of ours runs then)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return idle, sum(fields[:8])

    idle_before, total_before = sample()
    time.sleep(seconds)
    idle_after, total_after = sample()
    total = total_after - total_before
    return 1 - (idle_after - idle_before) / total if total else 0.0


class OtherWork:
    """How much CPU the machine spent on processes that are not this benchmark's.

    All CPU time spent since the start (/proc/stat) less this process's own and its
    children's (the server, nginx, wrk: each reaped, so counted in os.times()), and less the
    PostgreSQL server's when the run uses it: it is the database under test, not a neighbour.
    """

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.postgres_start = self.postgres_seconds()
        self.start = (self._busy(), self._ours(), time.monotonic())

    @staticmethod
    def _busy() -> float:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")

    def _ours(self) -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system + self.postgres_seconds()

    def postgres_seconds(self) -> float:
        """CPU time of the PostgreSQL server's processes: the living ones', and through the
        postmaster's children's times, that of the connections that ended."""
        if not self.postgres:
            return 0.0
        ticks = sum(
            sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
            for _, command, fields in processes_now()
            if command == "postgres"
        )
        return ticks / os.sysconf("SC_CLK_TCK")

    def share(self) -> float:
        busy, ours, started = self.start
        other = (self._busy() - busy) - (self._ours() - ours)
        return max(0.0, other / self._wall())

    def postgres_share(self) -> float:
        """Reported beside the others: on the PostgreSQL sets, part of each request's cost
        is spent there rather than in the app's workers."""
        return (self.postgres_seconds() - self.postgres_start) / self._wall()

    def _wall(self) -> float:
        """CPU seconds the machine had since the start (all its CPUs)."""
        return max(1e-9, (time.monotonic() - self.start[2]) * (os.cpu_count() or 1))


def processes_now() -> Iterator[tuple[int, str, list[str]]]:
    """(pid, command, the /proc/<pid>/stat fields after the command) of each process."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # The command may hold spaces and parentheses: fields start after the last ")".
            head, rest = stat.rsplit(")", 1)
            yield int(entry.name), head.split("(", 1)[1], rest.split()


def worker_pids(master: int) -> list[int]:
    return sorted(pid for pid, _, fields in processes_now() if int(fields[1]) == master)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


# --- HTTP as a client (one request at a time, for set-up and checks) -------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def cookie(self, name: str) -> str | None:
        for header in self.headers.get_all("Set-Cookie") or []:
            key, _, rest = header.partition("=")
            if key.strip() == name:
                return rest.split(";", 1)[0]
        return None


def fetch(
    port: int,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Answer:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def hidden_input(html: bytes, name: str) -> str:
    """The value of the form field `name` on the page (csrf_token, form_token)."""
    field = re.escape(name.encode())
    match = re.search(
        rb'name="' + field + rb'"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="' + field + rb'"',
        html,
    )
    if not match:
        raise RuntimeError(f"no {name} field on the page")
    return (match.group(1) or match.group(2)).decode()


def csrf_token(html: bytes) -> str:
    return hidden_input(html, "csrf_token")


def form_token(html: bytes) -> str:
    return hidden_input(html, "form_token")


def log_in(port: int, email: str, password: str) -> tuple[str, str]:
    """A real login through the form; returns (session cookie value, CSRF token)."""
    page = fetch(port, "/login")
    session = page.cookie("session")
    if page.status != 200 or session is None:
        raise RuntimeError(f"GET /login answered {page.status} without a session cookie")
    answer = fetch(
        port,
        "/login",
        "POST",
        headers={"Cookie": f"session={session}"},
        form={
            "email": email,
            "password": password,
            "csrf_token": csrf_token(page.body),
            "next": "",
        },
    )
    if answer.status != 303:
        raise RuntimeError(f"login as {email} failed: {answer.status}")
    session = answer.cookie("session") or session
    queue = fetch(port, "/dashboard/", headers={"Cookie": f"session={session}"})
    if queue.status != 200:
        raise RuntimeError(f"/dashboard/ after login answered {queue.status}")
    return queue.cookie("session") or session, csrf_token(queue.body)


# --- wrk --------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
UNITS_BYTES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def parse_wrk(output: str, row: Row) -> Row:
    def search(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"unexpected wrk output (no {pattern!r}):\n{output}")
        return match

    row.requests_per_s = float(search(r"^Requests/sec:\s+([\d.]+)").group(1))
    for percentile, attribute in (("50", "p50_ms"), ("99", "p99_ms")):
        match = search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$")
        setattr(row, attribute, float(match.group(1)) * UNITS_MS[match.group(2)])
    done = search(r"^\s+(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read")
    row.requests = int(done.group(1))
    read = float(done.group(2)) * UNITS_BYTES[done.group(3)]
    row.bytes_per_response = read / row.requests if row.requests else 0.0
    bad = 0
    if match := re.search(r"^answered \d+: (\d+), not: (\d+)$", output, re.MULTILINE):
        # The script saw every answer (wrk's own count of 4xx and 5xx is among them).
        row.expected = int(match.group(1))
        bad += int(match.group(2))
    elif match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        bad += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        bad += sum(int(n) for n in match.groups())
    row.bad = bad
    # Requests that all failed or timed out are a measurement (of failure); none at all is not.
    if row.requests == 0 and row.bad == 0:
        raise RuntimeError(f"wrk got no answer, nor an error, in the whole run:\n{output}")
    return row


def wrk(
    url: str,
    load: Load,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_args: list[str] | None = None,
) -> str:
    command = ["wrk", *load.args(), "--latency", "--timeout", f"{WRK_TIMEOUT_S}s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=load.duration + 60, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr}{result.stdout}")
    return result.stdout


# Counts the answers with the expected status and every other one, so a lost session (302
# to the login page), a decision that was refused (409, 422) or a comment form sent back
# (422, 429) can't pass for a measured page. Each thread gets a number for scripts to use.
STATUS_LUA = Template("""\
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  expected, unexpected = 0, 0
end

function response(status, headers, body)
  if status == $status then expected = expected + 1 else unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local good, bad = 0, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("expected")
    bad = bad + thread:get("unexpected")
  end
  io.write(string.format("answered $status: %d, not: %d\\n", good, bad))
end
""")
OK_LUA = STATUS_LUA.substitute(status=200)

# One decision per request, each on a different pending comment: ids come from a file. The
# run stops with this many ids left (a few per connection), none of them sent.
APPROVE_SPARE_IDS = 16
APPROVE_LUA = OK_LUA + Template("""
local ids = {}
local position = 0

local base_init = init
function init(args)
  base_init(args)
  for line in io.lines(args[1]) do table.insert(ids, line) end
  wrk.method = "POST"
  wrk.body = "to_status=approved&expected_status=pending&status=pending"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["HX-Request"] = "true"
end

function request()
  position = position + 1
  -- Out of ids: send an id that can't exist, so the run shows errors instead of repeats.
  local id = ids[position] or "0"
  return wrk.format(nil, "/dashboard/comments/" .. id .. "/decision")
end

-- A fast machine decides every comment of a small data set before the run's end: the
-- thread stops there, while every connection still has an id. wrk still divides by the
-- whole duration, so such a row's requests/s is too low (its latencies are right).
local base_response = response
function response(status, headers, body)
  base_response(status, headers, body)
  if position >= #ids - $spare then wrk.thread:stop() end
end
""").substitute(spare=APPROVE_SPARE_IDS)

# One comment per request through the real form, answered by a redirect (303) to the
# article. Arguments: the form's other fields (urlencoded), the run's marker, how many
# readers take turns (each their own e-mail), then texts.
# Every body differs: the marker, the thread's number and its count lead the text.
POST_LUA = (
    STATUS_LUA.substitute(status=303)
    + """
local fields, marker, readers, texts, sent = "", "", 1, {}, 0

local base_init = init
function init(args)
  base_init(args)
  fields, marker, readers = args[1], args[2], tonumber(args[3])
  for i = 4, #args do table.insert(texts, args[i]) end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  sent = sent + 1
  local text = texts[sent % #texts + 1]
  local reader = (thread_number * 7 + sent) % readers
  local body = fields .. "&author_email=bench-reader-" .. reader .. "%40newsroom.example"
    .. "&body=" .. marker .. "-" .. thread_number .. "-" .. sent .. "+" .. text
  return wrk.format(nil, nil, nil, body)
end
"""
)


# A different query each request, in turn: the paths come as arguments.
PATHS_LUA = (
    OK_LUA
    + """
local paths, position = {}, 0

local base_init = init
function init(args)
  base_init(args)
  for i = 1, #args do table.insert(paths, args[i]) end
end

function request()
  position = position + 1
  return wrk.format(nil, paths[(position + thread_number) % #paths + 1])
end
"""
)


def write_script(name: str, text: str) -> Path:
    path = TMP / name
    path.write_text(text)
    return path


def measure(
    report: Report,
    page: str,
    dataset: str,
    url: str,
    load: Load,
    warmup: int,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_args: list[str] | None = None,
    round_number: int = 1,
    what: str | None = None,
) -> Row:
    if warmup:
        wrk(url, Load(load.threads, load.connections, warmup), headers, script, script_args)
    say(f"{dataset}: {page}, round {round_number}: wrk {load} {what or url}")
    row = parse_wrk(wrk(url, load, headers, script, script_args), Row(page, dataset))
    row.round = round_number
    report.runs.append(row)
    say(
        f"{dataset}: {page}: {row.requests_per_s:,.0f} req/s, p50 {row.p50_ms:.2f} ms, "
        f"p99 {row.p99_ms:.2f} ms, {row.bytes_per_response:,.0f} B/response, {row.bad} bad"
    )
    return row


# --- What the runs change in the data sets, put back ------------------------------------

# Ids per IN list: well under SQLite's (32,766) and PostgreSQL's (65,535) parameter limits,
# which a run's pool of comments to approve (up to ~50,000) would pass in one statement.
IDS_PER_STATEMENT = 5000
DECIDED = "SELECT count(*) FROM comments WHERE status != 'pending' AND id IN :ids"


def in_batches(db: sa.Connection, statement: str, ids: Sequence[int], **params: object) -> int:
    """Run `statement` (holding `IN :ids`) over the ids, a batch at a time; the sum of what
    it counted (a SELECT count) or of the rows it changed."""
    query = sa.text(statement).bindparams(sa.bindparam("ids", expanding=True))
    total = 0
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        result = db.execute(query, {"ids": list(ids[start : start + IDS_PER_STATEMENT]), **params})
        total += result.scalar_one() if result.returns_rows else result.rowcount
    return total


def bench_article_id(db: sa.Connection, dataset: DataSet) -> int:
    """The benchmark article's id: the comments the bench posts or leaves alone are its."""
    found = db.execute(
        sa.text("SELECT id FROM articles WHERE slug = :slug"), {"slug": BENCH_ARTICLE}
    ).scalar()
    if found is None:
        raise RuntimeError(f"{dataset.name} has no {BENCH_ARTICLE}")
    return found


def settle(count: Callable[[], int], quiet: float, limit: float) -> int:
    """Poll `count` until it has held still for `quiet` seconds (`limit` seconds at most);
    returns its last value.

    When wrk stops, requests it had sent may still be in the server's hands and land later:
    put back or counted before they commit, their changes would be missed.
    """
    last, since = count(), time.monotonic()
    deadline = since + limit
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.25)
        now = count()
        if now != last:
            last, since = now, time.monotonic()
    return last


def approval_pool(dataset: DataSet, size: int) -> list[tuple[int, str]]:
    """Comments to approve, one per request: pending ones first, then borrowed approved ones.

    The small data sets have only ~800 pending comments, fewer than a run decides; approved
    comments are set back to pending to make up the number (the table keeps its size), and
    restore_pool() puts every one back as it was afterwards, so each run starts the same.
    The benchmark article's comments are left alone: its page must keep 200 comments.
    """
    with dataset.engine.begin() as db:
        bench_id = bench_article_id(db, dataset)
        pool: list[tuple[int, str]] = []
        for status in ("pending", "approved"):
            found = db.execute(
                sa.text(
                    "SELECT id, status FROM comments WHERE status = :status "
                    "AND article_id != :bench ORDER BY id LIMIT :size"
                ),
                {"status": status, "bench": bench_id, "size": size - len(pool)},
            )
            pool += [(comment_id, was) for comment_id, was in found]
        borrowed = [comment_id for comment_id, status in pool if status != "pending"]
        in_batches(db, "UPDATE comments SET status = 'pending' WHERE id IN :ids", borrowed)
    if borrowed:
        recount(dataset)
    return pool


def restore_pool(dataset: DataSet, pool: list[tuple[int, str]], moderator_email: str) -> int:
    """Put every comment of the pool back in its status and drop the benchmark's decisions."""
    ids = [comment_id for comment_id, _ in pool]

    def decided() -> int:
        with dataset.engine.connect() as db:
            return in_batches(db, DECIDED, ids)

    settle(decided, quiet=0.5, limit=10)
    with dataset.engine.begin() as db:
        actor = db.execute(
            sa.text("SELECT id FROM users WHERE email = :email"), {"email": moderator_email}
        ).scalar_one()
        count = in_batches(db, DECIDED, ids)
        for status in sorted({status for _, status in pool}):
            in_batches(
                db,
                "UPDATE comments SET status = :status WHERE id IN :ids",
                [comment_id for comment_id, was in pool if was == status],
                status=status,
            )
        in_batches(
            db,
            "DELETE FROM moderation_events WHERE actor_id = :actor AND comment_id IN :ids",
            ids,
            actor=actor,
        )
    recount(dataset)
    return count


def recount(dataset: DataSet) -> None:
    """The app's own counter rebuild (per-article counts, tab totals, cache versions), after
    the bench changed comments behind the app's back, and on SQLite the full-text index
    merged back into one segment (search.merge_segments): every comment posted and deleted
    left it a segment more, and on small the moderators' search of two common words took a
    third longer for them (14.7 against 10.9 ms, one process: each walked comment is sought
    in every segment). Then the clean-up autovacuum does."""
    subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            "from newsroom import create_app, moderation, search\n"
            "from newsroom.extensions import db\n"
            "with create_app().app_context():\n"
            "    moderation.recount()\n"
            "    search.merge_segments()\n"
            "    db.session.commit()",
        ],
        cwd=ROOT,
        env=dataset.env(),
        check=True,
        timeout=600,
    )
    vacuum(dataset)


def vacuum(dataset: DataSet) -> None:
    """On a PostgreSQL set, VACUUM (ANALYZE): the dead row versions the bench's POSTs,
    removals and recounts leave are gone before the next run, as autovacuum sees to on a
    production server. (A server may have it off, as the one the bench ran on once did: then
    every run found the tables more bloated than the last.)

    INDEX_CLEANUP ON: by default VACUUM leaves the indexes alone when fewer than 2% of a
    table's pages hold dead rows, and the tens of thousands of comments a run deletes from
    pg-large's million sit on fewer. Their index entries and line pointers then stayed, more
    after each run (7,800, 13,300, 19,100 after three POST rounds), and no run started from
    the data the one before it had.

    Then a checkpoint on either database: the pages the clean-up dirtied (a hundred
    thousand comments posted and deleted) are written out now, not by a checkpoint that
    falls in the next run's rounds and is measured as theirs."""
    with dataset.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        if dataset.url:
            db.execute(sa.text("VACUUM (ANALYZE, INDEX_CLEANUP ON)"))
            db.execute(sa.text("CHECKPOINT"))
        else:
            db.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def remove_posts(dataset: DataSet) -> int:
    """Delete every comment the bench posted (also any a stopped run left) and recount; the
    benchmark article must be left with its approved comments, the queue as it was."""
    with dataset.engine.begin() as db:
        bench_id = bench_article_id(db, dataset)
        removed = db.execute(
            sa.text("DELETE FROM comments WHERE article_id = :bench AND body LIKE :pattern"),
            {"bench": bench_id, "pattern": f"%{POST_MARKER}%"},
        ).rowcount
        approved = db.execute(
            sa.text(
                "SELECT count(*) FROM comments WHERE article_id = :bench AND status = 'approved'"
            ),
            {"bench": bench_id},
        ).scalar_one()
    if removed:
        # Thousands of comments posted and deleted: on pg-small, with ten thousand comments,
        # autovacuum took them up during the next run (the POST with every rule on, which
        # follows each POST run) and was measured as its cost. recount() vacuums after.
        recount(dataset)
    if approved != BENCH_ARTICLE_APPROVED:
        raise RuntimeError(f"{dataset.name}: {BENCH_ARTICLE} has {approved} approved comments")
    return removed


class Posts:
    """The comments of one wrk run, posted under their own marker. On the way out (also on
    errors) it waits for them to land, counts them, and removes every posted comment."""

    def __init__(self, dataset: DataSet) -> None:
        self.dataset = dataset
        self.marker = POST_MARKER + secrets.token_hex(8)
        self.quiet = POST_QUIET_S
        self.stored = 0

    def __enter__(self) -> Posts:
        return self

    def expect(self, row: Row) -> None:
        """Slow or failed requests may land long after wrk gave up on them: the quieter
        the database must be before counting."""
        self.quiet = max(POST_QUIET_S, 2 * row.p99_ms / 1000, 2 * WRK_TIMEOUT_S if row.bad else 0)

    def count(self) -> int:
        """This run's comments in the database so far (the marker is in no other body)."""
        with self.dataset.engine.connect() as db:
            return db.execute(
                sa.text(
                    "SELECT count(*) FROM comments WHERE article_id = "
                    "(SELECT id FROM articles WHERE slug = :slug) AND body LIKE :pattern"
                ),
                {"slug": BENCH_ARTICLE, "pattern": f"%{self.marker}%"},
            ).scalar_one()

    def __exit__(self, *exc_info) -> None:
        self.stored = settle(self.count, self.quiet, POST_SETTLE_S)
        remove_posts(self.dataset)


# --- The approve action -------------------------------------------------------------------


class Approvals:
    """Comment ids for each round of the approve run; everything is put back at the end.

    Fresh ids each round when the data set has enough (large: ~80,000 pending); otherwise
    (small) each round decides the same comments again, put back between rounds.
    """

    def __init__(self, dataset: DataSet, per_round: int, rounds: int) -> None:
        self.dataset = dataset
        self.per_round = per_round
        self.rounds = rounds
        self.pool: list[tuple[int, str]] = []
        self.fresh = False

    def __enter__(self) -> Approvals:
        self.pool = approval_pool(self.dataset, self.per_round * self.rounds)
        self.fresh = len(self.pool) >= self.per_round * self.rounds
        return self

    def ids(self, round_index: int) -> list[str]:
        if self.fresh:
            chunk = self.pool[round_index * self.per_round : (round_index + 1) * self.per_round]
        else:
            if round_index:
                self.restore()
                self.pool = approval_pool(self.dataset, self.per_round)
            chunk = self.pool
        return [str(comment_id) for comment_id, _ in chunk]

    def restore(self) -> None:
        pool, self.pool = self.pool, []
        decided = restore_pool(self.dataset, pool, BENCH_MODERATOR)
        say(f"{self.dataset.name}: put back {len(pool):,} comments ({decided:,} were decided)")

    def __exit__(self, *exc_info) -> None:
        if self.pool:
            self.restore()


def approve_round(
    report: Report,
    server: Server,
    ids: list[str],
    load: Load,
    warmup: int,
    round_number: int,
    script: Path,
) -> None:
    name = server.dataset.name
    headers = {"Cookie": f"session={server.cookie}", "X-CSRFToken": server.token}
    first, rest = ids[0], ids[1:]
    # One decision by hand first, to see the answer is the real one.
    one = fetch(
        server.port,
        f"/dashboard/comments/{first}/decision",
        "POST",
        headers={**headers, "HX-Request": "true"},
        form={"to_status": "approved", "expected_status": "pending", "status": "pending"},
    )
    if one.status != 200 or b'id="comment-' not in one.body:
        raise RuntimeError(f"an approve POST answered {one.status}: {one.body[:300]!r}")
    split = len(rest) * warmup // (warmup + load.duration)
    warm_ids, run_ids = TMP / f"approve-{name}-warmup.ids", TMP / f"approve-{name}.ids"
    warm_ids.write_text("\n".join(rest[:split]) + "\n")
    run_ids.write_text("\n".join(rest[split:]) + "\n")
    url = f"{server.base}/dashboard/"
    if warmup:
        wrk(url, Load(load.threads, load.connections, warmup), headers, script, [str(warm_ids)])
    row = measure(
        report,
        APPROVE_ACTION,
        name,
        url,
        load,
        0,
        headers,
        script,
        [str(run_ids)],
        round_number,
        what=f"POST {server.base}/dashboard/comments/<id>/decision, a new comment each time",
    )
    if row.requests >= len(rest) - split - APPROVE_SPARE_IDS - load.connections:
        # Measured as long as there were comments: fewer requests, every one a real decision.
        report.notes.append(
            f"{name}: approve, round {round_number}: every comment set aside was decided "
            f"after {row.requests:,} requests, before the run's {load.duration} s were out; "
            "its latencies are of that shorter run, and its requests/s (counted over the "
            f"whole {load.duration} s) is too low"
        )


# --- The phases ---------------------------------------------------------------------------


@dataclass
class Server:
    dataset: DataSet
    port: int
    master: subprocess.Popen
    cookie: str = ""
    token: str = ""

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


def public_phase(report: Report, server: Server, load: Load, warmup: int, rounds: int) -> None:
    """The reader's pages; the article, nginx and the article through the front cache
    alternate, round by round."""
    name = server.dataset.name
    article_path = f"/articles/{BENCH_ARTICLE}"
    article = fetch(server.port, article_path)
    if article.status != 200:
        raise RuntimeError(f"{article_path} answered {article.status}")
    public_checks(report, server.dataset, server.port, article.body)
    front_port = free_port()
    with (
        nginx_serving(article.body) as nginx_port,
        front_cache(TMP / f"front-{name}", front_port, [server.port], worker_processes="auto"),
    ):
        say(f"{name}: nginx with deploy/nginx.conf in front of the site on {HOST}:{front_port}")
        front_probe(report, name, front_port, server.port, article.body)
        nginx_url = f"http://{HOST}:{nginx_port}{article_path}"
        front_url = f"http://{HOST}:{front_port}{article_path}"
        for index in range(rounds):
            first = warmup if index == 0 else 0
            measure(report, ARTICLE_PAGE, name, server.base + article_path, load, first,
                    round_number=index + 1)  # fmt: skip
            measure(report, NGINX_PAGE, name, nginx_url, load, first, round_number=index + 1)
            measure(report, FRONT_PAGE, name, front_url, load, first, round_number=index + 1)
    for page, path in ((SECTION_PAGE, "/sections/in-the-news/"), (HOME_PAGE, "/")):
        answer = fetch(server.port, path)
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}, not 200")
        measure(report, page, name, server.base + path, load, warmup)


def front_probe(report: Report, dataset: str, port: int, app_port: int, html: bytes) -> None:
    """Two anonymous requests through the front cache: the second must be a HIT with the
    article's bytes, or the front cache row measures something else (said in the notes).
    The page names its own address (canonical link, og:url) from the Host it was asked
    by: through the front, the front's."""
    html = html.replace(f"{HOST}:{app_port}".encode(), f"{HOST}:{port}".encode())
    path = f"/articles/{BENCH_ARTICLE}"
    first = fetch(port, path)
    # nginx may finish storing a page just after its last byte went out: a reader who
    # asks again at once can still find it being stored (MISS). Well within the second
    # the copy is good for.
    time.sleep(0.1)
    second = fetch(port, path)
    status = second.headers.get("X-Cache-Status", "-")
    if second.status != 200 or status != "HIT" or second.body != html:
        report.notes.append(
            f"{dataset}: the article through the front cache was not the cached article: "
            f"a second anonymous request answered {second.status}, X-Cache-Status {status}, "
            f"bytes {'the same as' if second.body == html else 'other than'} the site's "
            f"(Cache-Control: {first.headers.get('Cache-Control', '-')}; "
            f"Set-Cookie: {'yes' if first.cookie('session') else 'no'}), so the "
            f'"{FRONT_PAGE}" row measures more than the cache.'
        )


@dataclass
class Reader:
    """A reader with the article open (no cookie: reading makes none) and the comment
    form's other fields; their browser says the POST comes from the site's own page."""

    fields: str  # form_token, name and the empty honeypot, urlencoded (the e-mail is per reader)
    page: bytes  # the article page as they got it: what nginx serves beside the POSTs
    headers: dict[str, str]

    @classmethod
    def open_article(cls, server: Server) -> Reader:
        path = f"/articles/{BENCH_ARTICLE}"
        page = fetch(server.port, path)
        if page.status != 200 or page.cookie("session") is not None:
            raise RuntimeError(f"GET {path} answered {page.status}, or with a session cookie")
        fields = urllib.parse.urlencode(
            {
                "form_token": form_token(page.body),
                "author_name": "Bench Reader",
                "website": "",
            }
        )
        headers = {"Sec-Fetch-Site": "same-origin", "Origin": server.base}
        return cls(fields, page.body, headers)

    def script_args(self, marker: str) -> list[str]:
        """POST_LUA's arguments: the texts go urlencoded, so the script only joins strings."""
        texts = (urllib.parse.quote_plus(text) for text in POST_TEXTS)
        return [self.fields, marker, str(POST_READERS), *texts]


# Each round of the POST is followed by one with every rule of moderation/rules.py on,
# with lists of a newsroom's size, none of which the bench's texts trip (each comment is
# still held): that row measures what screening by the rules costs (matching, the
# duplicate lookup), not another outcome.
RULE_WORDS = 200


@contextlib.contextmanager
def all_rules(datasets: list[DataSet]) -> Iterator[None]:
    """Every rule in force on `datasets` while the block runs; none after (as generated)."""

    def words(kind: str) -> str:
        return "\n".join(f"{kind}{n:03d}" for n in range(RULE_WORDS))

    def clear() -> None:
        for dataset in datasets:
            with dataset.engine.begin() as db:
                db.execute(sa.text("DELETE FROM moderation_rules"))

    clear()
    for dataset in datasets:
        with dataset.engine.begin() as db:
            db.execute(
                sa.text(
                    "INSERT INTO moderation_rules (id, blocked_rejected, blocked_spam, suspect,"
                    " max_links, min_length, duplicates_are_spam, version, updated_at)"
                    " VALUES (1, :rejected, :spam, :suspect, 5, 2, true, :version,"
                    " CURRENT_TIMESTAMP)"
                ),
                {
                    "rejected": words("blockedword"),
                    "spam": words("spamphrase one"),
                    "suspect": words("suspectword"),
                    "version": secrets.token_hex(16),
                },
            )
    try:
        yield
    finally:
        clear()


def first_post(server: Server, reader: Reader) -> None:
    """One comment by hand before the load: the answer must be the real one (a 303 back to
    the article) and the comment must be found under its marker, or the counting is wrong."""
    with Posts(server.dataset) as posts:
        answer = fetch(
            server.port,
            f"/articles/{BENCH_ARTICLE}/comments",
            "POST",
            headers=reader.headers,
            form=dict(
                urllib.parse.parse_qsl(reader.fields, keep_blank_values=True),
                author_email="bench-reader-0@newsroom.example",
                body=f"{posts.marker}-0-0 {POST_TEXTS[0]}",
            ),
        )
    location = answer.headers.get("Location", "")
    if answer.status != 303 or f"/articles/{BENCH_ARTICLE}" not in location:
        raise RuntimeError(
            f"{server.dataset.name}: a comment POST answered {answer.status} "
            f"(Location {location!r}): {answer.body[:300]!r}"
        )
    if posts.stored != 1:
        raise RuntimeError(f"{server.dataset.name}: a posted comment was found {posts.stored}×")


def post_round(
    report: Report,
    server: Server,
    reader: Reader,
    load: Load,
    warmup: int,
    round_number: int,
    script: Path,
    page: str = POST_ACTION,
) -> None:
    """Readers posting comments, each a new one; then the acknowledged ones must be stored."""
    name = server.dataset.name
    url = f"{server.base}/articles/{BENCH_ARTICLE}/comments"
    headers = reader.headers
    if warmup:
        with Posts(server.dataset) as posts:
            warm = Load(load.threads, load.connections, warmup)
            output = wrk(url, warm, headers, script, reader.script_args(posts.marker))
            posts.expect(parse_wrk(output, Row(page, name)))
    with Posts(server.dataset) as posts:
        row = measure(
            report,
            page,
            name,
            url,
            load,
            0,
            headers,
            script,
            reader.script_args(posts.marker),
            round_number,
            what=f"POST {url}, a new comment each time",
        )
        posts.expect(row)
    report.posts.append((name, round_number, row.expected, posts.stored))
    say(f"{name}: {row.expected:,} POSTs acknowledged, {posts.stored:,} comments stored")


def post_phase(report: Report, servers: list[Server], load: Load, warmup: int, rounds: int) -> None:
    """Readers posting comments on every data set. Each run follows nginx serving the same
    article's bytes, for the ratio round by round; the data sets alternate too, so the
    small-against-large comparison sees the same background noise. Every comment posted
    is removed again (see Posts): each run starts from the same data."""
    readers = {}
    for server in servers:
        if removed := remove_posts(server.dataset):
            say(f"{server.dataset.name}: removed {removed:,} comments a stopped run had posted")
        readers[server.dataset.name] = Reader.open_article(server)
        first_post(server, readers[server.dataset.name])
    script = write_script("post.lua", POST_LUA)
    for index in range(rounds):
        for server in servers:
            reader = readers[server.dataset.name]
            first = warmup if index == 0 else 0
            with nginx_serving(reader.page) as nginx_port:
                nginx_url = f"http://{HOST}:{nginx_port}/articles/{BENCH_ARTICLE}"
                measure(report, NGINX_POST_PAGE, server.dataset.name, nginx_url, load, first,
                        round_number=index + 1)  # fmt: skip
            post_round(report, server, reader, load, first, index + 1, script)
            # Then the same with every rule on, in the same round: its share of the POST
            # without is taken round by round. Each time the rules are written anew, so
            # the workers' first seconds compile the lists again: warmed up every time.
            with all_rules([server.dataset]):
                post_round(
                    report, server, reader, load, warmup, index + 1, script, RULES_POST_ACTION
                )


def full_queue(server: Server) -> None:
    """The queue page measured must be a full one: a data set whose pending comments were
    used up (a run stopped before putting them back) would make it look cheap."""
    queue = fetch(server.port, "/dashboard/", headers={"Cookie": f"session={server.cookie}"})
    rows = queue.body.count(b'class="queue-row"')
    if rows != QUEUE_ROWS:
        raise RuntimeError(
            f"{server.dataset.name}: the pending queue shows {rows} rows, not {QUEUE_ROWS}; "
            f"delete {server.dataset.path.relative_to(ROOT)} to have it rebuilt"
        )


def staff_phase(
    report: Report, servers: list[Server], load: Load, warmup: int, rounds: int
) -> None:
    """The moderator's queue and approve action; the data sets alternate, round by round,
    so the small-against-large comparison sees the same background noise."""
    for server in servers:
        server.cookie, server.token = log_in(server.port, BENCH_MODERATOR, server.dataset.password)
        full_queue(server)
    status_lua = write_script("status.lua", OK_LUA)
    for index in range(rounds):
        for server in servers:
            measure(
                report, QUEUE_PAGE, server.dataset.name, server.base + "/dashboard/", load,
                warmup if index == 0 else 0, {"Cookie": f"session={server.cookie}"},
                status_lua, round_number=index + 1,
            )  # fmt: skip
    approve_lua = write_script("approve.lua", APPROVE_LUA)
    per_round = 1 + APPROVALS_PER_S * (load.duration + warmup)
    with contextlib.ExitStack() as stack:
        plans = {
            server.dataset.name: stack.enter_context(Approvals(server.dataset, per_round, rounds))
            for server in servers
        }
        for index in range(rounds):
            for server in servers:
                ids = plans[server.dataset.name].ids(index)
                approve_round(
                    report, server, ids, load, warmup if index == 0 else 0, index + 1, approve_lua
                )


def search_phase(
    report: Report, servers: list[Server], load: Load, warmup: int, rounds: int
) -> None:
    """Readers' search of the articles and the moderators' of the comments, in rounds (the
    data sets alternate, as in staff_phase): every request another query of
    ARTICLE_QUERIES / COMMENT_QUERIES (pages 1 to 3 of the readers' results). Search pages
    are never kept by the app, so each is searched."""
    script = write_script("paths.lua", PATHS_LUA)
    articles = [
        f"/search?q={urllib.parse.quote_plus(query)}&page={page}"
        for query in ARTICLE_QUERIES
        # Later pages of the one-word searches (in every article); the first of the others.
        for page in ((1, 2, 3) if " " not in query and query.isalpha() else (1,))
    ]
    comments = [
        f"/dashboard/?{urllib.parse.urlencode({'status': status, 'q': query})}"
        for query in COMMENT_QUERIES
        for status in ("pending", "approved")
    ]
    for index in range(rounds):
        first = warmup if index == 0 else 0
        for server in servers:
            name = server.dataset.name
            measure(
                report, ARTICLE_SEARCH, name, server.base + "/search", load, first, None, script,
                articles, round_number=index + 1, what=f"{len(articles)} searches in turn",
            )  # fmt: skip
            measure(
                report, COMMENT_SEARCH, name, server.base + "/dashboard/", load, first,
                {"Cookie": f"session={server.cookie}"}, script, comments,
                round_number=index + 1, what=f"{len(comments)} searches in turn",
            )  # fmt: skip


def memory_check(report: Report, server: Server, workers: int) -> None:
    name = server.dataset.name
    rss = {pid: rss_mb(pid) for pid in worker_pids(server.master.pid)}
    biggest = max(rss.values()) if rss else float("nan")
    report.facts[f"web workers after the load ({name})"] = ", ".join(
        f"pid {pid}: {mb:.1f} MB" for pid, mb in rss.items()
    )
    report.check(
        f"{name}: largest web worker resident after the load < {WORKER_RSS_MAX_MB:.0f} MB",
        len(rss) == workers and biggest < WORKER_RSS_MAX_MB,
        f"{below(biggest, WORKER_RSS_MAX_MB, 'MB', digits=1, label='VmRSS ')} "
        f"({len(rss)} of {workers} workers alive)",
    )


def aggregate(report: Report, names: list[str]) -> None:
    """One table row per page and data set: medians over its rounds, and ratios to nginx."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for run in report.runs:
        groups.setdefault((run.page, run.dataset), []).append(run)
    report.rows = []
    for (page, dataset), runs in sorted(
        groups.items(), key=lambda item: (names.index(item[0][1]), PAGES.index(item[0][0]))
    ):
        report.rows.append(
            Row(
                page,
                dataset,
                requests_per_s=statistics.median(r.requests_per_s for r in runs),
                p50_ms=statistics.median(r.p50_ms for r in runs),
                p99_ms=statistics.median(r.p99_ms for r in runs),
                bytes_per_response=statistics.fmean(r.bytes_per_response for r in runs),
                requests=sum(r.requests for r in runs),
                bad=sum(r.bad for r in runs),
                expected=sum(r.expected for r in runs),
                note="; ".join(sorted({r.note for r in runs if r.note})),
                round=len(runs),
            )
        )
    for row in report.rows:
        nginx_runs = groups.get((CEILINGS.get(row.page, ""), row.dataset))
        if not nginx_runs:
            continue
        if row.page in RATIO_BY_ROUND:
            # Against the nginx run beside it, round by round: the noise cancels best.
            row.ratio = share_by_round(report, row.page, CEILINGS[row.page], row.dataset)
        else:
            row.ratio = row.requests_per_s / statistics.median(n.requests_per_s for n in nginx_runs)


def share_by_round(report: Report, page: str, against: str, dataset: str) -> float | None:
    """The median over the rounds of `page`'s requests/s over `against`'s in the same round
    (None if they share no round)."""
    base = {
        run.round: run.requests_per_s
        for run in report.runs
        if run.page == against and run.dataset == dataset
    }
    ratios = [
        run.requests_per_s / base[run.round]
        for run in report.runs
        if run.page == page and run.dataset == dataset and base.get(run.round)
    ]
    return statistics.median(ratios) if ratios else None


def public_checks(report: Report, dataset: DataSet, port: int, html: bytes) -> None:
    """What the article page asks of a reader's browser: bytes, styles, no scripts."""
    if dataset.name != "large":
        return
    report.check(
        f"article HTML with 200 comments < {ARTICLE_HTML_MAX_BYTES // 1000} KB",
        len(html) < ARTICLE_HTML_MAX_BYTES,
        below(len(html), ARTICLE_HTML_MAX_BYTES, "bytes", digits=0),
    )
    stylesheets = re.findall(rb'<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"', html)
    sizes = {}
    for href in stylesheets:
        answer = fetch(port, urllib.parse.urlsplit(href.decode()).path)
        sizes[href.decode()] = len(answer.body) if answer.status == 200 else -1
    total = sum(sizes.values())
    site_css = (ROOT / "static" / "css" / "site.css").stat().st_size
    report.check(
        f"CSS the article page loads < {CSS_MAX_BYTES // 1000} KB",
        bool(sizes) and all(s >= 0 for s in sizes.values()) and total < CSS_MAX_BYTES,
        f"{below(total, CSS_MAX_BYTES, 'bytes', digits=0)}; in {len(sizes)} stylesheet(s) "
        f"({', '.join(sizes) or 'none'}; static/css/site.css is {site_css:,} bytes)",
    )
    # Data blocks (the schema.org JSON-LD) are script elements that never run: not counted.
    scripts = len(re.findall(rb"<script(?![^>]*type=\"application/ld\+json\")", html, re.I))
    handlers = len(re.findall(rb"\son[a-z]+\s*=", html, re.IGNORECASE))
    javascript_urls = len(re.findall(rb"javascript:", html, re.IGNORECASE))
    report.check(
        "no JavaScript on the article page (no <script>, on*= handler, javascript: URL)",
        scripts == handlers == javascript_urls == 0,
        f"{scripts} <script>, {handlers} handlers, {javascript_urls} javascript: URLs",
    )


# --- The budget and the report ----------------------------------------------------------


def at_least(share: float, floor: float) -> str:
    """A share against its floor, with the margin: '7.0% vs ≥ 5%: margin +2.0 points (+40%)'."""
    return (
        f"{share:.1%} vs ≥ {floor:.0%}: margin {(share - floor) * 100:+.1f} points "
        f"({share / floor - 1:+.0%})"
    )


def below(
    value: float, limit: float, unit: str, digits: int = 2, label: str = "", bound: str = "<"
) -> str:
    """A measure against its ceiling, with the margin:
    'p99 19.07 ms vs < 25 ms: 5.93 ms to spare (24%)'."""
    spare = limit - value
    # A round budget reads as written (25 ms); a computed one (1.5× small) as measured.
    budget = f"{limit:,.0f}" if limit == round(limit) else f"{limit:,.{digits}f}"
    return (
        f"{label}{value:,.{digits}f} {unit} vs {bound} {budget} {unit}: "
        f"{abs(spare):,.{digits}f} {unit} {'to spare' if spare >= 0 else 'over'} "
        f"({abs(spare) / limit:.0%})"
    )


def share_of_nginx(report: Report, page: str, dataset: str, floor: float) -> str | None:
    """'7.0% vs ≥ 5%: ...; median of 3 rounds, 2,605 vs 37,272 req/s', or None if unmeasured."""
    row, nginx = report.row(page, dataset), report.row(CEILINGS[page], dataset)
    if not (row and nginx and row.ratio is not None):
        return None
    return (
        f"{at_least(row.ratio, floor)}; median of {row.round} rounds, "
        f"{row.requests_per_s:,.0f} vs {nginx.requests_per_s:,.0f} req/s"
    )


def budget(report: Report) -> None:
    """The budget lines (they fail the run), then the targets for margin (they never do)."""
    measured = share_of_nginx(report, ARTICLE_PAGE, "large", ARTICLE_MIN_SHARE_OF_NGINX)
    if measured:
        report.check(
            f"large: article page ≥ {ARTICLE_MIN_SHARE_OF_NGINX:.0%} of nginx's requests/s "
            "for the same bytes",
            report.row(ARTICLE_PAGE, "large").ratio >= ARTICLE_MIN_SHARE_OF_NGINX,
            measured,
        )
    for name in DATASETS:
        if measured := share_of_nginx(report, FRONT_PAGE, name, FRONT_MIN_SHARE_OF_NGINX):
            report.check(
                f"{name}: article through the front cache ≥ {FRONT_MIN_SHARE_OF_NGINX:.0%} of "
                "nginx's requests/s for the same bytes as a static file",
                report.row(FRONT_PAGE, name).ratio >= FRONT_MIN_SHARE_OF_NGINX,
                measured,
            )
    for name in DATASETS:
        if measured := share_of_nginx(report, POST_ACTION, name, POST_MIN_SHARE_OF_NGINX):
            report.check(
                f"{name}: comment POST ≥ {POST_MIN_SHARE_OF_NGINX:.0%} of nginx's requests/s "
                "for the article's bytes",
                report.row(POST_ACTION, name).ratio >= POST_MIN_SHARE_OF_NGINX,
                measured,
            )
    for large_name, small_name in SIZE_PAIRS:
        large, small = report.row(POST_ACTION, large_name), report.row(POST_ACTION, small_name)
        if large and small and small.requests_per_s:
            share = large.requests_per_s / small.requests_per_s
            report.check(
                f"comment POST does not slow with the table: {large_name} ≥ "
                f"{POST_LARGE_MIN_SHARE_OF_SMALL:.0%} of {small_name}'s requests/s",
                share >= POST_LARGE_MIN_SHARE_OF_SMALL,
                f"{at_least(share, POST_LARGE_MIN_SHARE_OF_SMALL)}; "
                f"{large.requests_per_s:,.0f} vs {small.requests_per_s:,.0f} req/s",
            )
    for name in DATASETS:
        plain, ruled = report.row(POST_ACTION, name), report.row(RULES_POST_ACTION, name)
        if plain and ruled:
            # No round with the POST answering at all counts as nothing, and fails.
            share = share_by_round(report, RULES_POST_ACTION, POST_ACTION, name) or 0.0
            report.check(
                f"{name}: comment POST with every rule on ≥ {RULES_MIN_SHARE_OF_POST:.0%} of "
                "the POST without",
                share >= RULES_MIN_SHARE_OF_POST,
                f"{at_least(share, RULES_MIN_SHARE_OF_POST)}; median of {ruled.round} "
                f"rounds, {ruled.requests_per_s:,.0f} vs {plain.requests_per_s:,.0f} req/s, "
                f"p99 {ruled.p99_ms:.2f} vs {plain.p99_ms:.2f} ms",
            )
    for page, limit in P99_BUDGETS.items():
        for name in DATASETS:
            if row := report.row(page, name):
                report.check(
                    f"{name}: {page} p99 < {limit:.0f} ms",
                    row.p99_ms < limit,
                    below(row.p99_ms, limit, "ms", label="p99 "),
                )
    for page in (QUEUE_PAGE, APPROVE_ACTION):
        for large_name, small_name in SIZE_PAIRS:
            large, small = report.row(page, large_name), report.row(page, small_name)
            if not (large and small):
                continue
            allowed = max(small.p99_ms * NOISE_FACTOR, small.p99_ms + NOISE_FLOOR_MS)
            report.check(
                f"{page} p99 does not grow with the table ({large_name} ≤ {NOISE_FACTOR}× "
                f"{small_name}, or within {NOISE_FLOOR_MS:.0f} ms)",
                large.p99_ms <= allowed,
                f"{below(large.p99_ms, allowed, 'ms', label=f'{large_name} ', bound='≤')}; "
                f"{small_name} {small.p99_ms:.2f} ms, {large.p99_ms / small.p99_ms:.2f}×",
            )
    if report.posts:
        lost = [
            f"{name} round {n}: {stored:,} stored of {acked:,} acknowledged"
            for name, n, acked, stored in report.posts
            if stored < acked
        ]
        acknowledged = sum(acked for _, _, acked, _ in report.posts)
        stored = sum(stored for _, _, _, stored in report.posts)
        report.check(
            "every acknowledged comment POST was stored",
            not lost,
            "; ".join(lost)
            or f"{stored:,} stored of {acknowledged:,} acknowledged in {len(report.posts)} runs",
        )
    bad = [row for row in report.rows if row.bad or row.note]
    report.check(
        "every measured request answered as expected (200; 303 for a comment POST), "
        "without errors, timeouts or refusals",
        not bad,
        "; ".join(f"{r.dataset} {r.page}: {r.bad} bad {r.note}".strip() for r in bad) or "all",
    )
    targets(report)


def targets(report: Report) -> None:
    """The issues' targets for margin above the budget: how far each measure is from them."""
    if measured := share_of_nginx(report, ARTICLE_PAGE, "large", ARTICLE_TARGET_SHARE_OF_NGINX):
        report.target(
            f"large: article page ≥ {ARTICLE_TARGET_SHARE_OF_NGINX:.0%} of nginx's requests/s",
            report.row(ARTICLE_PAGE, "large").ratio >= ARTICLE_TARGET_SHARE_OF_NGINX,
            measured,
        )
    for page in (QUEUE_PAGE, APPROVE_ACTION):
        for name in DATASETS:
            if row := report.row(page, name):
                report.target(
                    f"{name}: {page} p99 ≤ {STAFF_TARGET_P99_MS:.0f} ms",
                    row.p99_ms <= STAFF_TARGET_P99_MS,
                    below(row.p99_ms, STAFF_TARGET_P99_MS, "ms", label="p99 ", bound="≤"),
                )


def table(report: Report) -> str:
    lines = [
        "| page | data set | requests/s | p50 | p99 | bytes/response | ratio to nginx |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report.rows:
        ratio = f"{row.ratio:.1%}" if row.ratio is not None else "–"
        lines.append(
            f"| {row.page} | {row.dataset} | {row.requests_per_s:,.0f} | {row.p50_ms:.2f} ms "
            f"| {row.p99_ms:.2f} ms | {row.bytes_per_response:,.0f} | {ratio} |"
        )
    return "\n".join(lines)


def checks_text(report: Report) -> str:
    return lines_of(report.checks, "PASS", "FAIL")


def targets_text(report: Report) -> str:
    return lines_of(report.targets, "met", "not met")


def lines_of(checks: list[Check], passed: str, failed: str) -> str:
    """Budget lines and targets read alike, but only a budget line can say FAIL."""
    return "\n".join(
        f"- **{passed if c.passed else failed}** {c.name}: {c.measured}" for c in checks
    )


def machine_facts(workers: int, public: Load, staff: Load) -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text()
    total_kb = int(re.search(r"^MemTotal:\s+(\d+)", meminfo, re.MULTILINE).group(1))

    def output(*command: str) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=10)
            return (result.stdout or result.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            return "unknown"

    commit = output("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    dirty = output("git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no")
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "uname -a": output("uname", "-a"),
        "CPU": f"{os.cpu_count()} × {models[0] if models else platform.processor()}",
        "memory": f"{total_kb / 1024 / 1024:.1f} GiB",
        "Python": sys.version.split()[0],
        "SQLite": sqlite3.sqlite_version,
        "granian": output(str(BIN / "granian"), "--version"),
        "wrk": output("wrk", "-v"),
        "nginx": output(nginx_binary(), "-v"),
        "commit": commit + (" with uncommitted changes" if dirty != "unknown" and dirty else ""),
        "web workers": f"{workers} workers (WEB_CONCURRENCY={workers}), "
        "serve.py otherwise as committed, worker recycling off for the run",
        "wrk, public pages and nginx": f"{public} --latency, anonymous (no cookies)",
        "wrk, comment POST": f"{public} --latency, {POST_READERS} readers taking turns (one e-mail "
        "each), with the form's token (no session) and a browser's same-origin headers, a "
        "new comment each request",
        "wrk, dashboard": f"{staff} --latency, logged in as the bench moderator",
        "comment rate limit": f"raised to {COMMENT_RATE_LIMIT} for the run "
        "(NEWSROOM_COMMENT_RATE_LIMIT), so wrk's POSTs are not refused; in-memory limiter "
        "storage, per worker",
    }


def runs_table(report: Report) -> str:
    lines = [
        "| page | data set | round | requests/s | p50 | p99 | requests | bad |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in report.runs:
        lines.append(
            f"| {run.page} | {run.dataset} | {run.round} | {run.requests_per_s:,.0f} "
            f"| {run.p50_ms:.2f} ms | {run.p99_ms:.2f} ms | {run.requests:,} | {run.bad} |"
        )
    return "\n".join(lines)


EXPLANATION = """\
Each page is driven by wrk on 127.0.0.1 against the site as deployed (serve.py: granian); \
`large` and `small` are SQLite databases, `pg-large` and `pg-small` the same data in PostgreSQL. \
Rows measured in several rounds (the article page, nginx and the article through the front cache \
alternate; nginx, the comment POST and the POST with every rule on alternate, and so do the data \
sets; the dashboard and search rows alternate between the data sets) show the median of the \
rounds; every run is listed at the end. p50/p99 are wrk's latency percentiles; bytes/response is \
what wrk read, headers included, over the number of responses. Ratio to nginx: requests/s over \
nginx's for the article page's exact bytes saved as a file and served in the same run with the \
same wrk settings (for the article, the article through the front cache and the comment POST: \
the median of the round-by-round ratios against the nginx run beside each). "Through the front \
cache" is nginx with the shipped deploy/nginx.conf in front of the same server, read by \
anonymous readers: what a reader of a popular article gets. Each comment POST is a new comment \
through the real form, answered by a 303; the comments are counted in the database after each \
run (every acknowledged one must be there) and removed again; the POST with every rule on is \
taken against the POST without in the same round (the median of the rounds' shares). The \
dashboard and search rows run at lower concurrency (a handful of moderators or readers), so no \
ratio."""


def markdown(report: Report, passed: bool) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in report.facts.items())
    notes = "\n".join(f"- {note}" for note in report.notes)
    return (
        f"# Benchmark {report.facts.get('date', '')[:10]}\n\n"
        f"`make bench` (bench/run.py). Overall: **{'PASS' if passed else 'FAIL'}**.\n\n"
        f"{table(report)}\n\n{EXPLANATION}\n\n"
        f"## Budget\n\n{checks_text(report)}\n\n"
        f"## Targets for margin (informational: they don't fail the run)\n\n"
        f"{targets_text(report)}\n\n"
        f"## Machine and settings\n\n{facts}\n"
        + (f"\n## Notes\n\n{notes}\n" if notes else "")
        + f"\n## Every run\n\n{runs_table(report)}\n"
    )


README_START = "<!-- bench:latest -->"
README_END = "<!-- /bench:latest -->"


def results_path(now: datetime) -> Path:
    """The day's results file; a later run the same day gets its own (2026-11-30b.md, ...),
    so none overwrites another."""
    day = f"{now:%Y-%m-%d}"
    for suffix in ("", *string.ascii_lowercase[1:]):
        path = RESULTS / f"{day}{suffix}.md"
        if not path.exists():
            return path
    raise RuntimeError(f"bench/results/ has a results file for every letter on {day}")


def update_readme(report: Report, results: Path) -> None:
    """Replace what stands between the README's two markers; nothing else is touched."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        say(f"README.md has no {README_START} ... {README_END} markers; not updated")
        return
    facts = report.facts
    busy = facts.get("CPUs busy with other processes during the run", "?")
    latest = (
        f"{README_START}\n"
        f"From [`{results.relative_to(ROOT)}`]({results.relative_to(ROOT)}), "
        f"{facts.get('date', '')[:16].replace('T', ' ')}, commit {facts.get('commit', '?')}; "
        f"{facts.get('CPU', '?')}, other processes used {busy} of the CPUs during the run.\n\n"
        f"{table(report)}\n\n{checks_text(report)}\n\n"
        f"Targets for margin (informational):\n\n{targets_text(report)}\n"
    )
    readme.write_text(text[:start] + latest + text[end:])
    say("README.md's latest results updated")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--datasets",
        default=",".join(DATASETS),
        help=f"comma-separated, of {','.join(DATASETS)} (default: all)",
    )
    parser.add_argument(
        "--postgres",
        default=POSTGRES_DEFAULT,
        help="the PostgreSQL server's maintenance database, where the pg-* data sets' "
        f"databases are made (default {POSTGRES_DEFAULT})",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of wrk before a page's first run"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds for the article, nginx, dashboard and search rows",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="web workers (default 3: serve.py's cores + 1 on a 2-core machine)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; no results file")
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help="also put the table and the budget lines in README.md's Performance section",
    )
    options = parser.parse_args()
    names = [n for n in options.datasets.split(",") if n]
    if unknown := set(names) - set(DATASETS):
        parser.error(f"unknown data set(s): {', '.join(sorted(unknown))}")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (bench/run.sh installs it)")
    try:
        maintenance = make_url(options.postgres)
    except sa.exc.ArgumentError as error:
        parser.error(f"--postgres: {error}")
    if maintenance.host != HOST:
        parser.error(f"--postgres: the bench talks to {HOST} only, not {maintenance.host}")

    # A SIGTERM (make interrupted, CI stopping) unwinds like Ctrl+C: servers get stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    public = Load(2, 32, options.duration)
    staff = Load(1, 4, options.duration)
    TMP.mkdir(parents=True, exist_ok=True)
    DATA.mkdir(parents=True, exist_ok=True)
    report = Report()
    report.facts.update(machine_facts(options.workers, public, staff))
    failure = None
    try:
        datasets = [ensure_dataset(name, maintenance) for name in names]
        if any(dataset.url for dataset in datasets):
            with postgres_engine(maintenance).connect() as db:
                version = db.execute(sa.text("SHOW server_version")).scalar_one()
                autovacuum = db.execute(sa.text("SHOW autovacuum")).scalar_one()
            report.facts["PostgreSQL"] = (
                f"{version} on {HOST}:{maintenance.port or 5432}, autovacuum {autovacuum} (the "
                "bench runs VACUUM (ANALYZE) on its sets after each recount either way)"
            )
        busy = cpu_busy()
        report.facts["CPUs busy with other work just before the run"] = f"{busy:.0%}"
        others = OtherWork(postgres=any(dataset.url for dataset in datasets))
        with contextlib.ExitStack() as stack:
            servers = []
            for dataset in datasets:
                port, master = stack.enter_context(site_server(dataset, options.workers))
                servers.append(Server(dataset, port, master))
            # The public pages and their nginx ceiling on the SQLite sets, as the budget has them.
            for server in servers:
                if not server.dataset.url:
                    public_phase(report, server, public, options.warmup, options.rounds)
            post_phase(report, servers, public, options.warmup, options.rounds)
            staff_phase(report, servers, staff, options.warmup, options.rounds)
            search_phase(report, servers, staff, options.warmup, options.rounds)
            for server in servers:
                memory_check(report, server, options.workers)
        share = others.share()
        report.facts["CPUs busy with other processes during the run"] = f"{share:.0%}"
        if others.postgres:
            report.facts["CPUs used by the PostgreSQL server during the run"] = (
                f"{others.postgres_share():.0%} (not counted as other processes)"
            )
        if max(busy, share) > BUSY_CPU:
            report.notes.append(
                f"Other processes on this machine used {share:.0%} of its CPUs during the run "
                f"({busy:.0%} just before): the requests/s and latencies are worse than a quiet "
                "machine gives. Ratios to nginx are measured round by round and suffer less."
            )
    except (RuntimeError, OSError, subprocess.SubprocessError, sa.exc.SQLAlchemyError) as error:
        failure = f"the run stopped early: {error}"
        report.check("the benchmark ran to the end", False, str(error).splitlines()[0])
        report.notes.append(failure)
    aggregate(report, names)
    budget(report)
    passed = all(c.passed for c in report.checks)
    print()
    print(table(report))
    print()
    print(checks_text(report))
    if report.targets:
        print(f"\nTargets for margin (informational):\n{targets_text(report)}")
    for note in report.notes:
        print(f"\nNote: {note}")
    if failure:
        print(f"\n{failure}", file=sys.stderr)
    if not options.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = results_path(datetime.now())
        path.write_text(markdown(report, passed))
        print(f"\nWritten to {path.relative_to(ROOT)}")
        if options.update_readme:
            update_readme(report, path)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
