"""What the app should show, computed independently in the tests (oracles the app's own numbers and
wording are compared with)."""
from __future__ import annotations

from lib import russian as ru
from lib.metrics.counts import NOTHING, completeness
from lib.model.periods import Period
from lib.model.workbook import Workbook


def reported_count(wb: Workbook, period: Period) -> tuple[int, int]:
    """(institutions with something reported in every quarter of the period, all institutions)."""
    matrix = completeness(wb, period.year, period.quarters)
    if matrix.empty:
        return 0, 0
    ok = (matrix != NOTHING).all(axis=1)
    return int(ok.sum()), len(matrix)


def type_verb(activity_type_name: str, n: int) -> str:
    """«проведено» / «проведен» / «разработано» … agreeing with `ru.count_phrase(n, activity_type_name)`."""
    kind = ru.activity_type(activity_type_name)
    return ru.participle(kind.verb, n, kind.gender)
