"""Learning-rate schedules: the factor applied to the base rate alpha at a point of training."""
from __future__ import annotations

import math

SCHEDULES = ("constant", "step", "cosine")


def lr_factor(schedule, epoch_progress, total_epochs, step_epochs=1, gamma=0.5):
    """epoch_progress is fractional (2.5 = halfway through the third epoch).

    - constant: 1
    - step: gamma ** floor(epoch_progress / step_epochs)
    - cosine: from 1 down to 0 over the whole run, 0.5 * (1 + cos(pi * t / T))
    """
    if schedule == "constant":
        return 1.0
    if schedule == "step":
        return gamma ** math.floor(epoch_progress / max(step_epochs, 1e-12))
    if schedule == "cosine":
        t = min(max(epoch_progress / max(total_epochs, 1e-12), 0.0), 1.0)
        return 0.5 * (1.0 + math.cos(math.pi * t))
    raise ValueError(f"unknown schedule {schedule!r}; choose from {', '.join(SCHEDULES)}")
