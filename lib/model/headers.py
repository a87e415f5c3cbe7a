"""Header cells → column keys: a `HeaderVocabulary` knows the titles and synonyms of a table's columns
(a `lib.model.contract` column set, or one built on it) and matches the cells of a header row to them.
The workbook reader (`lib.validate.parsing`) and the Word plan import (`lib.sources.word_plan`) both
find their headers with it.
"""
from __future__ import annotations

import weakref

from lib.model.contract import Column, norm


class HeaderVocabulary:
    """Matches header cells to column keys: exact synonym first, then the longest synonym prefix."""

    _made: weakref.WeakSet[HeaderVocabulary] = weakref.WeakSet()     # every vocabulary, for `clear_all`

    def __init__(self, columns: dict[str, Column]):
        HeaderVocabulary._made.add(self)
        self.columns = columns
        self.exact: dict[str, str] = {}
        for col in columns.values():
            for text in (col.title, *col.synonyms):
                self.exact.setdefault(norm(text), col.key)
        self.prefixes = sorted(((k + " ", v) for k, v in self.exact.items() if len(k) >= 3),
                               key=lambda p: -len(p[0]))
        self.first3 = {k[:3] for k in self.exact if k}
        self._any_prefix = tuple(p for p, _ in self.prefixes)
        self._memo: dict[str, str | None] = {}   # cell text → key; header texts repeat on every tab

    @classmethod
    def clear_all(cls) -> None:
        for vocab in cls._made:
            vocab._memo.clear()

    def key_of(self, text: str) -> str | None:
        if type(text) is str:
            found = self._memo.get(text, "")
            if found != "":
                return found
        found = self._key_of(text)
        if type(text) is str:
            if len(self._memo) > 20_000:
                self._memo.clear()
            self._memo[text] = found
        return found

    def _key_of(self, text: str) -> str | None:
        key = norm(text)
        if key in self.exact:
            return self.exact[key]
        padded = key + " "
        if not padded.startswith(self._any_prefix):     # one C-level test for the usual miss
            return None
        for prefix, col in self.prefixes:
            if padded.startswith(prefix):
                return col
        return None

    def match_row(self, row: list) -> tuple[dict[str, int], list[tuple[int, str]], list[tuple[int, str]]]:
        cols: dict[str, int] = {}
        extra: list[tuple[int, str]] = []
        duplicate: list[tuple[int, str]] = []
        for c, v in enumerate(row):
            if not isinstance(v, str) or not v.strip():
                continue
            key = self.key_of(v)
            if key is None:
                extra.append((c, v))
            elif key in cols:
                duplicate.append((c, v))
            else:
                cols[key] = c
        return cols, extra, duplicate

    def could_be_header(self, row: list) -> bool:
        """Cheap pre-filter: some short text cell starts like a known header."""
        for v in row:
            if type(v) is str and len(v) < 80 and norm(v[:6])[:3] in self.first3:
                return True
        return False
