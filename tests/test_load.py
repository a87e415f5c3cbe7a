"""Load: 20 browser sessions open the dashboard at once against one `streamlit run`.

One Chromium (Debian's, via Playwright's async API) with 20 isolated browser contexts, each on a
different page or filter (deep links such as `/plan` and `/my_institution?institution=…`), all
started together on a cold server. Checked: every page rendered (its heading, no exception, the
filter applied) and the source was read exactly once (the server logs each read). The time from
navigation to the first finished script run (`notRunning`) is reported — p50/p95 printed and written
to `artifacts/load_report.txt` — but not asserted: a loaded 2-core CI machine must not fail on speed.
"""
from __future__ import annotations

import asyncio
import os
import statistics
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from lib.loader import load_workbook
from tests.app_workbook import build_app_workbook
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, CONNECTED, IDLE, ROOT, streamlit_server

pytestmark = [
    pytest.mark.browser,                # 20 Chromium sessions: not part of the fast suite (-m "not browser")
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.timeout(900),
]
async_api = pytest.importorskip("playwright.async_api")

SESSIONS = 20
PAGE_TIMEOUT_MS = 240_000          # per session, generous: 20 renderers + the server share 2 cores
TOTAL_TIMEOUT_S = 600
REPORT = ROOT / "artifacts" / "load_report.txt"
READ_MARK = "source read:"          # what ui/context.py logs for every actual read of the source

PAGES = [("", "Обзор"), ("plan", "План работы"), ("activities", "Мероприятия"), ("monitoring", "Мониторинг"),
         ("quality", "Качество данных"), ("report", "Отчет"), ("my_institution", "Моё учреждение")]


def targets(names: list[str]) -> list[tuple[str, str, str | None]]:
    """(path with query, expected h1, institution expected in the selector) × SESSIONS, all different."""
    out = [(path, h1, None) for path, h1 in PAGES]
    for name in names:
        if len(out) == SESSIONS:
            break
        out.append((f"my_institution?institution={quote(name)}", "Моё учреждение", name))
    assert len(out) == SESSIONS and len({t[0] for t in out}) == SESSIONS
    return out


def server_cpu_seconds(base: str) -> float | None:
    """CPU time (user + system) used so far by the `streamlit run` listening at `base` (Linux /proc)."""
    port = str(urlsplit(base).port)
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            if b"streamlit" in b" ".join(args) and b"--server.port" in args and \
                    args[args.index(b"--server.port") + 1].decode() == port:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def visit(browser, start: asyncio.Event, url: str, h1: str, institution: str | None) -> dict:
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    try:
        page = await context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        await start.wait()                                   # everybody navigates at the same moment
        began = time.monotonic()
        await page.goto(url, wait_until="commit")
        await page.wait_for_selector(f"h1:has-text('{h1}')")
        await page.wait_for_selector(CONNECTED)
        await page.wait_for_selector(IDLE)
        elapsed = time.monotonic() - began
        await page.wait_for_timeout(200)                     # let the last deltas paint, then check again
        await page.wait_for_selector(IDLE)
        result = {
            "url": url, "seconds": elapsed,
            "exceptions": await page.locator("[data-testid='stException']").count(),
            "safety_net": await page.get_by_text("не смогла отобразиться").count(),
            "heading": (await page.locator("h1").first.inner_text()).strip(),
            "selected": None,
        }
        if institution is not None:
            result["selected"] = await page.get_by_role("combobox", name="Учреждение", exact=True).input_value()
        return result
    finally:
        await context.close()


async def storm(base: str, plan: list[tuple[str, str, str | None]]) -> list[dict]:
    async with async_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            start = asyncio.Event()
            tasks = [asyncio.create_task(visit(browser, start, f"{base}/{path}", h1, inst))
                     for path, h1, inst in plan]
            await asyncio.sleep(1.0)                         # contexts created; now all at once
            start.set()
            return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), TOTAL_TIMEOUT_S)
        finally:
            await browser.close()


def test_twenty_sessions_at_once_render_correctly_and_read_the_source_once(tmp_path):
    source = build_app_workbook(tmp_path / "нагрузка.xlsx", n_institutions=16)
    names = load_workbook(source).institution_names
    plan = targets(names)
    log = tmp_path / "streamlit.log"
    with streamlit_server(source, log=log) as base:
        cpu_before = server_cpu_seconds(base)
        started = time.monotonic()
        results = asyncio.run(storm(base, plan))
        wall = time.monotonic() - started
        cpu_after = server_cpu_seconds(base)
    server_cpu = (f"{cpu_after - cpu_before:.1f} s" if cpu_before is not None and cpu_after is not None
                  else "n/a")
    server_log = log.read_text(encoding="utf-8", errors="replace")

    failures = [(target[0], r) for target, r in zip(plan, results) if isinstance(r, BaseException)]
    assert not failures, f"sessions failed: {failures}"
    for (path, h1, institution), r in zip(plan, results):
        assert r["heading"] == h1, (path, r)
        assert r["exceptions"] == 0 and r["safety_net"] == 0, (path, r)
        if institution is not None:
            assert r["selected"] == institution, (path, r)
    assert "Traceback" not in server_log, server_log[-3000:]
    reads = server_log.count(READ_MARK)
    assert reads == 1, f"the source was read {reads} times for {SESSIONS} sessions"

    seconds = [r["seconds"] for r in results]
    p50, p95 = statistics.median(seconds), percentile(seconds, 0.95)
    lines = [
        f"Load test {datetime.now():%d.%m.%Y %H:%M}: {SESSIONS} browser sessions at once, one `streamlit run`, "
        f"cold server, {os.cpu_count()} CPU cores",
        f"source: generated workbook, {len(names)} institutions; source reads: {reads}",
        f"time to first notRunning: p50 {p50:.1f} s, p95 {p95:.1f} s, min {min(seconds):.1f} s, "
        f"max {max(seconds):.1f} s; wall {wall:.1f} s (browser start included)",
        f"server CPU for all {SESSIONS} sessions: {server_cpu} — the rest of the time is the {SESSIONS} Chromium "
        "renderers starting Streamlit's frontend on the same cores",
        "",
        *[f"{r['seconds']:6.1f} s  /{unquote(path)}" for (path, _, _), r in sorted(zip(plan, results), key=lambda x: x[1]["seconds"])],
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(lines[:4]))
