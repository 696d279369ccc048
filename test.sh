#!/usr/bin/env bash
# Runs every test (unit, headless GL on EGL, a real window under Xvfb, end-to-end runs,
# ruff and mypy). Sets up .venv and installs Xvfb when missing. Extra args go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/setup-env.sh" "test"

if ! command -v Xvfb >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        echo "setup: installing Xvfb (for the window tests) with apt-get" >&2
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq xvfb >&2
    else
        echo "setup: Xvfb not found and no apt-get; install Xvfb to run the window tests" >&2
    fi
fi

cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
