"""Peak memory of loading one workbook, measured in a fresh process:

    python -m bench.memory PATH [WARMUP_PATH]   → one line of JSON

- `rss_before`: resident memory after the imports, before reading (bytes);
- `rss_peak`: the process's high-water mark after `load_workbook` (VmHWM);
- `frames`: deep size of the loaded Workbook's tables (activities, monitoring, issues, …);
- `raw_frames`: deep size of every tab as a DataFrame of its cells (object columns), for scale.
"""
from __future__ import annotations

import json
import resource
import sys


def _rss_now() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def _peak() -> int:
    """The high-water mark of this process's own memory (VmHWM). Not ru_maxrss: after fork + exec,
    Linux carries the parent's peak over into the child's ru_maxrss."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _deep(frame) -> int:
    return int(frame.memory_usage(deep=True).sum()) if frame is not None else 0


def main(path: str) -> dict:
    import pandas as pd  # noqa: F401  (imports are part of the baseline, not of the load)
    import python_calamine  # noqa: F401

    from lib.loader import load_workbook
    from lib.sources import read

    if len(sys.argv) > 2:                    # a small workbook first: lazy imports and first-touch costs
        load_workbook(sys.argv[2])
    before = _rss_now()
    peak_before = _peak()
    wb = load_workbook(path)
    peak = _peak()
    frames = sum(_deep(f) for f in (wb.activities, wb.monitoring, wb.issues, wb.institutions, wb.plan,
                                    wb.tab_summary, wb.criteria))
    after = _rss_now()
    del wb
    tabs, _ = read(path)
    raw = sum(_deep(pd.DataFrame(t.rows)) for t in tabs)
    return {"rss_before": before, "peak_before": peak_before, "rss_peak": peak, "rss_after": after,
            "frames": frames, "raw_frames": raw}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
