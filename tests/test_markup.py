"""Workbook text is shown literally: no cell, tab name or setting can put an image, a link, an HTML tag,
a colour, an icon or a formula into the page (issue 14, item 5).

Every text field of `tests/payload_workbook.py` holds Markdown and HTML payloads. Each page runs in
AppTest for every role, and every string Streamlit renders as Markdown (bodies of markdown, captions,
titles, alerts and toasts; labels, values and tooltips of metrics, expanders, tabs and widgets) is
checked: the payloads must arrive escaped by `ui.markup.plain`. The same in a real browser:
tests/test_markup_browser.py.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import given, strategies as hs
from streamlit.testing.v1 import AppTest

from ui import signin, context
from ui.markup import WORD_JOINER, plain
from tests import payload_workbook as pw
from tests.app_support import PAGES, hashed_users, sign_in

AS_OF = date(2026, 11, 22)
SAFETY_NET = "не смогла отобразиться"
MARKDOWN_FIELDS = {"body", "label", "help", "title", "delta", "delta_description"}
APP_ICONS = ("person",)              # the app's own «:material/…:» in its Markdown (the signed-in user)
PASSWORDS = {"director": "director-pass-1", "kcson": "kcson-pass-333", "lost": "lost-pass-4444"}
CARD = re.compile(r"^<div class='omp-card-title'>(.*)</div>$", re.S)


# --------------------------------------------------------------------------- what would render

def skeleton(text: str) -> str:
    """`text` with every backslash escape (the backslash and the escaped character) blanked out: what
    Markdown's parser sees as syntax."""
    return re.sub(r"\\.", "\0\0", text, flags=re.S)


def text_value(text: str) -> str:
    """What the parsed text holds after escapes are resolved (where Streamlit's plugins search)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


# (what it would become, regex) — on the skeleton: syntax the parser acts on
SYNTAX = [
    ("a link or an image", r"\]\("),
    ("a reference link", r"\]\["),
    ("an HTML tag or an autolink", r"<[A-Za-z/!?]"),
    ("math (KaTeX)", r"\$"),
    ("code", r"`"),
    ("strikethrough", r"~"),
    ("a table", r"\|"),
    ("a colour or badge directive", r":[a-z][a-z0-9-]*\["),
    ("bold payload", r"\*\*жир"),
    ("italic payload", r"(?<![^\W_])_(курсив|к)_"),
    ("a heading", r"(^|\n)\s{0,3}#"),
]
# on the text value: what Streamlit's and GFM's plugins turn into elements after parsing
PLUGINS = [
    ("an icon", r":material[/_](?!(%s):)" % "|".join(APP_ICONS)),
    ("the Streamlit logo", r":streamlit:"),
    ("an emoji", r":smile:"),
    ("a bare link", r"(?i)https?://|www\."),
    ("an e-mail link", r"[\w.+-]@[-\w]"),
]


def would_render(text: str) -> list[str]:
    """What `text`, rendered by Streamlit's Markdown, would turn into besides text (empty: nothing)."""
    found = [what for what, rx in SYNTAX if re.search(rx, skeleton(text))]
    return found + [what for what, rx in PLUGINS if re.search(rx, text_value(text))]


def markdown_texts(at: AppTest) -> list[tuple[str, str]]:
    """(element type, string) for every string of the page that Streamlit renders as Markdown."""
    out: list[tuple[str, str]] = []

    def walk(kind: str, msg: Message) -> None:
        for field, value in msg.ListFields():
            if field.type not in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_STRING):
                continue
            items = [value] if isinstance(value, (str, Message)) else list(value)     # repeated: a container
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                for item in items:
                    walk(kind, item)
            elif field.type == FieldDescriptor.TYPE_STRING and field.name in MARKDOWN_FIELDS:
                out.extend((kind, item) for item in items)

    for node in at._tree:
        proto = getattr(node, "proto", None)
        if getattr(node, "type", "") == "html":      # st.html: the app's constant CSS (test_security.py)
            continue
        if isinstance(proto, Message):
            walk(getattr(node, "type", type(node).__name__), proto)
    return out


def check_page(at: AppTest, where: str) -> list[str]:
    """Assert that nothing of the page would render as markup; return its Markdown strings."""
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"
    assert not [e.value for e in at.error if SAFETY_NET in e.value], where
    texts = []
    for kind, text in markdown_texts(at):
        card = CARD.match(text)
        if kind == "markdown" and card:                   # the one HTML element: html.escape'd, one line
            inner = card.group(1)
            assert "<" not in inner and ">" not in inner and "\n" not in inner, f"{where}: {text!r}"
            continue
        problems = would_render(text)
        assert not problems, f"{where}: {kind} {text!r} would render {problems}"
        texts.append(text)
    return texts


# --------------------------------------------------------------------------- the helper itself

PAYLOADS = [pw.IMAGE, pw.LINK, pw.HTML_IMG, pw.HTML_B, pw.EXTRAS, *pw.FIELDS.values(),
            "# Заголовок", "1. пункт", "- пункт", "> цитата", "a | b\n--- | ---\nc | d", "строка\n\nабзац",
            "&lt;img&gt;", "\\[x\\](y)", ":blue-badge[b] :small[s] :help[h] :streamlit:", "<http://a.b/c>",
            "$$x$$", "[x]: http://127.0.0.1:9/", "[x][y]", "WWW.EVIL.RU", "a@b.ru"]


