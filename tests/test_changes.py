"""What changed between two reads (lib.metrics.changes) on real workbooks edited the way people edit them —
rows inserted above others, fixed in place, deleted — and the bounded on-disk store of previous reads."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import openpyxl
import pytest

from lib.metrics import changes
from lib.metrics.changes import MAX_SOURCES, MAX_VERSIONS, ReadHistory, compare, digest, history_path, load_history, \
    record_read
from lib.loader import load_workbook
from tests.app_workbook import build_app_workbook

INST = "Белозерский"          # build_app_workbook's third tab: three rows with errors at A20, B21, A22


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    return build_app_workbook(tmp_path_factory.mktemp("changes") / "book.xlsx", n_institutions=5)


def edited(original: Path, tmp_path: Path, edit) -> Path:
    book = openpyxl.load_workbook(original)
    edit(book)
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


def changes_of(original: Path, tmp_path: Path, edit):
    before, after = load_workbook(original), load_workbook(edited(original, tmp_path, edit))
    return compare(digest(before), digest(after)), before, after


def test_nothing_changed(original):
    a, b = digest(load_workbook(original)), digest(load_workbook(original))
    assert a.fingerprint == b.fingerprint
    ch = compare(a, b)
    assert not any(c.any for c in ch.centres) and ch.table().empty
    assert all(c.summary == "без изменений" for c in ch.centres)


def test_an_inserted_row_shifts_the_others_without_changing_them(original, tmp_path):
    def edit(book):
        ws = book[INST]
        ws.insert_rows(4)
        for col, value in enumerate(["10.01.2026", "Семинар", "2.1", "Вставленная строка", 7], start=1):
            ws.cell(4, col, value)
    ch, before, after = changes_of(original, tmp_path, edit)
    c = ch.of(INST)
    assert [(r.kind, r.new_row) for r in c.added] == [("added", 4)] and not c.changed and not c.removed
    assert "Вставленная строка" in c.added[0].new_text
    # the errors moved one row down (A20 → A21 …) but are the same errors: neither fixed nor new
    assert not c.fixed and not c.new
    assert c.issues_before == c.issues_after > 0
    assert c.summary == "добавлена 1 строка"
    assert [x.institution for x in ch.centres if x.any] == [INST]


def test_fixed_errors_count_as_fixed_and_the_rows_as_added(original, tmp_path):
    def edit(book):
        ws = book[INST]
        ws["A20"] = "28.02.2026"           # was «31.02.2026»
        ws["B21"] = "Консультация"          # was «Танцы»
        ws.insert_rows(5)                   # and everything below moves
        ws["A5"], ws["B5"], ws["D5"] = "11.01.2026", "Буклет", "Новый буклет"
    ch, before, after = changes_of(original, tmp_path, edit)
    c = ch.of(INST)
    old = before.issues[before.issues["institution"] == INST]
    assert c.issues_before == len(old) == 4                  # three errors and the formula's warning
    assert sorted(i.cell for i in c.fixed) == ["A20", "B21"] and not c.new
    assert {r.new_row for r in c.added} == {5, 21, 22}        # the new row and the two rows now loaded
    assert c.progress == "исправлено 2 из 4 замечаний"
    assert c.summary == "исправлено 2 из 4 замечаний · добавлено 3 строки"
    table = ch.table()
    row = table[table["Учреждение"] == INST].iloc[0]
    assert (row["Добавлено строк"], row["Исправлено замечаний"], row["Новых замечаний"], row["Замечаний сейчас"]) == \
        (3, 2, 0, 2)


def test_changed_removed_rows_and_new_issues(original, tmp_path):
    name = "Бабаевский"
    wb = load_workbook(original)
    rows = wb.activities[wb.activities["institution"] == name].sort_values("row")
    first, second = int(rows["row"].iloc[0]), int(rows["row"].iloc[1])

    def edit(book):
        ws = book[name]
        ws.cell(first, 4, "Тема исправлена")                  # changed in place
        ws.cell(second, 1, "32.13.2026")                       # now an error: the row is no longer loaded
        ws.delete_rows(int(rows["row"].iloc[-1]))               # the last row removed
    ch, before, after = changes_of(original, tmp_path, edit)
    c = ch.of(name)
    assert [(r.old_row, r.new_row) for r in c.changed] == [(first, first)]
    assert c.changed[0].new_text.endswith("«Тема исправлена»") and c.changed[0].old_text != c.changed[0].new_text
    assert {r.old_row for r in c.removed} == {second, int(rows["row"].iloc[-1])}
    assert [i.cell for i in c.new] == [f"A{second}"] and not c.fixed
    assert c.summary == "1 новое замечание · изменена 1 строка · удалено 2 строки"


def test_monitoring_filled_is_counted(original, tmp_path):
    name = "Бабушкинский"                 # left quarter II blank
    filled = []

    def edit(book):
        ws = book[name]
        for row in ws.iter_rows():
            if isinstance(row[0].value, str) and row[0].value.startswith("Граждане") and row[2].value is None:
                row[2].value = 0               # 0 is a value: the cell is filled now
                filled.append(row[2].coordinate)
    ch, _, _ = changes_of(original, tmp_path, edit)
    c = ch.of(name)
    assert len(filled) == 4 and c.filled_after - c.filled_before == 4
    assert c.summary == "заполнено ячеек мониторинга: +4"


@pytest.mark.parametrize("before, fixed, text", [
    (1, 1, "исправлено 1 из 1 замечания"), (2, 1, "исправлено 1 из 2 замечаний"),
    (7, 5, "исправлено 5 из 7 замечаний"), (21, 20, "исправлено 20 из 21 замечания"),
])
def test_russian_plurals_of_progress(before, fixed, text):
    c = changes.CentreChanges("x", issues_before=before,
                              fixed=[changes.IssueKey("error", "t", f"A{i}", "m", "x") for i in range(fixed)])
    assert c.progress == text
    issue = changes.IssueKey("error", "t", "A1", "m", "x")
    assert changes.CentreChanges("x", new=[issue] * 2).summary == "2 новых замечания"
    assert changes.CentreChanges("x", new=[issue]).summary == "1 новое замечание"
    assert changes.CentreChanges("x", new=[issue] * 5).summary == "5 новых замечаний"


# --------------------------------------------------------------------------- the store


def test_history_keeps_different_versions_only_and_is_bounded(original, tmp_path):
    d = digest(load_workbook(original))
    history = ReadHistory()
    assert history.add(d) and not history.add(digest(load_workbook(original)))   # the same data: nothing
    for i in range(MAX_VERSIONS + 2):
        other = changes.Digest(d.read_at, d.label, f"fp{i}", {}, [], {}, [])
        assert history.add(other)
    assert len(history.versions) == MAX_VERSIONS and history.versions[-1].fingerprint == f"fp{MAX_VERSIONS + 1}"
    assert [v.fingerprint for v in history.earlier_than(history.versions[-1])][:2] == \
        [f"fp{MAX_VERSIONS}", f"fp{MAX_VERSIONS - 1}"]


def test_record_read_round_trip_on_disk(original, tmp_path):
    spec = str(original)
    wb = load_workbook(original)
    history = record_read(spec, wb, tmp_path)
    path = history_path(spec, tmp_path)
    assert path.exists() and len(history.versions) == 1
    assert path.parent == tmp_path and str(original.name) not in path.name        # the name is a hash
    stamp = path.stat().st_mtime_ns
    record_read(spec, load_workbook(original), tmp_path)                           # same data: no write
    assert path.stat().st_mtime_ns == stamp
    loaded = load_history(spec, tmp_path)
    assert loaded.versions[0].fingerprint == history.versions[0].fingerprint
    again = compare(loaded.versions[0], digest(wb))
    assert not any(c.any for c in again.centres)                                              # JSON keeps everything
    payload = json.loads(gzip.decompress(path.read_bytes()))
    assert payload["format"] == changes.FORMAT_VERSION and payload["spec"] == spec
    assert "private_key" not in path.read_bytes().decode("latin-1")
    assert load_history("another source", tmp_path).versions == []                 # another spec: nothing
    path.write_bytes(b"not gzip")
    assert load_history(spec, tmp_path).versions == []                             # unreadable: empty, no error


def test_the_folder_keeps_a_bounded_number_of_sources(original, tmp_path):
    wb = load_workbook(original)
    for i in range(MAX_SOURCES + 3):
        record_read(f"source-{i}", wb, tmp_path)
        os.utime(history_path(f"source-{i}", tmp_path), ns=(i * 10**9, i * 10**9))
    kept = list(tmp_path.glob("*.reads.json.gz"))
    assert len(kept) == MAX_SOURCES
    assert history_path(f"source-{MAX_SOURCES + 2}", tmp_path).exists()
    assert not history_path("source-0", tmp_path).exists()
