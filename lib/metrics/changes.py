"""What changed between two reads of a source — per centre, the activity rows added, changed and
removed and the issues fixed and new («исправлено 5 из 7 замечаний») — and the small store of the
previous reads that makes the comparison possible. Plain Python, no Streamlit.

**Comparing.** A read is boiled down to a `Digest` (`digest(wb)`): per tab, its loaded activity rows
in row order, each as a hash of its content (date, type as typed, plan item, topic, counts, link,
note — not its row number) plus a short text to show; the issue log; the filled monitoring cells.
`compare(old, new)` then works tab by tab:

* *Activity rows* are aligned as sequences of content hashes (`difflib.SequenceMatcher`): a row
  inserted above others shifts their numbers but not their content, so they stay «unchanged»;
  a run of rows replaced by as many rows is «changed» pairwise; the rest is «added» / «removed».
  Only loaded rows are compared: a row that had an error was not loaded, so once fixed it counts as
  added (and its error as fixed).
* *Issues* are keyed by tab + cell + message. Rows move, so an old issue's row is first carried
  over by the nearest row that is known to have moved (an aligned activity row, or a monitoring row
  of the same indicator); what is still unmatched is matched by tab + column + message (the same
  message in the same column is the same problem, moved). What remains of the old read was fixed;
  what remains of the new one is new.

**The store.** `ReadHistory` keeps the last `MAX_VERSIONS` *different* versions of a source's data:
a read whose content equals the latest version adds nothing (so a Google Sheet re-read every 10
minutes does not push the last change out), so «the previous read» means the last read in which
the data was different. For the configured source (an Excel file or a Google Sheet) the history lives
on disk next to the Google snapshots of `lib.sources.snapshot` — `.snapshots/<hash of the source>.reads.json.gz`
(or `$OMP_SNAPSHOT_DIR`) — as gzip-compressed JSON (never pickle), written atomically. It holds
hashes, short row texts (date · type · the first 60 characters of the topic; none above
`MAX_ROW_TEXTS` rows) and the issue messages — what the dashboard shows anyway — and no credentials.
Bounded: at most `MAX_VERSIONS` versions of at most `MAX_ISSUES` issues each, and at most
`MAX_SOURCES` sources' histories in the folder (the least recently written are removed). The app keeps an
uploaded file's history in the browser session instead (`ui/context.py`).
"""
from __future__ import annotations

import difflib
import gzip
import hashlib
import json
import os
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from lib.model.workbook import Workbook
from lib.russian import ROW_FORMS, format_number, participle, plural, plural_word
from lib.sources.snapshot import snapshot_path, write_json_gz

FORMAT_VERSION = 2
MAX_VERSIONS = 5
MAX_ROW_TEXTS = 50_000
MAX_ISSUES = 20_000
MAX_SOURCES = 16              # histories kept in one folder; the least recently written go first
TOPIC_CHARS = 60

KEY_CHARS = 16                # a row's content hash: 16 hex digits (64 bits)
CONTENT_COLUMNS = ("date", "type_raw", "plan_item", "topic", "participants", "specialists", "institutions_count",
                   "link", "note")
ISSUES_GEN = ("замечания", "замечаний", "замечаний")          # «из 1 замечания», «из 7 замечаний»
NEW_ISSUES = ("новое замечание", "новых замечания", "новых замечаний")
OTHER_TABS = "служебные вкладки"                              # issues that name no institution

_CELL = re.compile(r"^([A-Z]+)(\d+)$")


# --------------------------------------------------------------------------- digests


@dataclass(frozen=True)
class IssueKey:
    severity: str
    tab: str
    cell: str
    message: str
    institution: str


@dataclass
class TabDigest:
    institution: str
    rows: list[tuple[int, str, str]] = field(default_factory=list)    # (row, content hash, short text), by row
    monitoring: list[tuple[int, str]] = field(default_factory=list)   # (row, indicator) of the Мониторинг block


