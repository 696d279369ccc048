"""`installation soak`: the real show, headless, for minutes or hours, with faults injected.

`schedule.py` says when each fault happens, `faults.py` and its siblings inject them and
check the show recovers, `metrics.py` measures, `harness.py` rides along in the frame loop,
`report.py` writes the result and `commands.py` is the command line.
"""
