"""`plain()`: a workbook's text made inert for Streamlit's Markdown — the one helper every page uses
before a cell value (tab and institution names, contacts, plan titles and deadlines, settings, topics,
indicator names, messages that quote cells…) goes into st.markdown, captions, alerts, titles, expander,
metric and widget labels, `help` tooltips or toasts. Dataframe cells and st.code are not Markdown and
need nothing.

Streamlit renders those strings as GitHub Markdown plus its own extensions, in two stages:

* the parser: `[x](url)`, `![p](url)`, `<tag>`, `<http://…>`, `` `code` ``, `*`/`_` emphasis,
  `~strike~`, `|` tables, `$…$` / `$$…$$` math (KaTeX), `:red[…]`-style directives (colours, badges,
  `:small[…]`, `:help[…]`), and block syntax at a line's start (`# `, `> `, `- `, `1. `). A backslash
  escape (CommonMark allows one before any ASCII punctuation) stops each of them;
* plugins that search the *parsed* text, where backslashes are already gone: `:material/icon:`,
  `:streamlit:`, emoji shortcodes (`:smile:`) and GFM's bare links (`http://…`, `www.…`,
  `name@host.ru` become <a>). Those are broken by an invisible U+2060 WORD JOINER after the `:`
  (when a name could follow), after `@` and between `www` and `.`: the text still reads the same.

Line breaks become spaces (a blank line would start a new paragraph, a list or a heading) and the
ends are trimmed (four leading spaces would make a code block), so a value is always one inline run
whatever template it is put into.
"""
from __future__ import annotations

import re

WORD_JOINER = "\u2060"

_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x85\u2028\u2029]+[ \t]*")
_SPECIAL = re.compile(r"([\\`*\[\]<>&$~|]|(?<![^\W_])_|_(?![^\W_]))")   # inline syntax, HTML, math; `_`
# only at a word's edge: inside a word (a file name like omp_2026.xlsx) it never starts emphasis
_MARKER_START = re.compile(r"#|([+=-])(?:[ \t]|$|\1)")            # «# », «- », «+ », «---», «===»
_NUMBER_START = re.compile(r"\d{1,9}(?=[.)](?:[ \t]|$))")           # «1. », «1) »
_COLON = re.compile(r":(?=[^\s\d])")                         # directives, icons, emoji, scheme://
_AT = re.compile(r"@(?=[-\w])")                              # e-mail autolinks
_WWW = re.compile(r"(?i)(www)(?=\.)")                        # www.… autolinks


def _line_start(text: str) -> str:
    """A heading, a list item, a rule or a setext underline at the start (where a template may put the
    value, e.g. after «- »), escaped."""
    if _MARKER_START.match(text):
        return "\\" + text
    number = _NUMBER_START.match(text)
    return text[:number.end()] + "\\" + text[number.end():] if number else text


def plain(value: object) -> str:
    """`value` as text that Streamlit's Markdown shows literally, on one line. None → ""."""
    text = "" if value is None else str(value)
    text = _BREAKS.sub(" ", text).strip(" \t")
    # first the joiners, on the text as it is (the plugins see it so: without escapes)
    text = _WWW.sub(r"\1" + WORD_JOINER, _AT.sub("@" + WORD_JOINER, _COLON.sub(":" + WORD_JOINER, text)))
    return _line_start(_SPECIAL.sub(r"\\\1", text))
