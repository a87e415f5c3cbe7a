"""Downloaded files live as short as Streamlit lets them (issue 14, item 8; docs/AUTH.md).

Streamlit serves a download's bytes at `/media/<hash>.<ext>` to **anyone** who has that address: the
media route knows nothing of the sign-in. So the app's part is:

* every `st.download_button` gets a callable (`data=lambda: …`): the file is built only when a
  signed-in user clicks, and before that no file and no address exist (tests/test_downloads.py
  holds every button in app_pages to it);
* nothing is drawn before sign-in (`app.py` stops at the gate), so no download button either;
* a built file is forgotten soon: Streamlit drops a download that no session shows any more on the
  second clean-up after it was built, and it cleans up only at the end of a script run — on a quiet
  server a file (and its address) could stay for hours. `start_janitor()` runs the same clean-up
  every `CLEANUP_S` seconds, so an address stops working at most about 2 × `CLEANUP_S` after the click.

`CLEANUP_S`: 30 s, or the environment variable `OMP_MEDIA_CLEANUP_S`. Uses Streamlit's runtime
(`runtime.get_instance().media_file_mgr.remove_orphaned_files()`, the call Streamlit itself makes
after each run; safe from any thread); if a Streamlit version lacks it, the janitor logs once and
stops — downloads keep working, files then live as long as Streamlit keeps them.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

import streamlit as st

_log = logging.getLogger("omp.media")


def _cleanup_seconds() -> float:
    try:
        value = float(os.environ.get("OMP_MEDIA_CLEANUP_S") or 30)
    except ValueError:
        value = 30.0
    return min(max(value, 0.2), 3600.0)


CLEANUP_S = _cleanup_seconds()


def sweep() -> bool:
    """Streamlit's clean-up of files no session shows (a built download: on its second pass). False
    when there is no running Streamlit server."""
    from streamlit import runtime
    if not runtime.exists():
        return False
    runtime.get_instance().media_file_mgr.remove_orphaned_files()
    return True


def run_janitor(period_s: float, sweep_once: Callable[[], object] = sweep,
                sleep: Callable[[float], object] = time.sleep, rounds: int | None = None) -> None:
    """Sweep every `period_s` seconds (`rounds`: how many times; None: for ever). Stops on an error."""
    done = 0
    while rounds is None or done < rounds:
        sleep(period_s)
        try:
            sweep_once()
        except Exception:  # an internal API of Streamlit that changed: keep the app, lose the janitor
            _log.warning("media clean-up failed; downloaded files stay as long as Streamlit keeps them",
                         exc_info=True)
            return
        done += 1


@st.cache_resource(show_spinner=False)
def start_janitor() -> threading.Thread | None:
    """One janitor thread per server process (None under AppTest, whose runtime is a stand-in per run)."""
    if st.get_option("global.appTest"):
        return None
    thread = threading.Thread(target=run_janitor, args=(CLEANUP_S,), name="omp-media-janitor", daemon=True)
    thread.start()
    return thread
