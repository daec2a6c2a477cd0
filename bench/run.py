"""`make bench`: load-test the site at newsroom scale and check it against the budget.

For each data set (`large`: 10,000 articles and a million comments; `small`: 1,000 and ten
thousand) it starts gunicorn with the repository's gunicorn.conf.py on 127.0.0.1, drives
load with wrk against the public pages, the moderation queue and the approve action, and
serves the article page's exact bytes from nginx in the same run as the ceiling. It prints
one table, checks the budget, and writes both with the machine's details to
bench/results/<date>.md. Exits non-zero when a budget line fails (the file is still written).

Everything here talks to 127.0.0.1 only, every wait is bounded, and every process it starts
is stopped on the way out, also on errors.

Standard library only; run it with the project's venv (bench/run.sh does).
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
import subprocess
import sys
import textwrap
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from processes import HOST, free_port, started, stop_group, wait_until_answers

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DATA = ROOT / "bench" / "data"
TMP = ROOT / "bench" / "tmp"
RESULTS = ROOT / "bench" / "results"

# What each data set is made of (`flask bench-data --articles A --comments C`).
DATASETS = {"large": (10_000, 1_000_000), "small": (1_000, 10_000)}
# Written after a generation finished; a folder without it is half-made and is rebuilt.
MARKER = "bench-data.json"
PASSWORD_FILE = "moderator-password"
BENCH_MODERATOR = "bench-moderator@newsroom.example"
BENCH_ARTICLE = "bench-article-200"
# Fixed so sessions and CSRF tokens survive a gunicorn restart within one run; loopback only.
SECRET_KEY = "bench-only-secret-key-never-used-outside-loopback"

# The budget of the issue "Performance at newsroom scale".
ARTICLE_MIN_SHARE_OF_NGINX = 0.05
STAFF_P99_MS = 25.0
ARTICLE_HTML_MAX_BYTES = 120_000  # 1 KB = 1000 bytes: the stricter reading
CSS_MAX_BYTES = 15_000
WORKER_RSS_MAX_MB = 100.0
# Rows of the table.
ARTICLE_PAGE = "article, 200 comments (reader)"
SECTION_PAGE = "section page (reader)"
HOME_PAGE = "home page (reader)"
NGINX_PAGE = "nginx: the article's bytes"
QUEUE_PAGE = "pending queue (moderator)"
APPROVE_ACTION = "approve a comment (moderator)"
PUBLIC_PAGES = (ARTICLE_PAGE, SECTION_PAGE, HOME_PAGE, NGINX_PAGE)
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
    bad: int = 0  # non-2xx responses and socket errors
    note: str = ""
    ratio: float | None = None
    round: int = 1  # which round; in the table, how many rounds the medians are over


@dataclass
class Check:
    name: str
    passed: bool
    measured: str


@dataclass
class DataSet:
    name: str
    path: Path
    password: str

    @property
    def database(self) -> Path:
        return self.path / "newsroom.db"


@dataclass
class Report:
    runs: list[Row] = field(default_factory=list)  # every wrk run
    rows: list[Row] = field(default_factory=list)  # the table: medians over rounds
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def check(self, name: str, passed: bool, measured: str) -> None:
        self.checks.append(Check(name, passed, measured))

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


def flask(instance: Path, *args: str, timeout: int = 60) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "newsroom", *args],
        cwd=ROOT,
        env=app_env(instance),
        check=True,
        timeout=timeout,
    )


def ensure_dataset(name: str) -> DataSet:
    """Reuse bench/data/<name> when a generation completed there; else build it afresh."""
    articles, comments = DATASETS[name]
    path = DATA / name
    marker = path / MARKER
    # A changed generator makes different data: the set is rebuilt, not reused.
    generator = hashlib.sha256((ROOT / "newsroom" / "benchdata.py").read_bytes()).hexdigest()
    wanted = {"articles": articles, "comments": comments, "generator": generator[:16]}
    if (path / "newsroom.db").exists() and marker.exists():
        made = json.loads(marker.read_text())
        if {k: made.get(k) for k in wanted} == wanted:
            say(
                f"{name}: reusing {path.relative_to(ROOT)} ({articles:,} articles, "
                f"{comments:,} comments, made {made.get('made', '?')})"
            )
            # The schema may have moved on since: migrations run on the existing data.
            try:
                flask(path, "db", "upgrade", timeout=1800)
                return DataSet(name, path, (path / PASSWORD_FILE).read_text().strip())
            except subprocess.CalledProcessError:
                # E.g. it was upgraded by a migration that has since been renamed or dropped.
                say(f"{name}: the migrations don't apply to it any more")
    if path.exists():
        say(f"{name}: {path.relative_to(ROOT)} is incomplete or stale; rebuilding it")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    password = secrets.token_urlsafe(16)
    fd = os.open(path / PASSWORD_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    say(
        f"{name}: generating {articles:,} articles and {comments:,} comments "
        "(a million takes a minute or two)"
    )
    started = time.monotonic()
    flask(path, "db", "upgrade", timeout=300)
    flask(
        path,
        "bench-data",
        "--articles", str(articles),
        "--comments", str(comments),
        "--moderator-password", password,
        timeout=3600,
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
    return DataSet(name, path, password)


# --- Processes --------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(dataset: DataSet, workers: int) -> Iterator[tuple[int, subprocess.Popen]]:
    port = free_port()
    log = TMP / f"gunicorn-{dataset.name}.log"
    env = app_env(
        dataset.path,
        NEWSROOM_BIND=f"{HOST}:{port}",
        WEB_CONCURRENCY=str(workers),
        # No recycling during the run: the memory budget is about workers that served it all.
        NEWSROOM_MAX_REQUESTS="0",
    )
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"]
    with started(command, env, log, port, "gunicorn", ROOT) as process:
        say(f"{dataset.name}: gunicorn (pid {process.pid}, {workers} workers) on {HOST}:{port}")
        yield port, process


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(found, os.X_OK):
        raise RuntimeError("nginx is not installed (bench/run.sh installs it)")
    return found


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
    children's (gunicorn, nginx, wrk: each reaped, so counted in os.times()).
    """

    def __init__(self) -> None:
        self.start = (self._busy(), self._ours(), time.monotonic())

    @staticmethod
    def _busy() -> float:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _ours() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def share(self) -> float:
        busy, ours, started = self.start
        wall = (time.monotonic() - started) * (os.cpu_count() or 1)
        other = (self._busy() - busy) - (self._ours() - ours)
        return max(0.0, other / wall) if wall else 0.0


