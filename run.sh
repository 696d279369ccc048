#!/usr/bin/env bash
# Runs the show. Sets up .venv on first use. Any `installation run` options pass through:
#   ./run.sh                      # camera if found, else a simulated crowd; window or offscreen
#   ./run.sh --config gallery     # a shipped setup
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/setup-env.sh" ""
exec "$VENV/bin/installation" run "$@"
