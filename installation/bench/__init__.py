"""Benchmarks (`installation bench ...`): each prints figures and records the machine.

A benchmark module defines `register(commands)`, adding its own sub-command to the `bench`
group; `BENCHMARKS` lists the modules the command line loads.
"""

BENCHMARKS: tuple[str, ...] = (
    "installation.bench.encode",
    "installation.bench.osc",
    "installation.bench.render",
    "installation.bench.restart",
    "installation.bench.slowclients",
    "installation.bench.vision",
)