def worker_pids(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # The command may hold spaces and parentheses: fields start after the last ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    return sorted(children)


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


CSRF_INPUT = re.compile(
    rb'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def csrf_token(html: bytes) -> str:
    match = CSRF_INPUT.search(html)
    if not match:
        raise RuntimeError("no csrf_token field on the page")
    return (match.group(1) or match.group(2)).decode()


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
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        bad += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        bad += sum(int(n) for n in match.groups())
    if match := re.search(r"^not-200: (\d+)", output, re.MULTILINE):
        bad += int(match.group(1))
    row.bad = bad
    if row.requests == 0:
        raise RuntimeError(f"wrk made no requests:\n{output}")
    return row


def wrk(
    url: str,
    load: Load,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_args: list[str] | None = None,
) -> str:
    command = ["wrk", *load.args(), "--latency", "--timeout", "5s"]
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


# Counts every answer that is not a 200, so a lost session (302 to the login page) or a
# decision that was refused (409, 422) can't pass for a measured page.
STATUS_LUA = """\
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not200 = 0
end

function response(status, headers, body)
  if status ~= 200 then not200 = not200 + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("not200") end
  io.write(string.format("not-200: %d\\n", total))
end
"""

# One decision per request, each on a different pending comment: ids come from a file.
APPROVE_LUA = (
    STATUS_LUA
    + """
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


# --- The approve action -------------------------------------------------------------------


def approval_pool(database: Path, size: int) -> list[tuple[int, str]]:
    """Comments to approve, one per request: pending ones first, then borrowed approved ones.

    The small data set has only ~800 pending comments, fewer than a run decides; approved
    comments are set back to pending to make up the number (the table keeps its size), and
    restore_pool() puts every one back as it was afterwards, so each run starts the same.
    The benchmark article's comments are left alone: its page must keep 200 comments.
    """
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        bench_id = db.execute("SELECT id FROM articles WHERE slug = ?", (BENCH_ARTICLE,)).fetchone()
        if bench_id is None:
            raise RuntimeError(f"{database} has no {BENCH_ARTICLE}")
        pool = []
        for status in ("pending", "approved"):
            pool += db.execute(
                "SELECT id, status FROM comments WHERE status = ? AND article_id != ? "
                "ORDER BY id LIMIT ?",
                (status, bench_id[0], size - len(pool)),
            ).fetchall()
        borrowed = [comment_id for comment_id, status in pool if status != "pending"]
        with db:
            db.executemany(
                "UPDATE comments SET status = 'pending' WHERE id = ?", [(i,) for i in borrowed]
            )
    if borrowed:
        recount(database.parent)
    return pool


def settle(database: Path, pool: list[tuple[int, str]]) -> None:
    """Wait (10 s at most) until decisions stop landing on the pool's comments.

    When wrk stops, requests it had sent may still be in gunicorn's hands; put back before
    they commit, their comments would stay decided.
    """
    ids = json.dumps([i for i, _ in pool])
    query = (
        "SELECT count(*) FROM comments WHERE status != 'pending' AND id IN "
        "(SELECT value FROM json_each(?))"
    )
    last = None
    deadline = time.monotonic() + 10
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        while time.monotonic() < deadline:
            decided = db.execute(query, (ids,)).fetchone()[0]
            if decided == last:
                return
            last = decided
            time.sleep(0.5)


def restore_pool(database: Path, pool: list[tuple[int, str]], moderator_email: str) -> int:
    """Put every comment of the pool back in its status and drop the benchmark's decisions."""
    settle(database, pool)
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db, db:
        actor = db.execute("SELECT id FROM users WHERE email = ?", (moderator_email,)).fetchone()
        decided = db.execute(
            "SELECT count(*) FROM comments WHERE status != 'pending' AND id IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps([i for i, _ in pool]),),
        ).fetchone()[0]
        db.executemany("UPDATE comments SET status = ? WHERE id = ?", [(s, i) for i, s in pool])
        db.execute(
            "DELETE FROM moderation_events WHERE actor_id = ? AND comment_id IN "
            "(SELECT value FROM json_each(?))",
            (actor[0], json.dumps([i for i, _ in pool])),
        )
    recount(database.parent)
    return decided


def recount(instance: Path) -> None:
    """The app's own counter rebuild (per-article counts, tab totals, cache versions)."""
    subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            "from newsroom import create_app, moderation\n"
            "with create_app().app_context(): moderation.recount()",
        ],
        cwd=ROOT,
        env=app_env(instance),
        check=True,
        timeout=600,
    )


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
        self.pool = approval_pool(self.dataset.database, self.per_round * self.rounds)
        self.fresh = len(self.pool) >= self.per_round * self.rounds
        return self

    def ids(self, round_index: int) -> list[str]:
        if self.fresh:
            chunk = self.pool[round_index * self.per_round : (round_index + 1) * self.per_round]
        else:
            if round_index:
                self.restore()
                self.pool = approval_pool(self.dataset.database, self.per_round)
            chunk = self.pool
        return [str(comment_id) for comment_id, _ in chunk]

    def restore(self) -> None:
        pool, self.pool = self.pool, []
        decided = restore_pool(self.dataset.database, pool, BENCH_MODERATOR)
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
    if row.requests >= len(rest) - split:
        row.note = "ran out of comment ids"


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
    """The reader's pages; the article and nginx alternate, round by round."""
    name = server.dataset.name
    article_path = f"/articles/{BENCH_ARTICLE}"
    article = fetch(server.port, article_path)
    if article.status != 200:
        raise RuntimeError(f"{article_path} answered {article.status}")
    public_checks(report, server.dataset, server.port, article.body)
    with nginx_serving(article.body) as nginx_port:
        nginx_url = f"http://{HOST}:{nginx_port}{article_path}"
        for index in range(rounds):
            first = warmup if index == 0 else 0
            measure(report, ARTICLE_PAGE, name, server.base + article_path, load, first,
                    round_number=index + 1)  # fmt: skip
            measure(report, NGINX_PAGE, name, nginx_url, load, first, round_number=index + 1)
    for page, path in ((SECTION_PAGE, "/sections/in-the-news/"), (HOME_PAGE, "/")):
        answer = fetch(server.port, path)
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}, not 200")
        measure(report, page, name, server.base + path, load, warmup)


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
    status_lua = write_script("status.lua", STATUS_LUA)
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


