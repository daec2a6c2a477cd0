#!/usr/bin/env bash
# Scaling out, tried on loopback: two instances of the site sharing one PostgreSQL database
# and one Redis, behind nginx with the shipped deploy/nginx.conf as front cache and load
# balancer (see README, "Scaling out" and "Production setup").
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and Redis on
# 127.0.0.1:6379; installs nginx from Debian if missing. Arguments go to bench/scale_out.py
# (--postgres URL of the maintenance database, --redis-db N, --database NAME).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    echo "scale-out: no .venv yet; run 'make install' first" >&2
    exit 1
fi
bash bench/install-tools.sh nginx
exec .venv/bin/python bench/scale_out.py "$@"
