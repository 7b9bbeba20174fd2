"""Keep a CPU core free for the GUI thread while the network trains in the background.

NumPy's BLAS (OpenBLAS) starts one busy-waiting thread per core. With training on a
background thread, those threads and the GUI thread then fight over the same cores, and
on a small machine both lose badly: measured on 2 cores, training through the window ran
5-10x slower than headless and the window froze for a third of a second at a time. One
BLAS thread fewer than there are cores avoids that and costs headless-style training
little, since the matrices of a mini-batch are small.
"""
from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

_limits = None


def reserve_core_for_gui() -> int:
    """Limit BLAS to one thread fewer than the cores (at least one), once per process.
    Returns the thread limit in force."""
    global _limits
    threads = max(1, (os.cpu_count() or 1) - 1)
    if _limits is None:
        _limits = threadpool_limits(limits=threads, user_api="blas")
    return threads
