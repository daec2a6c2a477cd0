#!/usr/bin/env bash
# `make bench`: installs wrk and nginx from Debian when they are missing, then runs the
# driver (bench/run.py) with the project's venv. Arguments are passed on to the driver
# (`bash bench/run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash bench/install-tools.sh wrk nginx
exec .venv/bin/python bench/run.py "$@"
