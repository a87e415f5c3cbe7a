"""A workbook whose every text field holds Markdown and HTML payloads — for the tests that the app shows
workbook text literally (tests/test_markup.py, tests/test_markup_browser.py).

The payloads point at http://127.0.0.1:9 (the «discard» port: nothing answers there), so a browser
that fetched one would show up in the request log without reaching anything.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.workbook_builder import ACTIVITY_HEADER, MONITORING_HEADER, write_workbook

HOST = "127.0.0.1:9"
IMAGE = f"![p](http://{HOST}/pixel.png)"
LINK = f"[x](http://{HOST}/)"
HTML_IMG = "<img src=x>"
HTML_B = "<b>жирный</b>"
# Streamlit's own extensions and GFM: a colour directive, an icon, an emoji, math, bare links, emphasis
EXTRAS = (f":red[красный] :material/skull: :smile: $x^2$ http://{HOST}/bare www.evil.example "
          "ivan@evil.example **жир** _курсив_ ~~зачёркнуто~~ `код`")


def payload(what: str) -> str:
    """A field's text: its name (to tell the fields apart) plus every payload."""
    return f"{what} {IMAGE} {LINK} {HTML_IMG} {HTML_B} {EXTRAS}"


# Excel tab names: at most 31 characters and none of []:*?/\ — so HTML, math and code only
TAB_OWN = "<img src=x> <b>А $x$ ~s~ _к_"
TAB_OTHER = "<b>Б `к` www.evil.example"
FULL_NAME = payload("Полное наименование")
DISTRICT = payload("Район")
RESPONSIBLE = payload("Ответственный")
CONTACTS = payload("Контакты")
OMP = payload("Организация")
TOPIC_SETTING = payload("Тема ОМП")
PLAN_TITLE = payload("Пункт плана")
PLAN_SECTION = payload("Раздел")
DEADLINE = payload("Срок")                  # not a deadline the parser knows: «Срок не распознан»
ACTIVITY_TOPIC = payload("Тема мероприятия")
NOTE = payload("Примечание")
BAD_TYPE = payload("Вид")                   # not an activity type: an error message quoting it
BAD_ITEM = payload("п.")                    # not a plan item: a warning quoting it
INDICATOR = payload("Показатель")
INDICATOR_UNIT = payload("ед.")
ROAD_MAP = payload("Дорожная карта")        # a percent indicator: the road-map chart's subheading
CRITERION = payload("Критерий")
CRITERION_INDICATOR = payload("Показатель отчета")
CRITERION_SOURCE = payload("Источник")      # no such source: a «Замечание» quoting it
MISSING_INSTITUTION = "<img src=x> $нет$ в книге"   # a user's institution that the workbook lacks
USER_NAME = payload("ФИО")                  # the display name of a signed-in user
FILE_NAME = "книга <img src=x> [ссылка](x) $x$ :red[к] www.evil.example.xlsx"   # the source's label

# Every text the app may put into Markdown, by what it is (for the messages of failed checks).
FIELDS = {"вкладка": TAB_OWN, "другая вкладка": TAB_OTHER, "полное наименование": FULL_NAME,
          "район": DISTRICT, "ответственный": RESPONSIBLE, "контакты": CONTACTS, "ОМП": OMP,
          "тема ОМП": TOPIC_SETTING, "пункт плана": PLAN_TITLE, "раздел плана": PLAN_SECTION,
          "срок": DEADLINE, "тема мероприятия": ACTIVITY_TOPIC, "примечание": NOTE, "вид": BAD_TYPE,
          "пункт в строке": BAD_ITEM, "показатель": INDICATOR, "единица": INDICATOR_UNIT,
          "дорожная карта": ROAD_MAP, "критерий": CRITERION, "показатель отчета": CRITERION_INDICATOR,
          "источник": CRITERION_SOURCE, "учреждение входа": MISSING_INSTITUTION, "ФИО": USER_NAME,
          "файл": FILE_NAME}


def build_payload_workbook(folder: str | Path) -> Path:
    """The workbook in `folder` (its file name is a payload too). Year 2026; data in quarters I–II."""
    folder = Path(folder)
    own = [["Мероприятия"], ACTIVITY_HEADER,
           ["15.01.2026", "Семинар", "1.1", ACTIVITY_TOPIC, 12, 3, 1, "", NOTE],
           ["20.02.2026", "Консультация", "1.2", ACTIVITY_TOPIC, 4, 1, 1, "", ""],
           ["15.04.2026", "Семинар", BAD_ITEM, ACTIVITY_TOPIC, 8, 2, 1, "", ""],
           ["16.04.2026", BAD_TYPE, "", ACTIVITY_TOPIC, 5, 1, 1, "", ""],
           [], ["Мониторинг"], MONITORING_HEADER,
           [INDICATOR, 5, None, None, None],
           [ROAD_MAP, 90, 95, None, None]]
    other = [["Мероприятия"], ACTIVITY_HEADER,
             ["10.03.2026", "Консультация", "1.2", ACTIVITY_TOPIC, 3, 1, 1, "", ""],
             [], ["Мониторинг"], MONITORING_HEADER,
             [INDICATOR, 2, 3, None, None]]
    plan = [["1.1", PLAN_SECTION, PLAN_TITLE, "Март 2026", "", "", "", "семинар", "мероприятия", 5, "год"],
            ["1.2", PLAN_SECTION, "Консультации", DEADLINE, "", "", "", "консультация", "мероприятия", 2, "год"]]
    settings = {"ОМП": OMP, "Тема": TOPIC_SETTING, "Год": 2026}
    criteria = [[CRITERION, "количественный", CRITERION_INDICATOR, CRITERION_SOURCE],
                [CRITERION, "количественный", "Семинары", "семинар"]]
    path = write_workbook(
        folder / FILE_NAME, institutions={TAB_OWN: own, TAB_OTHER: other}, settings=settings, plan=plan,
        criteria=criteria,
        extra_tabs={"Показатели мониторинга": [["Показатель", "Единица"], [INDICATOR, INDICATOR_UNIT],
                                               [ROAD_MAP, "%"]]})
    book = openpyxl.load_workbook(path)
    sheet = book["Учреждения"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == TAB_OWN:
            for cell, value in zip(row[1:], (FULL_NAME, DISTRICT, RESPONSIBLE, CONTACTS)):
                cell.value = value
    book.save(path)
    return path
