"""Escaping for MyST, LaTeX, DOT and CSV: user text is data in every output language."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from generator.render.escape import (
    Myst,
    dot_string,
    escape_dot_html,
    escape_latex,
    escape_myst,
    escape_myst_block,
    myst_code,
    neutralise_csv_cell,
)

HOSTILE = [
    "<script>alert(1)</script>",
    "{raw}`<b>x</b>`",
    "```{raw} html",
    ":::{eval-rst}",
    "# heading",
    "1. list",
    "- item",
    "> quote",
    "*em* _em_ **strong**",
    "[link](javascript:alert(1))",
    "$math$ &amp; &lt;",
    "a | b | c",
    "DMZ\\svc_install",
    "(label)=",
    "{{ jinja }} {% x %}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_myst_renders_as_the_same_plain_text(text: str) -> None:
    tokens = MarkdownIt("commonmark").enable("table").parse(escape_myst(text))
    inline = [t for t in tokens if t.type == "inline"]
    assert len(inline) == 1
    assert [c.type for c in inline[0].children or []] == ["text"]
    assert inline[0].children[0].content == text  # type: ignore[index]


def test_myst_values_are_not_escaped_twice() -> None:
    assert escape_myst(Myst("**x**")) == "**x**"


def test_multi_line_text_keeps_its_lines_as_hard_breaks() -> None:
    assert escape_myst_block("first line\n  # second\n\nthird") == "first line\\\n\\# second\\\nthird"


def test_inline_code_fence_outgrows_backticks() -> None:
    assert myst_code("a`b``c") == "```a`b``c```"
    assert myst_code("`x") == "`` `x ``"


def test_latex_specials() -> None:
    assert escape_latex(r"\ { } $ % # _ & ~ ^") == (
        r"\textbackslash{} \{ \} \$ \% \# \_ \& \textasciitilde{} \textasciicircum{}"
    )
    assert escape_latex("Zürich Ελληνικά") == "Zürich Ελληνικά"


def test_dot_escaping() -> None:
    assert escape_dot_html('<b>"&"</b>') == "&lt;b&gt;&quot;&amp;&quot;&lt;/b&gt;"
    assert dot_string('a "b" \\ c') == '"a \\"b\\" \\\\ c"'


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("49152-65535", "49152-65535"),
        (None, ""),
    ],
)
def test_csv_formula_cells_are_neutralised(cell: str | None, expected: str) -> None:
    assert neutralise_csv_cell(cell) == expected