@pytest.mark.parametrize("text", PAYLOADS)
def test_plain_leaves_nothing_that_renders(text):
    escaped = plain(text)
    assert not would_render(escaped), (text, escaped, would_render(escaped))
    assert "\n" not in escaped and "\r" not in escaped


def test_plain_keeps_ordinary_text_as_it_is():
    for text in ["КЦСОН Вологодского района", "Андреевская Л.А. (директор)", "omp_2026_demo.xlsx",
                 "«Серебряное» волонтерство — 12 чел., 15.03.2026 в 09:41", "2.4", "Усть-Кубинский", "50 %"]:
        assert plain(text) == text
    assert plain(None) == "" and plain(12) == "12"


def test_plain_escapes_with_backslashes_and_word_joiners():
    assert plain(pw.IMAGE) == f"!\\[p\\](http:{WORD_JOINER}//127.0.0.1:9/pixel.png)"
    assert plain("<b>x</b>") == "\\<b\\>x\\</b\\>"
    assert plain(":red[x] $y$") == f":{WORD_JOINER}red\\[x\\] \\$y\\$"
    assert plain("ivan@evil.example www.evil.example") == \
        f"ivan@{WORD_JOINER}evil.example www{WORD_JOINER}.evil.example"


@given(hs.text(alphabet=hs.sampled_from(list("ab1 .:/@_*[]()<>!$`~#|-+=&\\\nwWhtpк")), max_size=40))
def test_plain_renders_any_text_literally(text):
    """Nothing renders, and resolving the escapes gives the text back (line breaks become spaces, the
    ends are trimmed)."""
    escaped = plain(text)
    assert not would_render(escaped), (text, escaped, would_render(escaped))
    assert text_value(escaped).replace(WORD_JOINER, "") == re.sub(r"[ \t]*\n+[ \t]*", " ", text).strip(" \t")


# --------------------------------------------------------------------------- every page, every role


@pytest.fixture(scope="module")
def payload_path(tmp_path_factory) -> Path:
    return pw.build_payload_workbook(tmp_path_factory.mktemp("markup"))


@pytest.fixture(scope="module")
def users() -> dict:
    return hashed_users({
        "director": {"password": PASSWORDS["director"], "role": "director", "name": pw.USER_NAME},
        "kcson": {"password": PASSWORDS["kcson"], "role": "institution", "institution": pw.TAB_OWN,
                  "name": pw.USER_NAME},
        "lost": {"password": PASSWORDS["lost"], "role": "institution", "institution": pw.MISSING_INSTITUTION}})


def run_everything(at: AppTest, where: str) -> list[str]:
    texts = check_page(at, f"{where}/overview")
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        texts += check_page(at, f"{where}/{page}")
    return texts


def signed_in(make_app, source: Path, users: dict, login: str) -> AppTest:
    at = make_app(source, as_of=AS_OF, auth={"users": users})
    check_page(at, f"{login}/sign-in")
    sign_in(at, login, PASSWORDS[login])
    assert signin.KEY_USER in at.session_state, login
    return at


def test_every_page_shows_workbook_text_literally_for_every_role(make_app, payload_path, users):
    shown: list[str] = []
    shown += run_everything(make_app(payload_path, as_of=AS_OF), "sign-in off")
    for login in ("director", "kcson", "lost"):
        shown += run_everything(signed_in(make_app, payload_path, users, login), login)
    # an institution chosen in the sidebar, and the monitoring indicator with the payload unit
    shown += run_everything(make_app(payload_path, as_of=AS_OF, omp_institutions=[pw.TAB_OWN, pw.TAB_OTHER],
                                     mon_indicator=pw.INDICATOR), "two institutions chosen")

    everything = "\n".join(shown)
    expected = ["вкладка", "полное наименование", "район", "ответственный", "контакты", "ОМП", "тема ОМП",
                "пункт плана", "срок", "показатель", "единица", "дорожная карта", "критерий",
                "показатель отчета", "источник", "учреждение входа", "ФИО", "файл"]
    missing = [name for name in expected if plain(pw.FIELDS[name]) not in everything]
    assert not missing, f"not shown (escaped) anywhere, so the test proves nothing for them: {missing}"


def test_an_uploaded_workbook_with_a_payload_name_is_shown_literally(make_app, payload_path):
    class Upload:
        name = pw.FILE_NAME

        def getvalue(self) -> bytes:
            return payload_path.read_bytes()

    state: dict = {}
    context.handle_upload(Upload(), state)
    texts = run_everything(make_app(payload_path, as_of=AS_OF, **state), "upload")
    assert any(plain(pw.FILE_NAME) in t for t in texts)


def test_the_checker_sees_what_unescaped_text_would_render():
    """The checks above would catch the payloads if they were not escaped."""
    raw = would_render(pw.payload("x"))
    for what in ("a link or an image", "an HTML tag or an autolink", "math (KaTeX)", "code", "strikethrough",
                 "a colour or badge directive", "bold payload", "italic payload", "an icon", "an emoji",
                 "a bare link", "an e-mail link"):
        assert what in raw, what
    assert not would_render("**Учреждение:** КЦСОН · :material/person: Иванова _изменено_")