@dataclass
class Digest:
    """One read of a source, boiled down to what `compare` needs."""
    read_at: datetime
    label: str
    fingerprint: str                                  # equal fingerprints: equal data
    tabs: dict[str, TabDigest]
    issues: list[IssueKey]
    filled: dict[str, int]                            # institution → filled monitoring cells
    institutions: list[str]

    def to_json(self) -> dict:
        return {"read_at": self.read_at.isoformat(), "label": self.label, "fingerprint": self.fingerprint,
                "institutions": self.institutions, "filled": self.filled,
                "tabs": {name: {"institution": t.institution, "rows": [r for r, _, _ in t.rows],
                                "keys": "".join(k for _, k, _ in t.rows),       # one string: fast to parse
                                "texts": [x for _, _, x in t.rows] if any(x for _, _, x in t.rows) else None,
                                "monitoring": [list(m) for m in t.monitoring]} for name, t in self.tabs.items()},
                "issues": [[i.severity, i.tab, i.cell, i.message, i.institution] for i in self.issues]}

    @classmethod
    def from_json(cls, data: dict) -> "Digest":
        return cls(read_at=datetime.fromisoformat(data["read_at"]), label=str(data["label"]),
                   fingerprint=str(data["fingerprint"]), institutions=[str(i) for i in data["institutions"]],
                   filled={str(k): int(v) for k, v in data["filled"].items()},
                   tabs={str(name): TabDigest(str(t["institution"]), _rows_of(t),
                                              [(int(r), str(i)) for r, i in t["monitoring"]])
                         for name, t in data["tabs"].items()},
                   issues=[IssueKey(*map(str, i)) for i in data["issues"]])


def _rows_of(tab: dict) -> list[tuple[int, str, str]]:
    rows, keys = tab["rows"], str(tab["keys"])
    texts = tab.get("texts") or [""] * len(rows)
    if len(keys) != KEY_CHARS * len(rows) or len(texts) != len(rows):
        raise ValueError("a tab's rows, keys and texts do not match")
    return [(int(r), keys[i * KEY_CHARS:(i + 1) * KEY_CHARS], str(x)) for i, (r, x) in enumerate(zip(rows, texts))]


