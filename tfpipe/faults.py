"""Named points where a test can freeze a real run to kill it there (the kill tests).

With `TFPIPE_PAUSE_AT=<point>=<marker file>` in the environment, the process reaching
`<point>` writes its pid to the marker file and sleeps until it is killed or the marker file
is removed (then it goes on). Unset (always, in normal use) a pause point costs one
environment lookup.
"""
from __future__ import annotations

import os
import time

PAUSE_ENV = "TFPIPE_PAUSE_AT"


def pause_point(name: str) -> None:
    """Freeze here when TFPIPE_PAUSE_AT names this point, until its marker is removed."""
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    point, _, marker = spec.partition("=")
    if point != name or not marker:
        return
    with open(marker, "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    while os.path.exists(marker):
        time.sleep(0.2)
