"""Chart specs are compiled once and must never freeze a run's data (ui/charts.py)."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from ui import charts

BUILDS = [
    (charts.activities_by_quarter, (True,)), (charts.activities_by_quarter, (False,)),
    (charts.activities_by_institution, ()), (charts.activities_heatmap, ()),
    (charts.road_map, ()), (charts.indicator_heatmap, ("%",)), (charts.indicator_bars, ("чел.",)),
    (charts.plan_timeline, (2026, date(2026, 11, 22), "на 22.11.2026")),
]


@pytest.mark.parametrize("build, params", BUILDS, ids=[b.__name__ + repr(p) for b, p in BUILDS])
def test_chart_compiles_once_and_without_the_data_of_a_run(build, params):
    spec = charts.compiled(build, *params)        # checked against the Vega-Lite schema under pytest
    assert charts.compiled(build, *params) is spec
    assert "data" not in spec                      # each draw brings its own data, for every layer
    assert all("data" not in layer or layer["data"]["name"] in spec["datasets"] for layer in spec.get("layer", []))
    for rows in spec.get("datasets", {}).values():
        assert len(rows) == 1 and rows[0]          # only the fixed marks: the 100 % line, the as-of date


def test_a_drawn_chart_carries_the_data_it_was_given(tmp_path):
    script = tmp_path / "chart_page.py"
    script.write_text(
        "import pandas as pd\n"
        "from ui import charts\n"
        "frame = pd.DataFrame({'Учреждение': ['А', 'Б'], 'Значение': [1.5, 2.0], 'Подпись': ['1,5', '2']})\n"
        "charts.draw(charts.indicator_bars, 'чел.', data=frame, height=300)\n"
        "charts.draw(charts.indicator_bars, 'чел.', data=frame.iloc[:1], height=250)\n", encoding="utf-8")
    at = AppTest.from_file(str(script)).run()
    assert not at.exception
    first, second = at.get("vega_lite_chart")
    assert json.loads(first.proto.spec)["data"] == {"name": "rows"}
    shown = [convert_arrow_bytes_to_pandas_df(next(d for d in c.proto.datasets if d.name == "rows").data.data)
             for c in (first, second)]
    assert list(shown[0]["Учреждение"]) == ["А", "Б"] and list(shown[1]["Учреждение"]) == ["А"]
    assert json.loads(first.proto.spec)["height"] == 300 and json.loads(second.proto.spec)["height"] == 250
    pd.testing.assert_frame_equal(shown[1].reset_index(drop=True),
                                  pd.DataFrame({"Учреждение": ["А"], "Значение": [1.5], "Подпись": ["1,5"]}))
