"""The one data model: what a loaded workbook is, shared by the app, the CLI, the report and tests.

Tables are pandas DataFrames with fixed columns (listed below, created empty when there is no data),
so every consumer can rely on them without checking.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import pandas as pd

from lib.model.contract import DEFAULT_MONITORING_INDICATORS, MonitoringIndicator

if TYPE_CHECKING:                   # the model does not depend on where data comes from
    from lib.sources.base import SourceInfo

ERROR = "error"
WARNING = "warning"
SEVERITY_RU = {ERROR: "ошибка", WARNING: "предупреждение"}
T = TypeVar("T")

# `code`: the rule that raised the issue (`lib.validate.rules`: its title, severity and message template)
ISSUE_COLUMNS = ["severity", "tab", "cell", "message", "institution", "row", "code"]
ACTIVITY_COLUMNS = ["institution", "date", "year", "quarter", "type", "type_raw", "plan_item", "topic",
                    "participants", "specialists", "institutions_count", "link", "note", "tab", "row"]
MONITORING_COLUMNS = ["institution", "indicator", "quarter", "value", "tab", "cell"]
PLAN_COLUMNS = ["item", "section", "title", "deadline_text", "mechanism", "expected_result", "responsible",
                "indicator", "count_what", "target", "target_period", "checkpoints", "deadline_parsed",
                "deadline_problem", "row"]
INSTITUTION_COLUMNS = ["institution", "full_name", "district", "responsible", "contacts", "tab", "listed", "row"]
CRITERIA_COLUMNS = ["criterion", "kind", "indicator", "source", "row"]
# «мероприятий не было» rows (lib.validate.no_activities): the quarter a centre marked as having had no activities
NO_ACTIVITY_COLUMNS = ["institution", "year", "quarter", "tab", "cell", "row"]


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass
class Settings:
    omp_name: str = ""
    topic: str = ""
    year: int | None = None
    base_institution: str = ""
    approve_position: str = ""
    approve_name: str = ""
    agree_position: str = ""
    agree_name: str = ""
    authority: str = "Министерства"       # the body in the genitive, as criteria titles name it («Департамента»)
    title_with_base: str = "нет"         # «да»: the report title adds «на базе <Базовое учреждение>»


@dataclass
class RowAccounting:
    """Every non-empty data row of every Мероприятия block is either loaded or rejected."""
    rows_total: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0

    def add(self, total: int, loaded: int) -> None:
        self.rows_total += total
        self.rows_loaded += loaded
        self.rows_rejected += total - loaded


@dataclass
class Workbook:
    source: SourceInfo
    settings: Settings
    institutions: pd.DataFrame
    plan: pd.DataFrame
    activities: pd.DataFrame
    monitoring: pd.DataFrame
    criteria: pd.DataFrame | None          # None: the workbook has no Критерии tab, use the default
    indicators: tuple[MonitoringIndicator, ...] = DEFAULT_MONITORING_INDICATORS
    issues: pd.DataFrame = field(default_factory=lambda: empty_frame(ISSUE_COLUMNS))
    accounting: RowAccounting = field(default_factory=RowAccounting)
    tab_gids: dict[str, int] = field(default_factory=dict)
    tab_summary: pd.DataFrame | None = None   # per institution tab: rows total / loaded / rejected, blocks found
    no_activity_marks: pd.DataFrame = field(default_factory=lambda: empty_frame(NO_ACTIVITY_COLUMNS))

    @property
    def year(self) -> int:
        """The plan year: from Настройки, else the most common activity year, else the read date's."""
        if self.settings.year:
            return self.settings.year
        if len(self.activities):
            return int(self.activities["year"].mode().iloc[0])
        return self.source.read_at.year

    @property
    def institution_names(self) -> list[str]:
        return list(self.institutions["institution"])

    def kept(self, name: str, inputs: tuple, build: Callable[[], T]) -> T:
        """A value derived from some parts of this workbook (`inputs`), built on first use and kept on
        it while those parts are the same objects — a part replaced (not changed in place) builds it
        again. For what every page and report of a loaded workbook asks for again: the activity index,
        the resolved criteria."""
        memo = self.__dict__.setdefault("_kept", {})
        found = memo.get(name)
        if found is None or len(found[0]) != len(inputs) or any(a is not b for a, b in zip(found[0], inputs)):
            found = memo[name] = (inputs, build())
        return found[1]

    @property
    def error_count(self) -> int:
        return int((self.issues["severity"] == ERROR).sum())

    def cell_url(self, tab: str, cell: str) -> str | None:
        return self.source.cell_url(self.tab_gids.get(tab), cell) if cell else None
