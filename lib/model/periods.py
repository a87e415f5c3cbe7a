"""Reporting periods (quarter, half-year, 9 months, year) and their Russian names.

Codes: `2026-Q1`…`2026-Q4`, `2026-H1`, `2026-9M`, `2026`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lib.model.deadlines import quarter_end

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_CODE = re.compile(r"^\s*(\d{4})(?:-(Q[1-4]|H1|H2|9M))?\s*$", re.IGNORECASE)


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
            raise ValueError(f"Период «{code}» не распознан: используйте 2026-Q1…2026-Q4, 2026-H1, 2026-9M или 2026")
        year, part = int(m[1]), (m[2] or "").upper()
        if part.startswith("Q"):
            q = int(part[1])
            return cls(year, q, q)
        return cls(year, *{"H1": (1, 2), "H2": (3, 4), "9M": (1, 3), "": (1, 4)}[part])

    @classmethod
    def quarter(cls, year: int, q: int) -> "Period":
        return cls(year, q, q)

    @property
    def code(self) -> str:
        if self.is_quarter:
            return f"{self.year}-Q{self.first_quarter}"
        return {(1, 2): f"{self.year}-H1", (3, 4): f"{self.year}-H2", (1, 3): f"{self.year}-9M",
                (1, 4): str(self.year)}.get((self.first_quarter, self.last_quarter),
                                             f"{self.year}-Q{self.first_quarter}-Q{self.last_quarter}")

    @property
    def is_quarter(self) -> bool:
        return self.first_quarter == self.last_quarter

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
        if self.is_quarter:
            return f"{ROMAN[self.first_quarter]} квартал {self.year}"
        return {(1, 2): f"1 полугодие {self.year}", (3, 4): f"2 полугодие {self.year}",
                (1, 3): f"9 месяцев {self.year}", (1, 4): f"{self.year} год"}.get(
            (self.first_quarter, self.last_quarter),
            f"{ROMAN[self.first_quarter]}–{ROMAN[self.last_quarter]} кварталы {self.year}")

    @property
    def in_title(self) -> str:
        """As the report title says it: «в 1 квартале 2026 года», «за 1 полугодие 2026 года», «за 2026 год»."""
        if self.is_quarter:
            return f"в {self.first_quarter} квартале {self.year} года"
        return {(1, 2): f"за 1 полугодие {self.year} года", (3, 4): f"за 2 полугодие {self.year} года",
                (1, 3): f"за 9 месяцев {self.year} года", (1, 4): f"за {self.year} год"}.get(
            (self.first_quarter, self.last_quarter), f"за {self.label}")

    @property
    def file_suffix(self) -> str:
        """For file names: 1кв, 1пг, 9мес, год."""
        if self.is_quarter:
            return f"{self.first_quarter}кв"
        return {(1, 2): "1пг", (3, 4): "2пг", (1, 3): "9мес", (1, 4): "год"}.get(
            (self.first_quarter, self.last_quarter), f"{self.first_quarter}-{self.last_quarter}кв")


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1