def memory_check(report: Report, server: Server, workers: int) -> None:
    name = server.dataset.name
    rss = {pid: rss_mb(pid) for pid in worker_pids(server.master.pid)}
    biggest = max(rss.values()) if rss else float("nan")
    report.facts[f"gunicorn workers after the load ({name})"] = ", ".join(
        f"pid {pid}: {mb:.1f} MB" for pid, mb in rss.items()
    )
    report.check(
        f"{name}: largest gunicorn worker resident after the load < {WORKER_RSS_MAX_MB:.0f} MB",
        len(rss) == workers and biggest < WORKER_RSS_MAX_MB,
        f"{biggest:.1f} MB VmRSS ({len(rss)} of {workers} workers alive)",
    )


def aggregate(report: Report, names: list[str]) -> None:
    """One table row per page and data set: medians over its rounds."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for run in report.runs:
        groups.setdefault((run.page, run.dataset), []).append(run)
    order = [ARTICLE_PAGE, SECTION_PAGE, HOME_PAGE, NGINX_PAGE, QUEUE_PAGE, APPROVE_ACTION]
    report.rows = []
    for (page, dataset), runs in sorted(
        groups.items(), key=lambda item: (names.index(item[0][1]), order.index(item[0][0]))
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
                note="; ".join(sorted({r.note for r in runs if r.note})),
                round=len(runs),
            )
        )
    for dataset in names:
        nginx_runs = groups.get((NGINX_PAGE, dataset))
        if not nginx_runs:
            continue
        ceiling = statistics.median(r.requests_per_s for r in nginx_runs)
        for row in report.rows:
            if row.dataset == dataset and row.page in PUBLIC_PAGES:
                row.ratio = row.requests_per_s / ceiling
        # The article against nginx run beside it, round by round: the noise cancels best.
        pairs = zip(groups.get((ARTICLE_PAGE, dataset), []), nginx_runs, strict=False)
        ratios = [a.requests_per_s / n.requests_per_s for a, n in pairs]
        if ratios and (row := report.row(ARTICLE_PAGE, dataset)):
            row.ratio = statistics.median(ratios)


def public_checks(report: Report, dataset: DataSet, port: int, html: bytes) -> None:
    """What the article page asks of a reader's browser: bytes, styles, no scripts."""
    if dataset.name != "large":
        return
    report.check(
        f"article HTML with 200 comments < {ARTICLE_HTML_MAX_BYTES // 1000} KB",
        len(html) < ARTICLE_HTML_MAX_BYTES,
        f"{len(html):,} bytes",
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
        f"{total:,} bytes in {len(sizes)} stylesheet(s) "
        f"({', '.join(sizes) or 'none'}; static/css/site.css is {site_css:,} bytes)",
    )
    scripts = len(re.findall(rb"<script", html, re.IGNORECASE))
    handlers = len(re.findall(rb"\son[a-z]+\s*=", html, re.IGNORECASE))
    javascript_urls = len(re.findall(rb"javascript:", html, re.IGNORECASE))
    report.check(
        "no JavaScript on the article page (no <script>, on*= handler, javascript: URL)",
        scripts == handlers == javascript_urls == 0,
        f"{scripts} <script>, {handlers} handlers, {javascript_urls} javascript: URLs",
    )


