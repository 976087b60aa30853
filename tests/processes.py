"""What the tests that drive real processes share: the command line, its environment, the quick
LM run, and waiting for a condition on disk."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

CLI = [sys.executable, "-m", "collapse.cli"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
QUICK = ["train-recursive", "--profile", "quick", "--device", "cpu"]


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll ``condition`` every 50 ms; TimeoutError after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)
