#!/usr/bin/env bash
# Installs the named Debian packages (wrk, nginx, ...) when their command is missing.
# Needs root (or sudo); non-interactive. Debian starts a freshly installed nginx as a
# service on port 80: a temporary policy-rc.d forbids that, the benchmarks start their own.
set -euo pipefail

missing=()
for package in "$@"; do
    if ! command -v "$package" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$package" ]; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo -n"
    else
        echo "bench: ${missing[*]} missing and not root: install them with apt-get" >&2
        exit 1
    fi
fi

echo "bench: installing ${missing[*]} from Debian"
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    made_policy=1
fi
cleanup() { if [ -n "$made_policy" ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT

apt_get() { $sudo env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get "$@"; }
apt_get update -q
apt_get install -y -q --no-install-recommends "${missing[@]}"