# --- The budget and the report ----------------------------------------------------------


def budget(report: Report) -> None:
    article = report.row(ARTICLE_PAGE, "large")
    ceiling = report.row(NGINX_PAGE, "large")
    if article and ceiling and article.ratio is not None:
        report.check(
            f"large: article page ≥ {ARTICLE_MIN_SHARE_OF_NGINX:.0%} of nginx's requests/s "
            "for the same bytes",
            article.ratio >= ARTICLE_MIN_SHARE_OF_NGINX,
            f"{article.ratio:.1%} (median of {article.round} rounds; "
            f"{article.requests_per_s:,.0f} vs {ceiling.requests_per_s:,.0f} req/s)",
        )
    for page in (QUEUE_PAGE, APPROVE_ACTION):
        rows = {name: report.row(page, name) for name in DATASETS}
        for name, row in rows.items():
            if row:
                report.check(
                    f"{name}: {page} p99 < {STAFF_P99_MS:.0f} ms",
                    row.p99_ms < STAFF_P99_MS,
                    f"{row.p99_ms:.2f} ms",
                )
        large, small = rows["large"], rows["small"]
        if large and small:
            same = large.p99_ms <= max(small.p99_ms * NOISE_FACTOR, small.p99_ms + NOISE_FLOOR_MS)
            report.check(
                f"{page} p99 does not grow with the table (large ≤ {NOISE_FACTOR}× small, "
                f"or within {NOISE_FLOOR_MS:.0f} ms)",
                same,
                f"large {large.p99_ms:.2f} ms / small {small.p99_ms:.2f} ms = "
                f"{large.p99_ms / small.p99_ms:.2f}×",
            )
    bad = [row for row in report.rows if row.bad or row.note]
    report.check(
        "every measured request answered 200 (no errors, redirects or refusals)",
        not bad,
        "; ".join(f"{r.dataset} {r.page}: {r.bad} bad {r.note}".strip() for r in bad) or "all",
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
    return "\n".join(
        f"- **{'PASS' if c.passed else 'FAIL'}** {c.name}: {c.measured}" for c in report.checks
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
        "gunicorn": output(str(BIN / "gunicorn"), "--version"),
        "wrk": output("wrk", "-v"),
        "nginx": output(nginx_binary(), "-v"),
        "commit": commit + (" with uncommitted changes" if dirty != "unknown" and dirty else ""),
        "gunicorn workers": f"{workers} workers (WEB_CONCURRENCY={workers}), "
        "gunicorn.conf.py otherwise as committed, worker recycling off for the run",
        "wrk, public pages and nginx": f"{public} --latency, anonymous (no cookies)",
        "wrk, dashboard": f"{staff} --latency, logged in as the bench moderator",
    }


def runs_table(report: Report) -> str:
    lines = [
        "| page | data set | round | requests/s | p50 | p99 | requests | not 200 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in report.runs:
        lines.append(
            f"| {run.page} | {run.dataset} | {run.round} | {run.requests_per_s:,.0f} "
            f"| {run.p50_ms:.2f} ms | {run.p99_ms:.2f} ms | {run.requests:,} | {run.bad} |"
        )
    return "\n".join(lines)


EXPLANATION = """\
Each page is driven by wrk on 127.0.0.1 against gunicorn with the repository's \
gunicorn.conf.py. Rows measured in several rounds (the article page and nginx alternate; \
the dashboard rows alternate between the data sets) show the median of the rounds; \
every run is listed at the end. p50/p99 are wrk's latency percentiles; bytes/response is \
what wrk read, headers included, over the number of responses. Ratio to nginx: requests/s \
over nginx's for the article page's exact bytes saved as a file and served in the same run \
with the same wrk settings (for the article: the median of the round-by-round ratios). \
The dashboard rows run at lower concurrency (a handful of moderators), so no ratio."""


def markdown(report: Report, passed: bool) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in report.facts.items())
    notes = "\n".join(f"- {note}" for note in report.notes)
    return (
        f"# Benchmark {report.facts.get('date', '')[:10]}\n\n"
        f"`make bench` (bench/run.py). Overall: **{'PASS' if passed else 'FAIL'}**.\n\n"
        f"{table(report)}\n\n{EXPLANATION}\n\n"
        f"## Budget\n\n{checks_text(report)}\n\n"
        f"## Machine and settings\n\n{facts}\n"
        + (f"\n## Notes\n\n{notes}\n" if notes else "")
        + f"\n## Every run\n\n{runs_table(report)}\n"
    )


README_START = "<!-- bench:latest -->"
README_END = "<!-- /bench:latest -->"


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
        f"{table(report)}\n\n{checks_text(report)}\n"
    )
    readme.write_text(text[:start] + latest + text[end:])
    say("README.md's latest results updated")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="large,small", help="comma-separated: large,small")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of wrk before a page's first run"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds for the article, nginx and dashboard rows"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="gunicorn workers (default 3: gunicorn.conf.py's cores + 1 on a 2-core machine)",
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
        datasets = [ensure_dataset(name) for name in names]
        busy = cpu_busy()
        report.facts["CPUs busy with other work just before the run"] = f"{busy:.0%}"
        others = OtherWork()
        with contextlib.ExitStack() as stack:
            servers = []
            for dataset in datasets:
                port, master = stack.enter_context(gunicorn(dataset, options.workers))
                servers.append(Server(dataset, port, master))
            for server in servers:
                public_phase(report, server, public, options.warmup, options.rounds)
            staff_phase(report, servers, staff, options.warmup, options.rounds)
            for server in servers:
                memory_check(report, server, options.workers)
        share = others.share()
        report.facts["CPUs busy with other processes during the run"] = f"{share:.0%}"
        if max(busy, share) > BUSY_CPU:
            report.notes.append(
                f"Other processes on this machine used {share:.0%} of its CPUs during the run "
                f"({busy:.0%} just before): the requests/s and latencies are worse than a quiet "
                "machine gives. Ratios to nginx are measured round by round and suffer less."
            )
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
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
    for note in report.notes:
        print(f"\nNote: {note}")
    if failure:
        print(f"\n{failure}", file=sys.stderr)
    if not options.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{datetime.now():%Y-%m-%d}.md"
        path.write_text(markdown(report, passed))
        print(f"\nWritten to {path.relative_to(ROOT)}")
        if options.update_readme:
            update_readme(report, path)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
