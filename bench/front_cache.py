"""The shipped front cache, deploy/nginx.conf, run on loopback: for run.py (`make bench`)
and scale_out.py.

deploy/nginx.conf is written for production. The loopback variant is made from it by
changing only its lines marked `# adapt:` (the listening address, the instances, the cache
and static folders); every other line, each caching rule, is used as shipped. A marked
line this module doesn't know how to adapt stops it, so the file and the benchmarks can't
drift apart unnoticed.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

from processes import HOST, nginx_binary, started

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_CONFIG = ROOT / "deploy" / "nginx.conf"
ADAPT = "# adapt:"
DIRECTIVE = re.compile(r"^(\s*)(\S+)")
# What static/ holds, for the loopback server (production has nginx's mime.types).
MIME_TYPES = {
    "text/css": "css",
    "application/javascript": "js",
    "image/svg+xml": "svg",
    "image/png": "png",
    "image/x-icon": "ico",
    "font/woff2": "woff2",
}


class ConfigChanged(RuntimeError):
    """deploy/nginx.conf no longer has the `# adapt:` lines this module knows."""


def loopback_site(
    port: int, upstreams: Sequence[int], cache: Path, shipped: Path = DEPLOY_CONFIG
) -> str:
    """deploy/nginx.conf with its `# adapt:` lines pointed at loopback: listening on
    HOST:port only, the instances on HOST at `upstreams`, the cache in `cache`, and the
    repository's static/ folder."""
    name = os.path.relpath(shipped, ROOT)
    lines, seen = [], set()
    for line in shipped.read_text().splitlines():
        if ADAPT not in line or line.lstrip().startswith("#"):
            lines.append(line)
            continue
        indent, directive = DIRECTIVE.match(line).groups()
        first = directive not in seen
        seen.add(directive)
        if directive == "listen":
            # The first listening line becomes the loopback port; the others (IPv6) go.
            if first:
                lines.append(f"{indent}listen {HOST}:{port};")
        elif directive == "server":
            # The first instance's line becomes every loopback instance; the others go.
            if first:
                lines += [f"{indent}server {HOST}:{upstream};" for upstream in upstreams]
        elif directive == "server_name":
            lines.append(f"{indent}server_name {HOST};")
        elif directive == "proxy_cache_path":
            lines.append(f"{indent}proxy_cache_path {cache}")
        elif directive == "alias":
            lines.append(f"{indent}alias {ROOT / 'static'}/;")
        else:
            raise ConfigChanged(f"{name}: no loopback value for this line: {line}")
    expected = {"listen", "server", "server_name", "proxy_cache_path", "alias"}
    if seen != expected:
        raise ConfigChanged(
            f"{name}: expected '{ADAPT}' lines for "
            f"{', '.join(sorted(expected))}; found {', '.join(sorted(seen)) or 'none'}"
        )
    return "\n".join(lines) + "\n"


def write_config(
    work: Path,
    port: int,
    upstreams: Sequence[int],
    worker_processes: str = "1",
    proxy_bind: str | None = None,
) -> Path:
    """The loopback site and the few main-context lines production gets from Debian's
    nginx.conf (plus the pid file, temp folders and logs in `work`); returns the main file."""
    cache, temp = work / "front-cache", work / "front-temp"
    # Every run starts with an empty cache: nginx would load what an earlier one left.
    shutil.rmtree(cache, ignore_errors=True)
    temp.mkdir(parents=True, exist_ok=True)
    site = work / "front-site.conf"
    site.write_text(
        f"# Written by bench/front_cache.py from {DEPLOY_CONFIG.relative_to(ROOT)}.\n"
        + loopback_site(port, upstreams, cache)
    )
    types = " ".join(f"{kind} {suffix};" for kind, suffix in MIME_TYPES.items())
    # Run as root, nginx hands its workers to "nobody", who may not get into a private
    # work folder to write the cache: keep the user that runs the benchmark.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    # Connect to the instances from this address (scale_out.py: the app then sees the
    # front as that address, and only X-Forwarded-For names the reader's).
    bind = f"proxy_bind {proxy_bind};" if proxy_bind else ""
    conf = work / "front.conf"
    conf.write_text(
        textwrap.dedent(f"""\
        # Written by bench/front_cache.py: deploy/nginx.conf (as {site.name}) on loopback.
        daemon off;
        worker_processes {worker_processes};
        pid {work}/front.pid;
        error_log {work}/front-error.log warn;
        {user}
        events {{ worker_connections 1024; }}
        http {{
            access_log off;
            sendfile on;
            tcp_nopush on;
            types {{ {types} }}
            default_type application/octet-stream;
            client_body_temp_path {temp}/body;
            proxy_temp_path {temp}/proxy;
            fastcgi_temp_path {temp}/fastcgi;
            uwsgi_temp_path {temp}/uwsgi;
            scgi_temp_path {temp}/scgi;
            {bind}
            include {site};
        }}
        """)
    )
    return conf


@contextlib.contextmanager
def front_cache(
    work: Path,
    port: int,
    upstreams: Sequence[int],
    name: str = "nginx front cache",
    worker_processes: str = "1",
    proxy_bind: str | None = None,
) -> Iterator[subprocess.Popen]:
    """nginx with the shipped config on HOST:port in front of `upstreams`, until the block
    ends; it is checked (`nginx -t`) before it starts."""
    conf = write_config(work, port, upstreams, worker_processes, proxy_bind)
    error_log = work / "front-error.log"
    command = [nginx_binary(), "-c", str(conf), "-p", str(work), "-e", str(error_log)]
    test = subprocess.run(
        [*command, "-t", "-q"], capture_output=True, text=True, timeout=30, check=False
    )
    if test.returncode != 0:
        raise ConfigChanged(f"nginx -t refused the loopback config ({conf}):\n{test.stderr}")
    with started(command, {}, work / "front.log", port, name, ROOT) as process:
        yield process
