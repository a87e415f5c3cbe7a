"""The last good copy of a source on disk, served when Google is unavailable, and single-flight reads.

* `load_with_fallback(spec, reader)` reads the source; after a successful read of a Google Sheet it
  saves the raw tabs + `SourceInfo` as a snapshot. When Google is unavailable (quota, 5xx, timeouts —
  `SourceUnavailable`, raised after `lib.sources.gsheets`' bounded retries) it returns the snapshot instead,
  flagged `stale`, with the banner «Данные от 12.03.2026 14:05 — Google Таблица сейчас недоступна».
  With no snapshot the error is re-raised. Other errors (no access, wrong key) are never masked.
  A read that is not complete (`lib.sources.gsheets` checks every answer) is such a `SourceUnavailable` too,
  so a snapshot is only ever replaced by a whole, consistent read.
* A tab that had rows in the snapshot and now comes back empty is not believed at once: Google omits
  `values` for an empty tab, which a glitch looks like too. The source is read once more; the tab
  must be empty again (a tab really cleared) or the second read is taken (it has the rows back). A
  second read that loses other tabs serves the snapshot.
* `SingleFlight` makes a refresh storm cost one read per TTL: the first caller for a key reads,
  everybody arriving meanwhile waits for and shares that result. A snapshot served during an outage
  is remembered for `outage_ttl_s`; after that the next caller still gets it at once while the source
  is tried again in the background — no viewer waits out the retry budget during a long outage, only
  «Обновить данные» (`invalidate`) retries while they wait.

Snapshots live in `.snapshots/` at the repository root (git-ignored) or in `$OMP_SNAPSHOT_DIR`. The
file name is a hash of the source spec ("gsheet:<key>"); the content is gzip-compressed JSON (not
pickle: a planted file must not be able to run code) holding only cell values, tab names/ids and the
source's label, key, address and read time — never credentials. Writes are atomic (temporary file in
the same folder + `os.replace`), so a reader never sees half a snapshot.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from lib.sources import GSHEET_PREFIX, RawTab, SourceError, SourceInfo, SourceUnavailable, read

SNAPSHOT_DIR_ENV = "OMP_SNAPSHOT_DIR"
DEFAULT_SNAPSHOT_DIR = Path(__file__).resolve().parents[2] / ".snapshots"
FORMAT_VERSION = 1

Reader = Callable[[str], tuple[list[RawTab], SourceInfo]]


def banner_text(read_at: datetime) -> str:
    """«Данные от 12.03.2026 14:05 — Google Таблица сейчас недоступна»."""
    return f"Данные от {read_at:%d.%m.%Y %H:%M} — Google Таблица сейчас недоступна"


@dataclass
class Fetched:
    """What `load_with_fallback` returns: the raw tabs, and whether they are a stale snapshot."""
    tabs: list[RawTab]
    info: SourceInfo
    stale: bool = False              # True: Google was unavailable, this is the last good snapshot
    banner: str | None = None        # the text to show above the dashboard when stale
    reason: str | None = None        # the SourceUnavailable message (details for an expander)

    def build(self):
        """The validated `Workbook` of these tabs."""
        from lib.validate.parsing import build_workbook
        return build_workbook(self.tabs, self.info)


# --------------------------------------------------------------------------- files

def snapshot_dir(directory: str | os.PathLike | None = None) -> Path:
    if directory is not None:
        return Path(directory)
    env = os.environ.get(SNAPSHOT_DIR_ENV, "").strip()
    return Path(env) if env else DEFAULT_SNAPSHOT_DIR


def snapshot_path(spec: str, directory: str | os.PathLike | None = None, suffix: str = ".json.gz") -> Path:
    """Where the snapshot of `spec` lives (with another `suffix`: a file kept beside it, e.g. the history
    of reads of `lib.metrics.changes`): a hash of the spec, so no key or path shows in file names."""
    digest = hashlib.sha256(spec.strip().encode("utf-8")).hexdigest()[:32]
    return snapshot_dir(directory) / f"{digest}{suffix}"


def write_json_gz(path: Path, payload: dict) -> None:
    """`payload` as gzip-compressed JSON at `path`, atomically: a temporary file in the same folder,
    flushed to disk, then `os.replace` — a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                         compresslevel=5)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json.gz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, dtime):
        return {"$t": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$td": value.total_seconds()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        if tag == "$dt":
            return datetime.fromisoformat(text)
        if tag == "$d":
            return date.fromisoformat(text)
        if tag == "$t":
            return dtime.fromisoformat(text)
        if tag == "$td":
            return timedelta(seconds=text)
    return value


def save_snapshot(spec: str, tabs: list[RawTab], info: SourceInfo,
                  directory: str | os.PathLike | None = None) -> Path:
    """Write the snapshot of `spec` atomically; returns its path."""
    path = snapshot_path(spec, directory)
    payload = {
        "format": FORMAT_VERSION,
        "spec": spec.strip(),
        "source": {"kind": info.kind, "label": info.label, "location": info.location,
                   "read_at": info.read_at.isoformat(), "url": info.url},
        "tabs": [{"name": t.name, "gid": t.gid, "merges": [list(map(list, m)) for m in t.merges],
                  "problem": t.problem, "problem_code": t.problem_code,
                  "rows": [[_encode(v) for v in row] for row in t.rows]}
                 for t in tabs],
    }
    write_json_gz(path, payload)
    _remember_filled(path, tabs)
    return path


def _filled(tabs: list[RawTab]) -> frozenset[str]:
    """The names of the tabs with at least one non-empty row."""
    return frozenset(t.name for t in tabs if any(t.rows))


# The filled tabs of each snapshot file this process wrote or read, under the file's (mtime, size):
# comparing a read with the snapshot must not unzip the snapshot every time.
_filled_memo: dict[Path, tuple[tuple[int, int], frozenset[str]]] = {}
_memo_lock = threading.Lock()


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _remember_filled(path: Path, tabs: list[RawTab]) -> None:
    stamp = _stamp(path)
    if stamp is not None:
        with _memo_lock:
            _filled_memo[path] = (stamp, _filled(tabs))


def filled_tabs(spec: str, directory: str | os.PathLike | None = None) -> frozenset[str]:
    """The tabs that have rows in the snapshot of `spec` (empty when there is no snapshot)."""
    path = snapshot_path(spec, directory)
    stamp = _stamp(path)
    if stamp is None:
        return frozenset()
    with _memo_lock:
        known = _filled_memo.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    saved = load_snapshot(spec, directory)
    return _filled(saved[0]) if saved is not None else frozenset()


def load_snapshot(spec: str, directory: str | os.PathLike | None = None) -> tuple[list[RawTab], SourceInfo] | None:
    """The saved tabs + info of `spec`, or None (no snapshot, or one that is unreadable / of another spec)."""
    path = snapshot_path(spec, directory)
    try:
        payload = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
        if payload.get("format") != FORMAT_VERSION or payload.get("spec") != spec.strip():
            return None
        src = payload["source"]
        info = SourceInfo(src["kind"], src["label"], src["location"], datetime.fromisoformat(src["read_at"]),
                          src.get("url"))
        tabs = [RawTab(t["name"], [[_decode(v) for v in row] for row in t["rows"]], t.get("gid"),
                       [((m[0][0], m[0][1]), (m[1][0], m[1][1])) for m in t.get("merges") or []],
                       t.get("problem"), t.get("problem_code"))
                for t in payload["tabs"]]
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError):
        return None
    _remember_filled(path, tabs)
    return tabs, info