def _texts(column: pd.Series) -> pd.Series:
    """A column as text, whole arrays at a time: dates ISO, counts without «.0», blanks as ""."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("").astype(object)
    if pd.api.types.is_integer_dtype(column) or pd.api.types.is_float_dtype(column):
        return column.astype("string").fillna("").astype(object)
    return column.where(column.notna(), "").astype(str)


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_CHARS // 2).hexdigest()


def _short_texts(acts: pd.DataFrame) -> list[str]:
    """«12.03.2026 · Семинар · «Тема…»» for every row (what the change view shows of a row)."""
    days = acts["date"].dt.strftime("%d.%m.%Y").fillna("").tolist()
    kinds = _texts(acts["type_raw"]).tolist()
    topics = _texts(acts["topic"]).tolist()
    out = []
    for day, kind, topic in zip(days, kinds, topics):
        if len(topic) > TOPIC_CHARS:
            topic = topic[: TOPIC_CHARS - 1].rstrip() + "…"
        out.append(" · ".join(p for p in (day, kind, f"«{topic}»" if topic else "") if p))
    return out


def _row_of(cell: str) -> int | None:
    m = _CELL.match(cell or "")
    return int(m[2]) if m else None


def digest(wb: Workbook, read_at: datetime | None = None) -> Digest:
    """The digest of a loaded workbook (`read_at`: default the source's read time)."""
    acts = wb.activities.sort_values(["tab", "row"], kind="stable")
    tabs: dict[str, TabDigest] = {}
    if len(acts):
        columns = [_texts(acts[c]).tolist() for c in CONTENT_COLUMNS]
        keys = [_hash("\x1f".join(cells)) for cells in zip(*columns)]   # (Series.str.cat is 4× slower)
        texts = _short_texts(acts) if len(acts) <= MAX_ROW_TEXTS else [""] * len(acts)
        for tab, inst, row, key, text in zip(acts["tab"].tolist(), acts["institution"].tolist(),
                                             acts["row"].tolist(), keys, texts):
            found = tabs.get(tab)
            if found is None:
                found = tabs[tab] = TabDigest(inst)
            found.rows.append((int(row), key, text))
    mon = wb.monitoring
    seen: set[tuple[str, str]] = set()
    filled: Counter = Counter()
    values = []
    for inst, name, q, value, tab, cell in zip(mon["institution"], mon["indicator"], mon["quarter"], mon["value"],
                                               mon["tab"], mon["cell"]):
        if (tab, name) not in seen and _row_of(cell) is not None:
            seen.add((tab, name))
            tabs.setdefault(tab, TabDigest(inst)).monitoring.append((_row_of(cell), name))
        if value is not None and value == value:
            filled[inst] += 1
            values.append(f"{tab}\x1f{name}\x1f{q}\x1f{value!r}")
    head = wb.issues.head(MAX_ISSUES)
    issues = [IssueKey(str(s), str(t), str(c or ""), str(m), str(i or ""))
              for s, t, c, m, i in zip(*(head[c].tolist() for c in ("severity", "tab", "cell", "message",
                                                                     "institution")))]
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(tabs):
        h.update(f"\x1e{name}\x1d".encode())
        h.update("\x1f".join(f"{r}:{k}" for r, k, _ in tabs[name].rows).encode())
    for item in sorted(values):
        h.update(item.encode())
    for issue in issues:
        h.update("\x1f".join((issue.severity, issue.tab, issue.cell, issue.message)).encode())
    return Digest(read_at or wb.source.read_at, wb.source.label, h.hexdigest(), tabs, issues, dict(filled),
                  list(wb.institution_names))


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class RowChange:
    kind: str                        # "added" | "changed" | "removed"
    tab: str
    old_row: int | None
    new_row: int | None
    old_text: str = ""
    new_text: str = ""


@dataclass
class CentreChanges:
    institution: str
    added: list[RowChange] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    removed: list[RowChange] = field(default_factory=list)
    fixed: list[IssueKey] = field(default_factory=list)
    new: list[IssueKey] = field(default_factory=list)
    issues_before: int = 0
    issues_after: int = 0
    filled_before: int = 0
    filled_after: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.fixed or self.new or
                    self.filled_before != self.filled_after)

    @property
    def progress(self) -> str:
        """«исправлено 5 из 7 замечаний», or «» when the previous read had none."""
        if not self.issues_before:
            return ""
        return (f"исправлено {format_number(len(self.fixed))} из {format_number(self.issues_before)} "
                f"{plural_word(self.issues_before, ISSUES_GEN)}")

    @property
    def summary(self) -> str:
        """«исправлено 5 из 7 замечаний · 1 новое замечание · добавлено 3 строки · заполнено показателей: +8»."""
        parts = [self.progress] if self.fixed or (self.issues_before and self.new) else []
        if self.new:
            parts.append(plural(len(self.new), NEW_ISSUES))
        for stem, rows in (("добавлен", self.added), ("изменен", self.changed), ("удален", self.removed)):
            if rows:
                parts.append(f"{participle(stem, len(rows), 'f')} {plural(len(rows), ROW_FORMS)}")
        delta = self.filled_after - self.filled_before
        if delta:
            parts.append(f"заполнено ячеек мониторинга: {'+' if delta > 0 else '−'}{format_number(abs(delta))}")
        return " · ".join(parts) or "без изменений"


@dataclass
class Changes:
    before: Digest
    after: Digest
    centres: list[CentreChanges]     # every institution of either read (the newer read's order first)

    def of(self, institution: str) -> CentreChanges:
        return next(c for c in self.centres if c.institution == institution)

    def total(self, institutions: list[str] | None = None) -> CentreChanges:
        """All chosen centres (None: all) added up, as one `CentreChanges`."""
        chosen = set(institutions) if institutions else None
        out = CentreChanges("всего")
        for c in self.centres:
            if chosen is None or c.institution in chosen:
                for name in ("added", "changed", "removed", "fixed", "new"):
                    getattr(out, name).extend(getattr(c, name))
                out.issues_before += c.issues_before
                out.issues_after += c.issues_after
                out.filled_before += c.filled_before
                out.filled_after += c.filled_after
        return out

    def table(self, institutions: list[str] | None = None, only_changed: bool = True) -> pd.DataFrame:
        """One row per centre: rows added / changed / removed, issues fixed / new, and the summary."""
        cols = ["Учреждение", "Добавлено строк", "Изменено строк", "Удалено строк", "Исправлено замечаний",
                "Новых замечаний", "Замечаний сейчас", "Итог"]
        chosen = set(institutions) if institutions else None
        records = [[c.institution, len(c.added), len(c.changed), len(c.removed), len(c.fixed), len(c.new),
                    c.issues_after, c.summary]
                   for c in self.centres
                   if (chosen is None or c.institution in chosen) and (c.any or not only_changed)]
        return pd.DataFrame(records, columns=cols)


