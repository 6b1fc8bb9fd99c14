"""Sphinx search that finds ports, FQDNs and server names, with results that say which site and step a hit is in.

Sphinx's English search language drops every all-digit word from the index
(``443``, ``8531``) and splits ``mp.ibcm.contoso.example`` or ``FW-EDGE`` into
unrelated words; its ``searchtools.js`` drops all-digit query words as well.
:class:`RunbookSearchLanguage` replaces the English language:

* the index keeps all-digit words, and indexes each dotted or hyphenated name
  (FQDNs, IP addresses, port ranges, ``CEN-MP-NLB``) whole, unstemmed, beside
  its parts;
* its JavaScript (``language_data.js``) splits a query the same way and leaves
  those names and numbers unstemmed.

On the search page, ``static/ibcm-search.js`` keeps all-digit query words (a
rule of ``searchtools.js``, not of the language) and rewrites each result for a
page with sections to name and link the section the hits are in: "CEN –
Contoso Central › 6. Change the network infrastructure… › Firewall rules ›
FW-EDGE".  Which sections are steps is decided here, from the plans: the step
sections of a runbook get the class ``ibcm-step``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search.en import SearchEnglish

from generator.render.myst import label
from generator.sphinx_ext.anchors import runbook_site_code

STATIC = Path(__file__).resolve().parent / "static"
"""This module's JavaScript and CSS, added to ``html_static_path``."""

SEARCH_JS = "ibcm-search.js"
SEARCH_CSS = "ibcm-search.css"
STEP_CLASS = "ibcm-step"
"""Class of a runbook's step sections: the search results name the step a hit is in."""

_COMPOUND = re.compile(r"\w+(?:[.\-]\w+)+")
"""A dotted or hyphenated name: ``mp.ibcm.contoso.example``, ``172.16.20.41``, ``49152-65535``, ``FW-EDGE``."""

# language_data.js: the query splitter (same words as RunbookSearchLanguage.split, compounds kept whole) and a
# stemmer that leaves compounds and numbers as typed, like RunbookSearchLanguage.stem.  Runs after the English
# stemmer's code, which sets window.Stemmer.
_JS_LANGUAGE_CODE = r"""
/* ibcm-runbook (generator/sphinx_ext/search.py): ports, FQDNs and server names are search words. */
var splitQuery = (query) => {
  const compound = /[\p{Letter}\p{Number}_]+(?:[.\-][\p{Letter}\p{Number}_]+)+/gu;
  const names = query.match(compound) || [];
  const words = query
    .replace(compound, " ")
    .split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)
    .filter((term) => term);
  return [...names, ...words];
};
(() => {
  const EnglishStemmer = window.Stemmer;
  window.Stemmer = function () {
    const english = new EnglishStemmer();
    this.stemWord = (word) => (/[.\-]|^\d+$/.test(word) ? word : english.stemWord(word));
  };
})();
"""


class RunbookSearchLanguage(SearchEnglish):
    """English, plus all-digit words and whole dotted or hyphenated names (registered for ``en``)."""

    js_splitter_code = _JS_LANGUAGE_CODE

    def split(self, input: str) -> list[str]:
        """The words Sphinx finds, then every compound name whole."""
        return [*super().split(input), *_COMPOUND.findall(input)]

    def stem(self, word: str) -> str:
        """Compound names and numbers as typed (lower case); other words stemmed as in English."""
        if _COMPOUND.fullmatch(word) or word.isdigit():
            return word.lower()
        return super().stem(word)

    def word_filter(self, word: str) -> bool:
        """Every word but the stop words: port numbers are words here."""
        return word not in self.stopwords


def mark_steps(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: give the step sections of a runbook the class ``ibcm-step`` (labels from the plans)."""
    code = runbook_site_code(app.env.docname, app.config.generator_output)
    if code is None:
        return
    from generator.sphinx_ext import loaded_project  # the package imports this module

    steps = {
        label(plan.code, step.id)
        for plan in loaded_project(app).plans
        if plan.code.lower() == code.lower()
        for step in plan.steps
    }
    for section in doctree.findall(nodes.section):
        if section["ids"] and section["ids"][0] in steps and STEP_CLASS not in section["classes"]:
            section["classes"].append(STEP_CLASS)


def add_static_path(_app: Sphinx, config: Config) -> None:
    """``config-inited``: serve this module's static files."""
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def add_search_page_files(
    app: Sphinx, pagename: str, _templatename: str, _context: dict[str, Any], _doctree: nodes.document | None
) -> None:
    """``html-page-context``: the results script (deferred: after searchtools.js, before the search runs)."""
    if pagename == "search":
        app.add_js_file(SEARCH_JS, loading_method="defer")
        app.add_css_file(SEARCH_CSS)


def setup(app: Sphinx) -> None:
    """Register the search language, the step marks and the search page's files."""
    app.add_search_language(RunbookSearchLanguage)
    app.connect("config-inited", add_static_path)
    app.connect("doctree-read", mark_steps)
    app.connect("html-page-context", add_search_page_files)
