#!/usr/bin/env bash
# Runs every test (unit, headless GL on EGL, a real window under Xvfb, end-to-end runs,
# ruff and mypy). Sets up .venv; installs Xvfb and systemd when missing. Args go to pytest.
set -euo pipefail
# The train extra (PyTorch, CPU) is for the smile network's training test.
source "$(dirname "${BASH_SOURCE[0]}")/scripts/setup-env.sh" "test,train"

# Debian packages the tests use: Xvfb for the window tests, systemd-analyze to check the
# unit file in deploy/ (installing systemd starts nothing in a container), liblo's oscsend
# to drive the show from a third-party OSC client, OLA's olad to receive the rig's sACN and
# Art-Net.
MISSING=()
command -v Xvfb >/dev/null 2>&1 || MISSING+=(xvfb)
command -v systemd-analyze >/dev/null 2>&1 || MISSING+=(systemd)
command -v oscsend >/dev/null 2>&1 || MISSING+=(liblo-tools)
command -v olad >/dev/null 2>&1 || MISSING+=(ola)
if [ "${#MISSING[@]}" -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        echo "setup: installing ${MISSING[*]} (for the tests) with apt-get" >&2
        $SUDO apt-get update -qq >&2
        # A failed install does not stop the run: the tests that need it then fail or skip,
        # each saying what is missing.
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}" >&2 \
            || echo "setup: apt-get could not install ${MISSING[*]}" >&2
    else
        echo "setup: ${MISSING[*]} missing and no apt-get; install them to run every test" >&2
    fi
fi

cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