def _align(old: list[tuple[int, str, str]], new: list[tuple[int, str, str]], tab: str,
           ) -> tuple[list[RowChange], list[tuple[int, int]]]:
    """(the row changes of one tab, the (old row, new row) pairs of rows that stayed as they were).
    The common start and end are matched first (edits are usually in one place), the middle by
    `difflib.SequenceMatcher`."""
    a, b = [k for _, k, _ in old], [k for _, k, _ in new]
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    kept: list[tuple[int, int]] = [(old[i][0], new[i][0]) for i in range(head)]
    kept += [(old[len(a) - 1 - t][0], new[len(b) - 1 - t][0]) for t in range(tail)]
    out: list[RowChange] = []
    matcher = difflib.SequenceMatcher(None, a[head:len(a) - tail], b[head:len(b) - tail], autojunk=False)
    opcodes = [(op, i1 + head, i2 + head, j1 + head, j2 + head) for op, i1, i2, j1, j2 in matcher.get_opcodes()]
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            kept.extend((old[i][0], new[j][0]) for i, j in zip(range(i1, i2), range(j1, j2)))
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            o, n = old[i1 + k], new[j1 + k]
            out.append(RowChange("changed", tab, o[0], n[0], o[2], n[2]))
        out.extend(RowChange("removed", tab, o[0], None, o[2]) for o in old[i1 + pairs:i2])
        out.extend(RowChange("added", tab, None, n[0], "", n[2]) for n in new[j1 + pairs:j2])
    return out, kept


class _RowMap:
    """Where an old row of a tab is now: through the nearest row before it known to have moved."""

    def __init__(self, anchors: list[tuple[int, int]]):
        self.anchors = sorted(set(anchors))
        self.olds = [a for a, _ in self.anchors]

    def __call__(self, row: int) -> int:
        i = bisect_right(self.olds, row) - 1
        if i < 0:
            return row
        old, new = self.anchors[i]
        return row + (new - old)


def _moved(cell: str, row_map: _RowMap | None) -> str:
    m = _CELL.match(cell)
    if not m or row_map is None:
        return cell
    return f"{m[1]}{row_map(int(m[2]))}"


def _column(cell: str) -> str:
    m = _CELL.match(cell)
    return m[1] if m else cell


def _match_issues(old: list[IssueKey], new: list[IssueKey], maps: dict[str, _RowMap],
                  ) -> tuple[list[IssueKey], list[IssueKey]]:
    """(the old issues that are gone — fixed —, the new issues that were not there before)."""
    unmatched_new = Counter((i.tab, i.cell, i.message) for i in new)
    unmatched_old: list[IssueKey] = []
    for issue in old:                                  # 1. the same cell, carried over the moved rows
        key = (issue.tab, _moved(issue.cell, maps.get(issue.tab)), issue.message)
        if unmatched_new[key] > 0:
            unmatched_new[key] -= 1
        else:
            unmatched_old.append(issue)
    left: list[IssueKey] = []                          # the new issues not matched yet (equal keys: any of them)
    for issue in reversed(new):
        key = (issue.tab, issue.cell, issue.message)
        if unmatched_new[key] > 0:
            unmatched_new[key] -= 1
            left.append(issue)
    left.reverse()
    in_column = Counter((i.tab, _column(i.cell), i.message) for i in left)
    fixed = []
    for issue in unmatched_old:                        # 2. the same message in the same column: moved
        key = (issue.tab, _column(issue.cell), issue.message)
        if in_column[key] > 0:
            in_column[key] -= 1
        else:
            fixed.append(issue)
    still = in_column                                  # per key, how many of `left` are really new
    fresh = []
    for issue in reversed(left):
        key = (issue.tab, _column(issue.cell), issue.message)
        if still[key] > 0:
            still[key] -= 1
            fresh.append(issue)
    fresh.reverse()
    return fixed, fresh