# --------------------------------------------------------------------------- fallback

def load_with_fallback(spec: str, reader: Reader | None = None, *,
                       directory: str | os.PathLike | None = None, persist: bool | None = None) -> Fetched:
    """Read `spec` with `reader` (default `lib.sources.read`).

    Success: the fresh tabs (saved as the snapshot when `persist`; by default only Google Sheets
    are — a local file needs no copy). `SourceUnavailable`: the snapshot with `stale=True` and the
    banner; re-raised when there is none. Any other `SourceError` propagates unchanged. A failure to
    write the snapshot never fails the read. When `persist`, a tab that has rows in the snapshot but
    none in the read is confirmed by a second read before the snapshot is replaced (`_confirmed`).
    """
    reader = reader or read
    if persist is None:
        persist = spec.strip().startswith(GSHEET_PREFIX)
    try:
        tabs, info = reader(spec)
        if persist:
            tabs, info = _confirmed(spec, reader, tabs, info, directory)
    except SourceUnavailable as exc:
        saved = load_snapshot(spec, directory)
        if saved is None:
            raise
        tabs, info = saved
        return Fetched(tabs, info, stale=True, banner=banner_text(info.read_at), reason=str(exc))
    if persist:
        try:
            save_snapshot(spec, tabs, info, directory)
        except (OSError, ValueError, TypeError):
            pass       # a read-only disk costs the fallback, not the dashboard
    return Fetched(tabs, info)


def _confirmed(spec: str, reader: Reader, tabs: list[RawTab], info: SourceInfo,
               directory) -> tuple[list[RawTab], SourceInfo]:
    """The read to keep, when tabs with rows in the snapshot came back empty: a second read.

    Google omits `values` for an empty tab, and an answer that lost a tab's values looks just the
    same; the snapshot knows the tab had rows. A second read settles it: the same tabs empty again
    (or fewer) — they were really cleared, take it; other tabs lost too — `SourceUnavailable`."""
    before = filled_tabs(spec, directory)
    if not before:
        return tabs, info
    emptied = {t.name for t in tabs if t.name in before and not any(t.rows)}
    if not emptied:
        return tabs, info
    tabs, info = reader(spec)
    again = {t.name for t in tabs if t.name in before and not any(t.rows)}
    if not again <= emptied:
        names = ", ".join(f"«{n}»" for n in sorted(again | emptied))
        raise SourceUnavailable(f"Google Таблица прочиталась не полностью (листы {names} пришли пустыми, "
                                "хотя в прошлый раз в них были данные). Попробуйте обновить данные позже.")
    return tabs, info


# --------------------------------------------------------------------------- single flight

T = TypeVar("T")


