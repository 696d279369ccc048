"""What a benchmark is doing now, on stderr: they run for minutes, and stdout is the report's."""

from __future__ import annotations

import sys


def stage(bench: str, text: str) -> None:
    """One line, e.g. 'bench osc: 5,000 messages a second for 10 s ...', flushed at once."""
    print(f"bench {bench}: {text} ...", file=sys.stderr, flush=True)