def compare(old: Digest, new: Digest) -> Changes:
    """What changed from `old` to `new`, per institution (see the module's notes for how)."""
    row_changes: list[RowChange] = []
    maps: dict[str, _RowMap] = {}
    institution_of_tab: dict[str, str] = {}
    for name in [*new.tabs, *(t for t in old.tabs if t not in new.tabs)]:
        o, n = old.tabs.get(name), new.tabs.get(name)
        institution_of_tab[name] = (n or o).institution
        changes, kept = _align(o.rows if o else [], n.rows if n else [], name)
        row_changes += changes
        if o and n:
            now = {ind: row for row, ind in n.monitoring}
            kept += [(row, now[ind]) for row, ind in o.monitoring if ind in now]
            maps[name] = _RowMap(kept)

    # issues: exact (tab, cell carried over, message), then (tab, column, message)
    fixed, new_issues = _match_issues(old.issues, new.issues, maps)

    names = list(dict.fromkeys([*new.institutions, *old.institutions, *institution_of_tab.values()]))
    centres = {name: CentreChanges(name) for name in names}

    def centre(name: str) -> CentreChanges:
        name = name or OTHER_TABS
        if name not in centres:
            centres[name] = CentreChanges(name)
        return centres[name]

    for change in row_changes:
        getattr(centre(institution_of_tab[change.tab]), change.kind).append(change)
    for issue in fixed:
        centre(issue.institution).fixed.append(issue)
    for issue in new_issues:
        centre(issue.institution).new.append(issue)
    for issue in old.issues:
        centre(issue.institution).issues_before += 1
    for issue in new.issues:
        centre(issue.institution).issues_after += 1
    for name, n in old.filled.items():
        centre(name).filled_before = n
    for name, n in new.filled.items():
        centre(name).filled_after = n
    return Changes(old, new, list(centres.values()))


# --------------------------------------------------------------------------- the store


@dataclass
class ReadHistory:
    """The last `MAX_VERSIONS` different versions of one source's data, oldest first."""
    versions: list[Digest] = field(default_factory=list)

    def add(self, version: Digest) -> bool:
        """Remember a read; False (nothing changes) when its data equals the latest version's."""
        if self.versions and self.versions[-1].fingerprint == version.fingerprint:
            return False
        self.versions = [v for v in self.versions if v.fingerprint != version.fingerprint]
        self.versions.append(version)
        del self.versions[:-MAX_VERSIONS]
        return True

    def earlier_than(self, current: Digest) -> list[Digest]:
        """The stored versions whose data differs from `current`, newest first: what it can be compared with."""
        return [v for v in reversed(self.versions) if v.fingerprint != current.fingerprint]


def history_path(spec: str, directory: str | os.PathLike | None = None) -> Path:
    """`.snapshots/<hash of the source spec>.reads.json.gz`: no path or key shows in the file name."""
    return snapshot_path(spec, directory, ".reads.json.gz")


def load_history(spec: str, directory: str | os.PathLike | None = None) -> ReadHistory:
    """The stored history of `spec`; empty when there is none or it is unreadable or of another spec."""
    try:
        payload = json.loads(gzip.decompress(history_path(spec, directory).read_bytes()).decode("utf-8"))
        if payload.get("format") != FORMAT_VERSION or payload.get("spec") != spec.strip():
            return ReadHistory()
        return ReadHistory([Digest.from_json(v) for v in payload["versions"]][-MAX_VERSIONS:])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError):
        return ReadHistory()


def save_history(spec: str, history: ReadHistory, directory: str | os.PathLike | None = None) -> Path:
    """Write the history atomically (a temporary file in the same folder, then `os.replace`)."""
    path = history_path(spec, directory)
    payload = {"format": FORMAT_VERSION, "spec": spec.strip(),
               "versions": [v.to_json() for v in history.versions[-MAX_VERSIONS:]]}
    write_json_gz(path, payload)
    _prune(path)
    return path


def _prune(kept: Path) -> None:
    """Keep at most MAX_SOURCES histories in the folder: remove the least recently written."""
    try:
        others = sorted((p for p in kept.parent.glob("*.reads.json.gz") if p != kept),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[MAX_SOURCES - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def record_read(spec: str, wb: Workbook, directory: str | os.PathLike | None = None,
                version: Digest | None = None) -> ReadHistory:
    """Add this read of `spec` to its stored history (written only when the data differs from the
    latest stored version); returns the history. `version`: `digest(wb)` when the caller has it.
    A failure to write loses the history, not the read."""
    history = load_history(spec, directory)
    if history.add(version if version is not None else digest(wb)):
        try:
            save_history(spec, history, directory)
        except (OSError, ValueError, TypeError):
            pass
    return history
