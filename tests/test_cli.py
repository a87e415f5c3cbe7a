"""The CLI as admins and checks run it: a real subprocess, real files, JSON read back."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.workbook_builder import ACTIVITY_HEADER, write_workbook

ROOT = Path(__file__).resolve().parent.parent
A, B = "КЦСОН Бабаевского района", "КЦСОН Вожегодского района"


def run_cli(*args):
    proc = subprocess.run([sys.executable, "-m", "lib.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def workbook(tmp_path):
    return write_workbook(tmp_path / "omp.xlsx", institutions={
        A: [ACTIVITY_HEADER,
            [date(2026, 1, 16), "консультация", "1.3", "a", 5],
            ["20.03.2026", "Семинар-практикум", "2.2", "b", 23],
            ["15.04.2026", "консультирование", "1.3", "c"],
            ["31.02.2026", "буклет", "2.4", "bad date"]],
        B: [ACTIVITY_HEADER,
            ["10.02.2026", "консультация", "п. 1.3", "d"],
            ["11.02.2026", "вебинар", "2.2", "e"],
            ["05.07.2026", "буклет", "2.4.", "f"]]})


def test_validate_json_accounting_and_exit_code(workbook):
    proc = run_cli("validate", workbook, "--json")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert (out["rows_total"], out["rows_loaded"], out["rows_rejected"]) == (7, 6, 1)
    errors = [i for i in out["issues"] if i["severity"] == "error"]
    assert errors == [{"severity": "error", "tab": A, "cell": "A5",
                       "message": "Дата «31.02.2026» не существует — строка не учтена", "code": "date.invalid"}]
    assert set(out["issues"][0]) == {"severity", "tab", "cell", "message", "code"}


def test_validate_json_gives_every_issue_the_code_of_its_rule(tmp_path):
    from lib.validate.rules import RULES
    path = write_workbook(tmp_path / "codes.xlsx", institutions={A: [
        ACTIVITY_HEADER, ["15 марта", "семинар", "9.9", "x", "более 30", 40], ["01.02.2026", "танцы"]]})
    issues = json.loads(run_cli("validate", path, "--json").stdout)["issues"]
    assert all(i["code"] in RULES and RULES[i["code"]].severity == i["severity"] for i in issues)
    at = {(i["cell"], i["code"]) for i in issues if i["tab"] == A}
    assert {("A2", "date.no_year"), ("E2", "count.approximate"), ("C2", "plan_ref.unknown"),
            ("F2", "specialists.over_participants"), ("B3", "type.unknown")} <= at


def test_validate_text_output_and_clean_workbook_exit_zero(tmp_path):
    path = write_workbook(tmp_path / "ok.xlsx", institutions={A: [ACTIVITY_HEADER, ["01.02.2026", "семинар", "2.2", "x"]]})
    proc = run_cli("validate", path)
    assert proc.returncode == 0, proc.stdout
    assert "загружено: 1" in proc.stdout


@pytest.mark.parametrize("period, institutions, expected", [
    ("2026-Q1", [], {"консультация": 2, "семинар": 2, "буклет": 0}),
    ("2026-Q2", [], {"консультация": 1, "семинар": 0}),
    ("2026-H1", [A], {"консультация": 2, "семинар": 1}),
    ("2026-9M", [B], {"консультация": 1, "семинар": 1, "буклет": 1}),
    ("2026", [A, B], {"консультация": 3, "семинар": 2, "буклет": 1}),
])
def test_counts(workbook, period, institutions, expected):
    args = ["counts", workbook, "--period", period, "--json"]
    for name in institutions:
        args += ["--institution", name]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout)
    for key, value in expected.items():
        assert counts[key] == value, (key, counts)
    assert sum(counts.values()) == sum(counts[k] for k in counts)


def test_counts_rejects_unknown_period_and_institution(workbook):
    proc = run_cli("counts", workbook, "--period", "2026-Q5")
    assert proc.returncode == 2 and "Период «2026-Q5» не распознан" in proc.stderr
    proc = run_cli("counts", workbook, "--period", "2026", "--institution", "Нет такого")
    assert proc.returncode == 2 and "Нет такого учреждения" in proc.stderr


def test_plan_json_on_a_date(workbook):
    proc = run_cli("plan", workbook, "--as-of", "2026-04-01", "--json")
    assert proc.returncode == 0, proc.stderr
    items = {r["item"]: r for r in json.loads(proc.stdout)}
    assert items["2.2"]["checkpoints"] == ["2026-03-20", "2026-07-15", "2026-09-18"]
    assert items["2.2"]["target"] == 3 and items["2.2"]["actual"] == 2 and items["2.2"]["status"] == "в работе"
    assert items["1.3"]["actual"] == 2 and items["1.3"]["status"] == "просрочено"    # 10 were due by 31.03
    assert items["3.3"]["status"] == "не начато" and items["3.3"]["parsed"] is True
    late = {r["item"]: r for r in json.loads(run_cli("plan", workbook, "--as-of", "2027-01-10", "--json").stdout)}
    assert late["3.3"]["status"] == "просрочено"


@pytest.mark.parametrize("make, phrase", [
    (lambda p: p / "missing.xlsx", "не найден"),
    (lambda p: (p / "notes.xlsx").write_text("hello") and p / "notes.xlsx", "не является книгой Excel"),
    (lambda p: (p / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) and p / "old.xls", ".xls"),
    (lambda p: (p / "broken.xlsx").write_bytes(b"PK\x03\x04garbage") and p / "broken.xlsx", "повреждён"),
])
def test_unreadable_sources_exit_2_with_a_russian_message(tmp_path, make, phrase):
    for command in (["validate"], ["counts", "--period", "2026"], ["plan"]):
        proc = run_cli(command[0], make(tmp_path), *command[1:])
        assert proc.returncode == 2
        assert phrase in proc.stderr, proc.stderr


def test_output_cut_short_by_the_reader_is_no_error():
    """`… validate demo.xlsx | head -1`: the reader goes away; the command stops without a message."""
    demo = ROOT / "sample_data" / "omp_2026_demo.xlsx"
    proc = subprocess.Popen([sys.executable, "-m", "lib.cli", "validate", str(demo)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline()                   # the first line, then the pipe is closed
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and err.decode() == ""


def test_template_command_writes_a_loadable_template(tmp_path):
    out = tmp_path / "шаблон.xlsx"
    proc = run_cli("template", "-o", out)
    assert proc.returncode == 0, proc.stderr
    validate = json.loads(run_cli("validate", out, "--json").stdout)
    assert validate["rows_total"] == 0
    assert not [i for i in validate["issues"] if i["severity"] == "error"]
