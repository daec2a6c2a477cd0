"""Two instances of the site, one PostgreSQL database, one Redis, nginx in front: tried for real.

Started on 127.0.0.1 only, by bench/scale_out.sh:
- a fresh PostgreSQL database (migrated, demo content seeded) and one Redis database
  (flushed) for the rate limiter and the page cache;
- instance A and instance B: the site as deployed (serve.py), each on its own port
  and its own empty instance folder, sharing NEWSROOM_SECRET_KEY, DATABASE_URL, REDIS_URL;
- nginx on a third port with the shipped deploy/nginx.conf (bench/front_cache.py makes its
  loopback variant): the front cache and the load balancer (round robin over A and B),
  passing the client address in X-Forwarded-For; the app trusts one proxy hop
  (NEWSROOM_PROXY_FIX_HOPS=1).

Then it shows, step by step: anonymous readers get one copy from the front cache (no
Set-Cookie, the second request a HIT); a reader with no session yet comments through B on
the page A drew into the shared cache; the comment is pending (not public anywhere) but
always on the reader's own page, also through the front, whose cache their session cookie
bypasses; the demo moderator, never served from the cache, approves it through B; it is
then on the article page through A and B at once and through the front cache within 2 s;
and the comment rate limit (5 a minute per client address) is counted across both
instances, each comment from a new reader served the cached page. Exits 0 only when every
check passes; drops the database, flushes the Redis database and stops every process on
the way out, also on errors.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import processes
import psycopg
import redis
from front_cache import ConfigChanged, front_cache
from processes import HOST, free_port, tail

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
TMP = ROOT / "bench" / "tmp"
ARTICLE = "volunteers-haul-debris-alder-river"  # a demo article with comments open
COMMENTS_PER_MINUTE = 5  # the app's COMMENT_RATE_LIMIT default
PROXY_ADDRESS = "127.0.0.2"  # where the front connects to the instances from
# The promise: a comment approved on one instance is on the anonymous page through
# the front cache within this many seconds.
FRESH_WITHIN_S = 2.0
# How often a reader waiting for the approved comment asks the front again.
POLL_S = 0.05


class CheckFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"\n== {message}", flush=True)


def ok(condition: bool, message: str) -> None:
    print(f"   {'ok  ' if condition else 'FAIL'} {message}", flush=True)
    if not condition:
        raise CheckFailed(message)


# --- HTTP, as a browser would, one request at a time ----------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def cache_status(self) -> str:
        """What the front cache did (deploy/nginx.conf's X-Cache-Status), or "-"."""
        return self.headers.get("X-Cache-Status", "-")

    @property
    def sets_cookie(self) -> bool:
        return bool(self.headers.get_all("Set-Cookie"))

    @property
    def cache_control(self) -> str:
        return self.headers.get("Cache-Control", "")


class Browser:
    """Keeps one cookie jar (the `session` cookie) across whichever server it talks to."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self,
        port: int,
        path: str,
        method: str = "GET",
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        connection = http.client.HTTPConnection(HOST, port, timeout=15)
        try:
            headers = dict(headers or {})
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return Answer(response.status, response.headers, response.read().decode())
        finally:
            connection.close()


def anonymous(port: int, path: str) -> Answer:
    return Browser().request(port, path)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise CheckFailed("no csrf_token field on the page")
    return match.group(1)


# --- Processes ---------------------------------------------------------------------------


@contextlib.contextmanager
def started(command: list[str], env: dict, log: Path, port: int, name: str) -> Iterator[None]:
    with processes.started(command, env, log, port, name, ROOT) as process:
        print(f"   {name} (pid {process.pid}) answers on http://{HOST}:{port}/")
        yield


def app_env(instance: Path, settings: dict[str, str], **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NEWSROOM_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(settings, NEWSROOM_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1", **extra)
    return env


def flask(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "newsroom", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise CheckFailed(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


# --- The story ---------------------------------------------------------------------------


def form_token(html: str) -> str:
    """The comment form's signed token, the same for every reader."""
    match = re.search(r'name="form_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise CheckFailed("no form_token field on the page")
    return match.group(1)


def post_comment(browser: Browser, port: int, body: str) -> Answer:
    """A reader's comment, the way a browser sends the form: GET the page, then POST it
    with the headers a browser adds to a form sent from the site's own page."""
    page = browser.request(port, f"/articles/{ARTICLE}")
    if page.status != 200:
        raise CheckFailed(f"GET /articles/{ARTICLE} on :{port} answered {page.status}")
    return browser.request(
        port,
        f"/articles/{ARTICLE}/comments",
        "POST",
        form={
            "form_token": form_token(page.body),
            "author_name": "Scale Out Reader",
            "author_email": "reader@lakeshore-watershed.example",
            "body": body,
            "website": "",
        },
        headers={"Origin": f"http://{HOST}:{port}", "Sec-Fetch-Site": "same-origin"},
    )


def demo_moderator(instance: Path) -> tuple[str, str]:
    text = (instance / "demo-logins.txt").read_text()
    match = re.search(r"^\s*moderator\s+(\S+)\s+password:\s+(\S+)\s*$", text, re.MULTILINE)
    if match is None:
        raise CheckFailed("no moderator in demo-logins.txt")
    return match.group(1), match.group(2)


def log_in(port: int, email: str, password: str, remember: bool = False) -> Browser:
    """A staff member logged in through the login form on `port`."""
    browser = Browser()
    login = browser.request(port, "/login")
    form = {"email": email, "password": password, "csrf_token": csrf_token(login.body)}
    if remember:
        form["remember"] = "y"
    answer = browser.request(port, "/login", "POST", form=form)
    ok(
        answer.status == 303,
        f"POST /login on :{port} as {email}{' (keep me logged in)' if remember else ''} "
        f"answered {answer.status}",
    )
    return browser


def front_shares_one_copy(front: int) -> None:
    """(c) Anonymous readers through the front cache: no cookie, one stored copy."""
    path = f"/articles/{ARTICLE}"
    step(f"The front cache (:{front}): anonymous readers of {path} share one copy")
    first = anonymous(front, path)
    # nginx may finish storing a page just after its last byte went out (run.py,
    # front_probe): the second reader comes a tenth of a second later.
    time.sleep(0.1)
    second = anonymous(front, path)
    for number, answer in enumerate((first, second), 1):
        ok(
            answer.status == 200 and not answer.sets_cookie,
            f"anonymous request {number}: {answer.status}, no Set-Cookie "
            f"(X-Cache-Status {answer.cache_status}; Cache-Control: {answer.cache_control})",
        )
    ok(
        "public" in first.cache_control and "s-maxage=" in first.cache_control,
        f"the page says a shared cache may keep it (Cache-Control: {first.cache_control})",
    )
    ok(
        second.cache_status == "HIT" and second.body == first.body,
        f"the second anonymous request is answered from the cache with the same bytes "
        f"(X-Cache-Status {second.cache_status})",
    )


def own_comment_through_front(reader: Browser, front: int, marker: str) -> None:
    """(b) The reader's session cookie takes them past the cache: their pending comment is
    on every page they get, and none of those pages is stored for anybody else."""
    path = f"/articles/{ARTICLE}"
    # Over more than the cache's second, so a copy stored meanwhile would have been served.
    for number in range(1, 5):
        own = reader.request(front, path)
        ok(
            own.status == 200 and marker in own.body and own.cache_status == "BYPASS",
            f"request {number} with the reader's session through the front: their comment "
            f"awaiting approval is there (X-Cache-Status {own.cache_status})",
        )
        time.sleep(0.4)
    ok(
        "private" in own.cache_control and "no-store" in own.cache_control,
        f"their page is marked for them alone (Cache-Control: {own.cache_control})",
    )
    page = anonymous(front, path)
    ok(
        page.status == 200 and marker not in page.body,
        f"an anonymous reader through the front still gets the public page, without it "
        f"(X-Cache-Status {page.cache_status})",
    )


def staff_past_the_cache(front: int, email: str, password: str) -> Browser:
    """(d) Staff, by session or by "Keep me logged in" alone, never get a stored page."""
    step(f"Staff through the front cache (:{front}): never served from it")
    staff = log_in(front, email, password, remember=True)
    remember_token = staff.cookies.get("remember_token", "")
    ok(
        bool(remember_token),
        "logging in with 'keep me logged in' through the front set the remember_token cookie",
    )
    for path in (f"/articles/{ARTICLE}", "/dashboard/", f"/articles/{ARTICLE}"):
        # A browser that kept only the remember cookie (its session cookie ended with it).
        remembered = Browser()
        remembered.cookies["remember_token"] = remember_token
        for who, browser in (("session", staff), ("remember_token alone", remembered)):
            answer = browser.request(front, path)
            ok(
                answer.status == 200 and answer.cache_status == "BYPASS",
                f"GET {path} with the moderator's {who}: {answer.status}, X-Cache-Status "
                f"{answer.cache_status} (Cache-Control: {answer.cache_control or '-'})",
            )
    return staff


def fresh_through_front(front: int, marker: str, approved_at: float) -> None:
    """(a) How long after the approval an anonymous reader, asking the front again and
    again, first gets the page with the comment."""
    path = f"/articles/{ARTICLE}"
    statuses = []
    while True:
        page = anonymous(front, path)
        elapsed = time.monotonic() - approved_at
        if not statuses or statuses[-1][0] != page.cache_status:
            statuses.append([page.cache_status, 0])
        statuses[-1][1] += 1
        if page.status == 200 and marker in page.body:
            break
        if elapsed > FRESH_WITHIN_S + 5:
            break
        time.sleep(POLL_S)
    seen = ", ".join(f"{status} ×{count}" for status, count in statuses)
    ok(
        marker in page.body and elapsed <= FRESH_WITHIN_S,
        f"an anonymous reader through the front cache has it {elapsed:.2f} s after the "
        f"approval (≤ {FRESH_WITHIN_S:.0f} s; asking every {POLL_S * 1000:.0f} ms: {seen})",
    )


def story(ports: dict[str, int], seed_instance: Path, flush_limits, limiter_counters) -> None:
    a, b, front = ports["A"], ports["B"], ports["front"]
    marker = f"Seen through both instances {secrets.token_hex(4)}"
    front_shares_one_copy(front)

    step(
        f"Instance A (:{a}) draws the article page into the shared cache; a reader with no "
        f"session yet reads it through instance B (:{b}) and comments there"
    )
    drawn = anonymous(a, f"/articles/{ARTICLE}")
    ok(drawn.status == 200, f"GET /articles/{ARTICLE} on A answered {drawn.status}")
    reader = Browser()
    answer = post_comment(reader, b, f"{marker}. The culvert work looks well planned.")
    ok(
        answer.status == 303,
        f"POST /articles/{ARTICLE}/comments on B, from the page A drew, answered {answer.status}",
    )
    for name, port in ports.items():
        page = anonymous(port, f"/articles/{ARTICLE}")
        ok(
            page.status == 200 and marker not in page.body,
            f"pending, so not on the public page through {name} (:{port})",
        )
    own = reader.request(a, f"/articles/{ARTICLE}")
    ok(
        marker in own.body,
        "the reader's own session (cookie from B) shows it as awaiting approval on A",
    )
    own_comment_through_front(reader, front, marker)

    email, password = demo_moderator(seed_instance)
    staff_past_the_cache(front, email, password)

    step(f"The demo moderator logs in on instance B (:{b}) and approves it there")
    moderator = log_in(b, email, password)
    queue = moderator.request(b, "/dashboard/?" + urllib.parse.urlencode({"q": marker}))
    ok(queue.status == 200, f"the pending queue on B answered {queue.status}")
    found = re.findall(r'id="comment-(\d+)"', queue.body)
    ok(len(set(found)) == 1, f"searching the queue for the comment finds it once ({found[:3]})")
    comment_id = found[0]
    # The front's copy, without the comment, is as young as it gets: the worst case.
    cached = anonymous(front, f"/articles/{ARTICLE}")
    decision = moderator.request(
        b,
        f"/dashboard/comments/{comment_id}/decision",
        "POST",
        form={"to_status": "approved", "expected_status": "pending", "status": "pending"},
        headers={"X-CSRFToken": csrf_token(queue.body), "HX-Request": "true"},
    )
    approved_at = time.monotonic()
    ok(decision.status == 200, f"approving comment {comment_id} on B answered {decision.status}")
    ok(
        marker not in cached.body,
        f"just before, the front answered from a copy without it (X-Cache-Status "
        f"{cached.cache_status})",
    )
    again = moderator.request(
        a,
        f"/dashboard/comments/{comment_id}/decision",
        "POST",
        form={"to_status": "approved", "expected_status": "pending", "status": "pending"},
        headers={"X-CSRFToken": csrf_token(queue.body), "HX-Request": "true"},
    )
    ok(
        again.status == 409 and "already approved" in again.body,
        f"the same decision sent again through A is a conflict ({again.status}, "
        "'already approved'): one database, one moderator session on both",
    )

    step("The approved comment is public: through A and B at once, through the front cache soon")
    for name, port in (("A", a), ("B", b)):
        page = anonymous(port, f"/articles/{ARTICLE}")
        ok(
            page.status == 200 and marker in page.body,
            f"on the article page through {name} (:{port}), anonymous",
        )
    fresh_through_front(front, marker, approved_at)
    for attempt in range(2):  # twice through the front: both upstreams, or the cache
        page = anonymous(front, f"/articles/{ARTICLE}")
        ok(
            page.status == 200 and marker in page.body,
            f"and stays there through the front, request {attempt + 1} "
            f"(X-Cache-Status {page.cache_status})",
        )

    step(
        f"Rate limit: {COMMENTS_PER_MINUTE} comments a minute per client address, "
        "counted in the shared Redis"
    )
    flush_limits()
    print("   (the limiter's counters were reset, so the one-minute window starts now)")
    print("   (each comment from a new reader, with no session: the page comes from the cache)")
    route = [("A", a), ("B", b), ("front", front), ("A", a), ("B", b)]
    for number, (name, port) in enumerate(route, 1):
        answer = post_comment(Browser(), port, f"Rate limit check {number} via {name}.")
        ok(answer.status == 303, f"comment {number} through {name} (:{port}) accepted (303)")
    for name, port in (("B", b), ("A", a), ("front", front)):
        text = f"One too many via {name}."
        answer = post_comment(Browser(), port, text)
        ok(
            answer.status == 429 and "Please wait a minute" in answer.body and text in answer.body,
            f"the next comment through {name} (:{port}) is refused with 429, the form "
            f"keeps the text ({answer.status})",
        )
    counters = limiter_counters()
    print("   the limiter's counters in Redis:")
    for key, value in counters.items():
        print(f"     {key} = {value}")
    # Counted under "comment" (public/views.py, _comment_limit_reached), not the endpoint.
    comment_keys = [k for k in counters if "/comment/" in k]
    ok(
        len(comment_keys) == 1 and f"/{HOST}/" in comment_keys[0],
        f"one comment counter, for the client address {HOST} (the front connects from "
        f"{PROXY_ADDRESS}: the address came from X-Forwarded-For), shared by A and B",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=f"postgresql://postgres@{HOST}:5432/postgres")
    parser.add_argument("--redis-db", type=int, default=5)
    parser.add_argument(
        "--database",
        default=f"newsroom_scale_out_{os.getpid()}",
        help="the PostgreSQL database to create, and drop afterwards (it must not exist)",
    )
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))

    admin_url = options.postgres
    if urllib.parse.urlsplit(admin_url).hostname not in (HOST, "localhost"):
        parser.error("only a PostgreSQL on 127.0.0.1 is used")
    database = options.database
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        parser.error("--database: lower-case letters, digits and _ only")
    base = urllib.parse.urlsplit(admin_url)
    database_url = urllib.parse.urlunsplit(base._replace(path=f"/{database}"))
    database_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    redis_url = f"redis://{HOST}:6379/{options.redis_db}"
    TMP.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="scale-out-", dir=TMP))
    settings = {
        "NEWSROOM_SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "NEWSROOM_PROXY_FIX_HOPS": "1",
        "WEB_CONCURRENCY": "2",
        "NEWSROOM_ACCESS_LOG": "1",
    }
    store = redis.Redis.from_url(redis_url, socket_timeout=5)
    created = False
    try:
        step(f"PostgreSQL database {database} and Redis database {options.redis_db}")
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as pg:
            pg.execute(f'CREATE DATABASE "{database}"')
        created = True
        print(f"   created {database_url}")
        store.flushdb()
        print(f"   flushed {redis_url}")
        seed = work / "seed"
        seed.mkdir()
        flask(app_env(seed, settings), "db", "upgrade")
        print("   migrated (flask db upgrade)")
        print(textwrap.indent(flask(app_env(seed, settings), "seed-demo").strip(), "   "))

        ports = {"A": free_port(), "B": free_port(), "front": free_port()}
        with contextlib.ExitStack() as stack:
            step("Two instances of the site, one database, one Redis")
            for name in ("A", "B"):
                instance = work / f"instance-{name}"
                instance.mkdir()
                env = app_env(instance, settings, NEWSROOM_BIND=f"{HOST}:{ports[name]}")
                command = [str(BIN / "python"), "serve.py"]
                log = work / f"server-{name}.log"
                stack.enter_context(started(command, env, log, ports[name], f"instance {name}"))
            step("nginx in front of both: deploy/nginx.conf, the front cache and balancer")
            # Connecting from another loopback address, the front is 127.0.0.2 to A and B,
            # and only X-Forwarded-For says 127.0.0.1.
            front = stack.enter_context(
                front_cache(
                    work, ports["front"], [ports["A"], ports["B"]], proxy_bind=PROXY_ADDRESS
                )
            )
            print(
                f"   nginx front cache (pid {front.pid}) answers on http://{HOST}:{ports['front']}/"
            )
            print(f"   (its loopback config: {work / 'front-site.conf'})")

            def flush_limits() -> None:
                for key in store.scan_iter("LIMITS*", count=1000):
                    store.delete(key)

            def limiter_counters() -> dict[str, str]:
                keys = sorted(k.decode() for k in store.scan_iter("LIMITS*", count=1000))
                return {key: (store.get(key) or b"").decode() for key in keys}

            story(ports, seed, flush_limits, limiter_counters)
            cached = sum(1 for _ in store.scan_iter("flask_cache_*", count=1000))
            print(f"   the page cache in the same Redis holds {cached} entries")
        print("\nscale-out: every check passed")
        return 0
    except (CheckFailed, ConfigChanged, processes.ServerFailed) as failure:
        print(f"\nscale-out: FAILED: {failure}", file=sys.stderr)
        for log in sorted(work.glob("server-*.log")):
            print(f"--- {log.name} (last lines)\n{tail(log, 15)}", file=sys.stderr)
        return 1
    except (OSError, psycopg.Error, redis.RedisError, subprocess.SubprocessError) as error:
        print(f"\nscale-out: could not run: {error}", file=sys.stderr)
        return 1
    finally:
        step("Cleaning up")
        with contextlib.suppress(redis.RedisError):
            store.flushdb()
            print(f"   flushed {redis_url}")
        if created:
            try:
                with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as pg:
                    pg.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                print(f"   dropped {database}")
            except psycopg.Error as error:
                print(f"   could not drop {database}: {error}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
