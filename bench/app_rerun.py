"""Dashboard timings through Streamlit's AppTest, in a fresh process (one JSON line on stdout).

    python -m bench.app_rerun PATH [--repeat N]
        Every page of `app.py` on the workbook PATH: the first view of the page, then N warm reruns,
        each after a filter change (the period selector and the institution filter set to a
        combination not used before, so nothing derived from the filters is already cached).
        The workbook itself is loaded once (the first run) and stays cached, as in the app.

    python -m bench.app_rerun --viewers N --tabs T
        Google Sheets source served by the local fake (tests/fake_sheets.py): N fresh sessions
        («viewers») open the dashboard within the cache TTL; counts the API requests.

Pages are discovered from the `st.Page("app_pages/…")` entries of app.py.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY_PERIOD, KEY_INSTITUTIONS, KEY_AS_OF = "omp_period", "omp_institutions", "omp_as_of"
PERIODS = ["Q1", "Q2", "Q3", "Q4", "H1", "9M", "Y"]


def discover_pages() -> list[str]:
    app = ROOT / "app.py"
    if not app.exists():
        return []
    found = re.findall(r"""st\.Page\(\s*["'](app_pages/[\w/]+\.py)["']""", app.read_text(encoding="utf-8"))
    return found or sorted(f"app_pages/{p.name}" for p in (ROOT / "app_pages").glob("*.py"))


def _problems(at) -> list[str]:
    out = [str(e.value)[:200] for e in at.exception]
    out += [str(e.value)[:200] for e in at.error if "не смогла отобразиться" in str(e.value)]
    return out


def _set_filters(at, period: str, institutions: list[str]) -> None:
    """Change the filters the way a click does (through the widgets), else through session state."""
    try:
        at.selectbox(key=KEY_PERIOD).set_value(period)
    except (KeyError, IndexError, ValueError):
        at.session_state[KEY_PERIOD] = period
    try:
        at.multiselect(key=KEY_INSTITUTIONS).set_value(institutions)
    except (KeyError, IndexError, ValueError):
        at.session_state[KEY_INSTITUTIONS] = institutions


def page_reruns(path: str, repeat: int) -> dict:
    from streamlit.testing.v1 import AppTest

    from lib.loader import load_workbook

    os.environ["OMP_SOURCE"] = str(path)
    names = load_workbook(path).institution_names      # for the filter combinations (not timed)
    pages = discover_pages()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.session_state[KEY_AS_OF] = date(2026, 11, 22)
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    result = {"cold_first_run": cold, "pages": {}, "problems": _problems(at)}
    combo = 0
    for page in pages:
        at.switch_page(page)
        started = time.perf_counter()
        at.run()
        first = time.perf_counter() - started
        runs, problems = [], _problems(at)
        for _ in range(repeat):
            period = PERIODS[combo % len(PERIODS)]
            chosen = names[: 1 + (combo // len(PERIODS)) % max(len(names), 1)] if combo % 2 else []
            combo += 1
            _set_filters(at, period, chosen)
            started = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - started)
            problems += _problems(at)
        result["pages"][page] = {"first": first, "runs": runs, "problems": sorted(set(problems))}
    return result


def viewers(n_viewers: int, n_tabs: int) -> dict:
    from streamlit.testing.v1 import AppTest

    import lib.sources.gsheets as gsheets
    from bench.sheets import fake_tabs
    from tests.fake_sheets import FakeSheets, make_client

    with FakeSheets() as fake:
        fake.tabs = fake_tabs(n_tabs, 20)
        gsheets._build_client = lambda _credentials: (make_client(fake), None)
        os.environ["OMP_SOURCE"] = f"gsheet:{fake.key}"
        counts = []
        for _ in range(n_viewers):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.run()
            counts.append(fake.requests)
        return {"viewers": n_viewers, "tabs": n_tabs, "requests": fake.requests, "after_each": counts,
                "problems": _problems(at)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--viewers", type=int, default=0)
    ap.add_argument("--tabs", type=int, default=28)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    out = viewers(args.viewers, args.tabs) if args.viewers else page_reruns(args.path, args.repeat)
    print("BENCH-JSON " + json.dumps(out))


if __name__ == "__main__":
    main()