class _Slot:
    __slots__ = ("lock", "value", "has_value", "error", "expires", "forced")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: Any = None
        self.has_value = False      # a good value exists (possibly expired)
        self.error: BaseException | None = None
        self.expires = float("-inf")
        self.forced = False         # invalidated: the next get() fetches while the caller waits


class SingleFlight(Generic[T]):
    """One fetch per key per TTL, however many threads ask at once.

    `get(key, fetch)`: a fresh cached result is returned at once. Otherwise the first caller runs
    `fetch()` under the key's lock; callers arriving meanwhile get the previous good value at once
    if there is one (stale-while-revalidate), else wait for the fetch and share its result.
    A failure is shared the same way and remembered for `error_ttl_s` (so an outage with no
    snapshot is not retried by every viewer). A result flagged `.stale` (a snapshot served during an
    outage) is the outage remembered: kept `outage_ttl_s` (default `ttl_s`), then still returned at
    once while one background thread fetches again — during a long outage nobody waits for the
    retries. `invalidate()` (the «Обновить» button) makes the next get() fetch while its caller waits,
    stale or not. Results age from when the fetch finished. `clock` is injectable for tests.
    """

    def __init__(self, ttl_s: float, *, error_ttl_s: float | None = None, outage_ttl_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl_s = float(ttl_s)
        self.error_ttl_s = min(self.ttl_s, 10.0) if error_ttl_s is None else float(error_ttl_s)
        self.outage_ttl_s = self.ttl_s if outage_ttl_s is None else float(outage_ttl_s)
        self.clock = clock
        self._slots: dict[Any, _Slot] = {}
        self._guard = threading.Lock()
        self._background: list[threading.Thread] = []
        self.fetches = 0            # how many times fetch() actually ran (for tests and diagnostics)

    def _slot(self, key) -> _Slot:
        with self._guard:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
            return slot

    @staticmethod
    def _result(slot: _Slot):
        if slot.error is not None:
            err = slot.error
            if isinstance(err, SourceError):      # a fresh copy: no traceback piling up across raises
                raise type(err)(*err.args) from None
            raise err
        return slot.value

    def get(self, key, fetch: Callable[[], T]) -> T:
        slot = self._slot(key)
        if self.clock() < slot.expires:
            return self._result(slot)
        if (not slot.forced and slot.has_value and slot.error is None
                and getattr(slot.value, "stale", False)):
            # a remembered outage has aged: the snapshot now, another try in the background
            value = slot.value                      # before the worker can replace it
            if slot.lock.acquire(blocking=False):
                worker = threading.Thread(target=self._fetch_in_background, args=(slot, fetch),
                                          name="single-flight-retry", daemon=True)
                try:
                    worker.start()
                except RuntimeError:                # no thread to be had: try again next time
                    slot.lock.release()
                    return value
                with self._guard:
                    self._background = [t for t in self._background if t.is_alive()] + [worker]
            return value
        if not slot.lock.acquire(blocking=False):
            if slot.has_value and slot.error is None:
                return slot.value                   # being refreshed: serve the previous value meanwhile
            slot.lock.acquire()
        try:
            if self.clock() < slot.expires:         # fetched by another thread while we waited
                return self._result(slot)
            return self._fetch(slot, fetch)
        finally:
            slot.lock.release()

    def _fetch(self, slot: _Slot, fetch: Callable[[], T]) -> T:
        """Run `fetch` and keep its outcome in `slot`; the caller holds `slot.lock`."""
        with self._guard:
            self.fetches += 1
        try:
            value = fetch()
        except Exception as exc:
            slot.error, slot.forced = exc, False
            slot.expires = self.clock() + self.error_ttl_s
            raise
        slot.value, slot.has_value, slot.error, slot.forced = value, True, None, False
        slot.expires = self.clock() + (self.outage_ttl_s if getattr(value, "stale", False) else self.ttl_s)
        return value

    def _fetch_in_background(self, slot: _Slot, fetch: Callable[[], T]) -> None:
        try:
            self._fetch(slot, fetch)
        except Exception:  # noqa: BLE001 — kept in the slot, raised to the next caller
            pass
        finally:
            slot.lock.release()

    def wait_background(self, timeout: float | None = None) -> bool:
        """Wait for the background fetches under way (tests); True when none is left running."""
        with self._guard:
            workers = list(self._background)
        for worker in workers:
            worker.join(timeout)
        return not any(worker.is_alive() for worker in workers)

    def invalidate(self, key=None) -> None:
        """Forget one key's freshness (the «Обновить» button) or all keys'; the next get() fetches."""
        with self._guard:
            slots = list(self._slots.values()) if key is None else [self._slots.get(key)]
        for slot in slots:
            if slot is not None:
                slot.expires, slot.forced = float("-inf"), True


def fetch_shared(spec: str, flight: SingleFlight, reader: Reader | None = None, *,
                 directory: str | os.PathLike | None = None) -> Fetched:
    """`load_with_fallback` through `flight`: what the app calls on every page run."""
    return flight.get(spec.strip(), lambda: load_with_fallback(spec, reader, directory=directory))
