"""Reporting periods (quarter, half-year, 9 months, year) and the one table of period kinds with every
Russian name of each kind: the selector's, the screen's, the report title's and the file name's.

Codes: `2026-Q1`…`2026-Q4`, `2026-H1`, `2026-H2`, `2026-9M`, `2026`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lib.model.deadlines import quarter_end

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class PeriodKind:
    """One kind of reporting period; `{year}` in the forms is filled with the period's year."""
    code: str             # the selector's code and a period code's suffix: Q1…Q4, H1, H2, 9M, Y
    first_quarter: int
    last_quarter: int
    name: str             # in the period selector: «I квартал», «1 полугодие», «9 месяцев», «Год»
    label: str            # on screen, in the CLI and the summary: «I квартал {year}», «{year} год»
    in_title: str         # in the report title: «в 1 квартале {year} года», «за 1 полугодие {year} года»
    file_suffix: str      # in file names: «1кв», «1пг», «9мес», «год»
    selectable: bool      # offered by the period selector

    def period_code(self, year: int) -> str:
        """`2026-Q1`, `2026-H1`, `2026-9M`; the whole year is just `2026`."""
        return str(year) if self.code == "Y" else f"{year}-{self.code}"


PERIOD_KINDS: tuple[PeriodKind, ...] = (
    *(PeriodKind(f"Q{q}", q, q, f"{ROMAN[q]} квартал", f"{ROMAN[q]} квартал {{year}}",
                 f"в {q} квартале {{year}} года", f"{q}кв", True) for q in ROMAN),
    PeriodKind("H1", 1, 2, "1 полугодие", "1 полугодие {year}", "за 1 полугодие {year} года", "1пг", True),
    PeriodKind("H2", 3, 4, "2 полугодие", "2 полугодие {year}", "за 2 полугодие {year} года", "2пг", False),
    PeriodKind("9M", 1, 3, "9 месяцев", "9 месяцев {year}", "за 9 месяцев {year} года", "9мес", True),
    PeriodKind("Y", 1, 4, "Год", "{year} год", "за {year} год", "год", True),
)
KIND_BY_CODE: dict[str, PeriodKind] = {k.code: k for k in PERIOD_KINDS}
SELECTABLE_KINDS: dict[str, PeriodKind] = {k.code: k for k in PERIOD_KINDS if k.selectable}
_KIND_BY_SPAN: dict[tuple[int, int], PeriodKind] = {(k.first_quarter, k.last_quarter): k for k in PERIOD_KINDS}


def _codes_hint(year: int) -> str:
    """How the selectable periods' codes are typed: «2026-Q1…2026-Q4, 2026-H1, 2026-9M или 2026»."""
    quarters = [k.period_code(year) for k in SELECTABLE_KINDS.values() if k.first_quarter == k.last_quarter]
    spans = [k.period_code(year) for k in SELECTABLE_KINDS.values() if k.first_quarter != k.last_quarter]
    return f"{quarters[0]}…{quarters[-1]}, " + ", ".join(spans[:-1]) + f" или {spans[-1]}"


CODES_HINT = _codes_hint(2026)       # for the CLI's help and the parse error
_CODE = re.compile(r"^\s*(\d{4})(?:-(" + "|".join(k.code for k in PERIOD_KINDS if k.code != "Y") + r"))?\s*$",
                   re.IGNORECASE)


def quarter_name(q: int) -> str:
    """3 → «III квартал»."""
    return KIND_BY_CODE[f"Q{int(q)}"].name


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_quarter: int
    last_quarter: int

    @classmethod
    def parse(cls, code: str) -> "Period":
        """`2026-Q1`, `2026-H1`, `2026-9M`, `2026` → Period. ValueError with a Russian message otherwise."""
        m = _CODE.match(str(code))
        if not m:
            raise ValueError(f"Период «{code}» не распознан: используйте {CODES_HINT}")
        return cls.of_kind(int(m[1]), (m[2] or "Y").upper())

    @classmethod
    def of_kind(cls, year: int, code: str) -> "Period":
        """The period of a kind (`PERIOD_KINDS` code: Q1…Q4, H1, H2, 9M, Y) in `year`."""
        kind = KIND_BY_CODE[code]
        return cls(year, kind.first_quarter, kind.last_quarter)

    @classmethod
    def quarter(cls, year: int, q: int) -> "Period":
        return cls(year, q, q)

    @property
    def kind(self) -> PeriodKind | None:
        """The period's kind; None for a span no kind names (e.g. II–III quarters)."""
        return _KIND_BY_SPAN.get((self.first_quarter, self.last_quarter))

    @property
    def code(self) -> str:
        kind = self.kind
        return kind.period_code(self.year) if kind else f"{self.year}-Q{self.first_quarter}-Q{self.last_quarter}"

    @property
    def quarters(self) -> tuple[int, ...]:
        return tuple(range(self.first_quarter, self.last_quarter + 1))

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.first_quarter - 2, 1)

    @property
    def end(self) -> date:
        return quarter_end(self.year, self.last_quarter)

    @property
    def months(self) -> int:
        return 3 * len(self.quarters)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> "Period":
        """What a period is compared with: the previous quarter for a quarter (Q1 → Q4 of last year),
        the same span of the previous year for a half-year, 9 months or year."""
        n = len(self.quarters)
        if self.first_quarter > n or (n == 1 and self.first_quarter > 1):
            return Period(self.year, self.first_quarter - n, self.last_quarter - n)
        if n == 1:
            return Period(self.year - 1, 4, 4)
        return Period(self.year - 1, self.first_quarter, self.last_quarter)

    @property
    def label(self) -> str:
        """As shown on screen: «I квартал 2026», «1 полугодие 2026», «9 месяцев 2026», «2026 год»."""
        kind = self.kind
        if kind:
            return kind.label.format(year=self.year)
        return f"{ROMAN[self.first_quarter]}–{ROMAN[self.last_quarter]} кварталы {self.year}"

    @property
    def in_title(self) -> str:
        """As the report title says it: «в 1 квартале 2026 года», «за 1 полугодие 2026 года», «за 2026 год»."""
        kind = self.kind
        return kind.in_title.format(year=self.year) if kind else f"за {self.label}"

    @property
    def file_suffix(self) -> str:
        """For file names: 1кв, 1пг, 9мес, год."""
        kind = self.kind
        return kind.file_suffix if kind else f"{self.first_quarter}-{self.last_quarter}кв"


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1
