"""Command line for admins and checks: `python -m lib.cli validate|annotate|counts|plan|template|import-plan|report|summary …`.

SOURCE is an `.xlsx` path or `gsheet:<spreadsheet key>`. Exit codes: 0 fine, 1 the data has errors
(validate only), 2 the source cannot be read or the arguments are wrong — always with a Russian
message, never a traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from datetime import date
from pathlib import Path

from lib.loader import load_workbook
from lib.metrics.counts import counts_by_type, issue_counts
from lib.metrics.selection import Selection, select_rows
from lib.model.workbook import ERROR, SEVERITY_RU, WARNING, Workbook
from lib.model.periods import CODES_HINT, Period
from lib.metrics.plan_status import plan_status
from lib.russian import format_date_numeric, format_dates_numeric
from lib.sources import SourceError


class CliError(Exception):
    """A user mistake: printed in Russian, exit code 2."""


def _load(spec: str) -> Workbook:
    with _native_stderr_silenced():
        return load_workbook(spec)


@contextlib.contextmanager
def _native_stderr_silenced():
    """While a workbook is read, what native code writes to stderr (python-calamine's Rust panic
    messages for a cell it cannot convert — the cell is reported in Russian instead) is dropped;
    OMP_DEBUG=1 keeps it for a developer."""
    if os.environ.get("OMP_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _print_json(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _period(code: str) -> Period:
    try:
        return Period.parse(code)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _check_institutions(wb: Workbook, names: list[str]) -> list[str]:
    known = set(wb.institution_names)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CliError("Нет такого учреждения: " + ", ".join(f"«{n}»" for n in unknown) +
                       ". Учреждения в книге: " + ", ".join(wb.institution_names))
    return names


def cmd_validate(args) -> int:
    wb = _load(args.source)
    issues = wb.issues
    counted = issue_counts(wb)
    if args.json:
        _print_json({
            "rows_total": wb.accounting.rows_total, "rows_loaded": wb.accounting.rows_loaded,
            "rows_rejected": wb.accounting.rows_rejected,
            "issues": [{"severity": i.severity, "tab": i.tab, "cell": i.cell, "message": i.message, "code": i.code}
                       for i in issues.itertuples()]})
    else:
        acc = wb.accounting
        print(f"Источник: {wb.source.label}")
        print(f"Строк мероприятий: {acc.rows_total}, загружено: {acc.rows_loaded}, не загружено: {acc.rows_rejected}")
        for i in issues.itertuples():
            where = f"«{i.tab}»" + (f"!{i.cell}" if i.cell else "")
            print(f"[{SEVERITY_RU[i.severity]}] {where}: {i.message}")
        print(f"Ошибок: {counted[ERROR]}, предупреждений: {counted[WARNING]}")
    return 1 if counted[ERROR] else 0


def cmd_annotate(args) -> int:
    """Marks on the problem cells: a copy of an Excel workbook (-o), or the Google Sheet itself."""
    from lib.sources import GSHEET_PREFIX
    if args.source.startswith(GSHEET_PREFIX):
        if args.output:
            raise CliError("Для Google Таблицы файл -o не нужен: замечания отмечаются в самой таблице")
        from lib.export.gsheet_marks import mark_gsheet
        wb = _load(args.source)
        result = mark_gsheet(wb, list_tab=not args.no_list)
        print(f"Google Таблица «{wb.source.label}»: {result.text}")
        if result.list_url:
            print(f"Список замечаний: {result.list_url}")
    else:
        if not args.output:
            raise CliError("Укажите, куда сохранить книгу с отметками: -o КНИГА.xlsx")
        from lib.export.annotate import annotate_source, planned_output
        source = Path(args.source)
        out = Path(args.output)

        def check_suffix(file_name: str) -> None:
            wanted = Path(file_name).suffix
            if out.suffix.lower() != wanted:
                raise CliError(f"Сохраните результат в файл с расширением {wanted}"
                               + (" — в книге есть макросы" if wanted == ".xlsm" else "") +
                               f": например, -o «{out.with_suffix(wanted).name}»")

        if source.is_file():
            check_suffix(planned_output(source)[0])    # before the work, from the file's parts
        done, wb = annotate_source(source, checked_on=date.today(), list_tab=not args.no_list)
        check_suffix(done.file_name)                   # a loss only openpyxl noticed gives the list
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_bytes(done.data)
        os.replace(tmp, out)               # even -o the source itself: replaced whole, never half-written
        if done.complete:
            print(f"Книга с отметками сохранена: {out} (отмечено ячеек: {done.marked}, снято прежних отметок: "
                  f"{done.cleared}" + (f", замечаний в списке: {done.listed}" if done.listed else "") + ")")
        else:
            print(f"Список замечаний сохранён: {out}")
            print(done.reason, file=sys.stderr)
        for notice in done.notices:
            print(notice, file=sys.stderr)
    errors = wb.error_count
    print(f"Ошибок: {errors}, предупреждений: {len(wb.issues) - errors}")
    return 1 if errors else 0


def cmd_counts(args) -> int:
    wb = _load(args.source)
    period = _period(args.period)
    chosen = _check_institutions(wb, args.institution or [])
    counts = counts_by_type(select_rows(wb, Selection(period, tuple(chosen))))
    if args.json:
        _print_json(counts)
    else:
        print(f"{period.label}" + (f", {', '.join(chosen)}" if chosen else ", все учреждения"))
        for name, n in counts.items():
            print(f"  {name}: {n}")
    return 0


def cmd_plan(args) -> int:
    wb = _load(args.source)
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    except ValueError:
        raise CliError(f"Дата «{args.as_of}» не распознана: укажите её в виде ГГГГ-ММ-ДД") from None
    status = plan_status(wb, as_of)
    records = [{
        "item": s.item, "title": s.title, "deadline_text": s.deadline_text,
        "checkpoints": [d.isoformat() for d in s.checkpoints], "parsed": bool(s.parsed),
        "target": None if s.target is None or s.target != s.target else int(s.target),
        "target_period": s.target_period, "required_total": int(s.required_total),
        "required_due": int(s.required_due), "actual": int(s.actual), "status": s.status}
        for s in status.itertuples()]
    if args.json:
        _print_json(records)
    else:
        print(f"Выполнение плана на {format_date_numeric(as_of)}")
        for r in records:
            due = format_dates_numeric(date.fromisoformat(d) for d in r["checkpoints"]) or "срок не распознан"
            print(f"  {r['item']:>5}  {r['status']:<10}  факт {r['actual']} из {r['required_total']}  (сроки: {due})")
    return 0


def _import_plan(path: str, year: int | None):
    """The plan of a Word file, its warnings printed to stderr."""
    from lib.sources.word_plan import PlanImportError, import_plan_docx
    try:
        plan = import_plan_docx(path, year=year)
    except PlanImportError as exc:
        raise CliError(str(exc)) from None
    for warning in plan.warnings:
        print(f"[предупреждение] {warning}", file=sys.stderr)
    return plan


def cmd_template(args) -> int:
    from lib.export.template import write_template
    plan = _import_plan(args.plan, args.year) if args.plan else None
    out = write_template(Path(args.output), year=plan.year if plan else args.year,
                         plan=plan.template_plan() if plan else None)
    print(f"Шаблон сохранён: {out}" + (f" (план из «{plan.file_name}»: {plan.summary})" if plan else ""))
    return 0


def cmd_import_plan(args) -> int:
    from lib.sources.word_plan import UNPARSED_DEADLINE
    from lib.export.template import plan_workbook_bytes
    plan = _import_plan(args.plan, args.year)
    if args.output:
        out = Path(args.output)
        out.write_bytes(plan_workbook_bytes(plan=plan.template_plan()))
        print(f"Вкладка «План» сохранена: {out}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        _print_json(plan.json_records())
        return 0
    print(f"{plan.file_name}: {plan.summary}")
    for i in plan.items:
        due = format_dates_numeric(i.checkpoints) if i.deadline_parsed else UNPARSED_DEADLINE
        print(f"  {i.item:>6}  {due} · {i.target_text} · {i.indicator or 'вид не определён'}")
    return 0


def cmd_report(args) -> int:
    from lib.report.docx import report_docx_bytes
    from lib.report.draft import build_report
    wb = _load(args.source)
    period = _period(args.period)
    chosen = _check_institutions(wb, args.institution or [])
    report = build_report(wb, period, chosen)
    out = Path(args.output)
    out.write_bytes(report_docx_bytes(report, wb.settings))
    for problem in report.problems:
        print(f"[предупреждение] {problem.text}", file=sys.stderr)
    empty = sum(1 for i in report.indicators() if not i.has_data)
    print(f"Отчет {period.in_title} сохранён: {out} (показателей: {len(report.indicators())}, "
          f"без данных: {empty})")
    return 0


def cmd_summary(args) -> int:
    from lib.export.summary import summary_xlsx_bytes
    wb = _load(args.source)
    period = _period(args.period)
    chosen = _check_institutions(wb, args.institution or [])
    out = Path(args.output)
    out.write_bytes(summary_xlsx_bytes(wb, period, chosen))
    print(f"Сводка за {period.label} сохранена: {out}")
    return 0


def cmd_hash_password(args) -> int:
    """A bcrypt hash of a password for [auth.users.<login>] in .streamlit/secrets.toml."""
    import getpass
    import re as _re

    from lib.auth import ROLES, hash_password
    if args.role is not None and args.role not in ROLES:
        raise CliError(f"Роль «{args.role}» неизвестна: укажите {', '.join(ROLES)}")
    if args.role == "institution" and not args.institution:
        raise CliError("Для роли institution укажите --institution \"<краткое название учреждения>\"")
    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Пароль: ")
        if getpass.getpass("Ещё раз: ") != password:
            raise CliError("Пароли не совпадают")
    try:
        hashed = hash_password(password, rounds=args.rounds)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    login = args.login.strip()
    key = login if _re.fullmatch(r"[A-Za-z0-9_-]+", login) else json.dumps(login, ensure_ascii=False)
    print(hashed)
    print()
    print("# Добавьте в .streamlit/secrets.toml:")
    print(f"[auth.users.{key}]")
    print(f'password_hash = "{hashed}"')
    if args.role is None:
        print('role = "director"        # director | coordinator | institution')
        print('# institution = "…"      # для роли institution: краткое название учреждения (имя вкладки)')
    else:
        print(f'role = "{args.role}"')
    if args.role == "institution":
        print(f"institution = {json.dumps(args.institution.strip(), ensure_ascii=False)}")
    if args.name:
        print(f"name = {json.dumps(args.name.strip(), ensure_ascii=False)}")
    return 0


def _add_source_and_scope(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="путь к .xlsx или gsheet:<ключ таблицы>")
    p.add_argument("--period", required=True, help=CODES_HINT)
    p.add_argument("--institution", action="append", help="учреждение (можно несколько раз)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib.cli", description="Панель ОМП: проверка и выгрузки")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="проверить книгу и вывести замечания")
    p.add_argument("source", help="путь к .xlsx или gsheet:<ключ таблицы>")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("annotate", help="отметить замечания: копия книги с примечаниями (-o) или сама Google Таблица")
    p.add_argument("source", help="путь к книге или gsheet:<ключ таблицы>")
    p.add_argument("-o", "--output", help="куда сохранить книгу с отметками (.xlsx, для книги с макросами .xlsm)")
    p.add_argument("--no-list", action="store_true", help="без вкладки «Проверка ОМП» со списком замечаний")
    p.set_defaults(func=cmd_annotate)

    p = sub.add_parser("counts", help="число мероприятий по видам за период")
    _add_source_and_scope(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_counts)

    p = sub.add_parser("plan", help="статус пунктов плана на дату")
    p.add_argument("source")
    p.add_argument("--as-of", help="дата ГГГГ-ММ-ДД (по умолчанию сегодня)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("report", help="отчет ОМП по критериям за период (.docx)")
    _add_source_and_scope(p)
    p.add_argument("-o", "--output", required=True, help="файл .docx")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("summary", help="сводная таблица за период (.xlsx)")
    _add_source_and_scope(p)
    p.add_argument("-o", "--output", required=True, help="файл .xlsx")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("template", help="создать шаблон книги для учреждений")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--year", type=int, default=None)
    p.add_argument("--plan", help="утверждённый план работы (.docx): его таблица станет вкладкой «План»")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import-plan", help="прочитать план работы из файла Word (.docx)")
    p.add_argument("plan", help="файл плана .docx")
    p.add_argument("--json", action="store_true", help="пункты плана в JSON (контрольные даты — ГГГГ-ММ-ДД)")
    p.add_argument("-o", "--output", help="записать книгу .xlsx с вкладками «Настройки» и «План»")
    p.add_argument("--year", type=int, default=None, help="год плана (по умолчанию — из заголовка документа)")
    p.set_defaults(func=cmd_import_plan)
    p = sub.add_parser("hash-password", help="bcrypt-хэш пароля для входа (.streamlit/secrets.toml)")
    p.add_argument("--stdin", action="store_true", help="прочитать пароль из первой строки stdin (для скриптов)")
    p.add_argument("--login", default="login", help="логин для готового фрагмента TOML")
    p.add_argument("--role", help="director, coordinator или institution")
    p.add_argument("--institution", help="краткое название учреждения (для роли institution)")
    p.add_argument("--name", help="имя пользователя (необязательно)")
    p.add_argument("--rounds", type=int, default=12, choices=range(10, 16), metavar="10..15",
                   help="стоимость bcrypt (по умолчанию 12)")
    p.set_defaults(func=cmd_hash_password)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:     # argparse already printed its usage message
        return 2 if exc.code else 0
    try:
        return args.func(args)
    except SourceError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:       # the reader of the output has gone (`… | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"Ошибка: не удалось записать или прочитать файл: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for the user; OMP_DEBUG=1 shows it to a developer
        if os.environ.get("OMP_DEBUG"):
            raise
        print(f"Непредвиденная ошибка ({type(exc).__name__}: {exc}). Сообщите разработчикам; "
              "подробности — с переменной окружения OMP_DEBUG=1.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:       # the reader of the output has gone (`… | head`)
        pass
    # Everything is written and closed: skip the interpreter's teardown (freeing a workbook's hundreds of
    # thousands of objects one by one costs a tenth of a second after the answer is out).
    os._exit(code)
