"""TRL trainers timed as PEER-BASELINE.md does: each optimizer step from on_step_begin to on_step_end."""
import time

from transformers import TrainerCallback


class StepTimer(TrainerCallback):
    """Appends the seconds of every step to `times`."""

    def __init__(self):
        self.times = []
        self._start = 0.0

    def on_step_begin(self, args, state, control, **_):
        self._start = time.perf_counter()

    def on_step_end(self, args, state, control, **_):
        self.times.append(time.perf_counter() - self._start)
