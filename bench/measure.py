"""The measured steps of the benchmark and the timing machinery.

Every step is a zero-argument callable. `run_interleaved` runs the steps of one size round-robin
(step 1, step 2, …, step 1, step 2, …) so that background load on the machine hits all of them
alike, and ratios between steps measured in one run stay meaningful.
"""
from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class Timing:
    name: str
    runs: list[float] = field(default_factory=list)     # seconds, wall clock
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def min(self) -> float:
        return min(self.runs)

    @property
    def max(self) -> float:
        return max(self.runs)


@dataclass
class Step:
    key: str
    name: str
    fn: Callable[[], object]
    setup: Callable[[], None] | None = None     # run before every timed call, not timed
    max_runs: int | None = None                # fewer runs for a step that takes tens of seconds


def time_once(step: Step) -> float:
    if step.setup:
        step.setup()
    gc.collect()
    started = time.perf_counter()
    result = step.fn()
    elapsed = time.perf_counter() - started
    del result
    return elapsed


def run_interleaved(steps: list[Step], repeat: int, *, slow_after_s: float = 8.0, slow_repeat: int = 3,
                    log: Callable[[str], None] = print) -> dict[str, Timing]:
    """Each step `repeat` times, round-robin; a step whose first run took more than `slow_after_s`
    seconds is run `slow_repeat` times in all."""
    timings = {s.key: Timing(s.name) for s in steps}
    limit = {s.key: s.max_runs or repeat for s in steps}
    for i in range(repeat):
        for step in steps:
            if len(timings[step.key].runs) >= limit[step.key]:
                continue
            elapsed = time_once(step)
            timings[step.key].runs.append(elapsed)
            if i == 0 and elapsed > slow_after_s and limit[step.key] > slow_repeat:
                limit[step.key] = slow_repeat
                timings[step.key].note = f"{slow_repeat} runs (one run > {slow_after_s:g} s)"
            log(f"    {step.name}: run {i + 1}: {elapsed * 1000:,.0f} ms")
    return timings


# --------------------------------------------------------------------------- the read steps


def naive_read(path: Path):
    """What a developer would write first: `pandas.read_excel(path, sheet_name=None)` (pandas picks the
    engine by the file's type: openpyxl for .xlsx, odfpy for .ods, xlrd for .xls), no validation."""
    import warnings

    import pandas as pd
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # pandas 3 announces its next default engine
        return pd.read_excel(path, sheet_name=None)


def pandas_calamine(path: Path):
    import pandas as pd
    return pd.read_excel(path, sheet_name=None, engine="calamine")


def our_load(path: Path):
    from lib.loader import load_workbook
    return load_workbook(path)


def forget_memos() -> None:
    """Cold parse: drop what the parsers remember between calls (distinct values seen before)."""
    from lib.validate import parsing
    from lib.validate import values
    parsing.clear_memos()
    for fn in (values._parse_date_text, values._parse_count_text, values._parse_number_text,
               values._parse_plan_ref_text):
        fn.cache_clear()


NAIVE_PROCESS = "import pandas, sys; pandas.read_excel(sys.argv[1], sheet_name=None)"


def whole_process(args: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> float:
    """Seconds for a fresh interpreter to run `args` (start-up and imports included); `ok`: the exit
    codes that mean it did its work (`validate` answers 1 when the data has errors)."""
    import os
    import subprocess
    import sys
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-1000:]!r}")
    return elapsed
