"""Escaping of user-supplied text for every output language we write.

User values are data: a server description containing ``<script>`` or a MyST
directive must reach the reader literally.  Each target has one function here,
and nothing else in the package hand-escapes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_MYST_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~$:&^=\"'%@])")
_LEADING_ORDINAL = re.compile(r"^(\d+)([.)])")


class Myst(str):
    """Text that is already valid MyST (rendered by our code): never escaped again."""

    __slots__ = ()


def escape_myst(value: object) -> str:
    """Escape a single-line value so MyST renders it as literal text.

    Every ASCII punctuation character with a meaning in CommonMark or MyST gets a
    backslash (CommonMark allows escaping any of them); a leading ``1.`` is
    escaped so it cannot start a list.  Line breaks become spaces.
    """
    if isinstance(value, Myst):
        return value
    text = " ".join(str(value).splitlines())
    text = _MYST_SPECIAL.sub(r"\\\1", text)
    return _LEADING_ORDINAL.sub(r"\1\\\2", text)


def escape_myst_block(value: object) -> str:
    """Escape multi-line text line by line, keeping its line breaks as hard breaks."""
    lines = [escape_myst(line.strip()) for line in str(value).strip().splitlines()]
    return "\\\n".join(line for line in lines if line) if lines else ""


def myst_code(value: object) -> str:
    """Render a value as inline code; the fence is longer than any backtick run inside."""
    text = " ".join(str(value).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_FENCE_INFO = re.compile(r"[A-Za-z0-9_+-]*")


def myst_fence(value: object, info: str = "text") -> str:
    """A fenced code block that shows ``value`` literally, line for line.

    Code blocks show their content as it is, so nothing inside is escaped; the only thing MyST needs is a
    fence that no line of the content can close: backticks, longer than any backtick run inside (at least
    three).  ``info`` (the language, e.g. ``bat``) is template text, never user text.
    """
    if not _FENCE_INFO.fullmatch(info):
        raise ValueError(f"fence info must be a plain language name (got {info!r})")
    text = "\n".join(line.rstrip() for line in str(value).strip("\n").splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "&": r"\&",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "[": "{[}",
    "]": "{]}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _LATEX))


LONG_TOKEN = 20
"""Characters from which a run without spaces gets places to break in LaTeX (:func:`breakable_latex`): TeX
breaks a line only at a space or where it can hyphenate a word, so a longer run (a 64-character name, a
60-character word) would stick out of its table cell, column or page."""
LONG_SEGMENT = 20
"""Characters from which a part of a run between its separators may break between any two of its characters.
Not fewer: TeX takes such a break wherever the line would otherwise be looser than it tolerates, and a name
broken inside a word (``CONTROL|LERS``) reads worse than a loose line."""
LATEX_BREAK = r"\ibcmbreak{}"
"""A place to break a name after a separator, adding no hyphen (defined in the preamble,
``generator.sphinx_ext.latex.PREAMBLE``)."""
LATEX_LONG_BREAK = r"\ibcmlongbreak{}"
"""A last-resort place to break inside a long part of a run, adding no hyphen: a penalty makes TeX take it only
where the run would otherwise stick out (defined in the preamble)."""
_SEPARATOR_BREAK = re.compile(r"(?<=[.\-\\/_:])(?=\w)")
"""After a dot, hyphen, backslash, slash, underscore or colon, before a letter or digit."""
_LONG_RUN = re.compile(rf"(\S{{{LONG_TOKEN + 1},}})")


def _escape_latex_text(text: str) -> str:
    return _LATEX_SPECIAL.sub(lambda m: _LATEX[m.group(0)], text)


def breakable_latex(token: str, encode: Callable[[str], str] = _escape_latex_text) -> str:
    """``token`` (no spaces) as LaTeX that can break across lines without a hyphen: after each separator
    (:data:`LATEX_BREAK`) and, in a part longer than :data:`LONG_SEGMENT` characters, between any two characters
    (:data:`LATEX_LONG_BREAK`).  ``encode`` escapes each piece (Sphinx's translator has its own)."""

    def segment(part: str) -> str:
        if len(part) <= LONG_SEGMENT:
            return encode(part)
        return LATEX_LONG_BREAK.join(encode(char) for char in part)

    return LATEX_BREAK.join(segment(part) for part in _SEPARATOR_BREAK.split(token))


def escape_latex(value: object, *, breakable: bool = False) -> str:
    """Escape text for LaTeX (xelatex: non-Latin characters pass through as Unicode).

    With ``breakable``, each run of more than :data:`LONG_TOKEN` characters without a space can break across
    lines (:func:`breakable_latex`): for text set in the document's paragraphs and table cells (the cover,
    the change record), not for text that must stay plain (PDF metadata, ``\\title``).
    """
    text = " ".join(str(value).splitlines())
    if not breakable:
        return _escape_latex_text(text)
    pieces = _LONG_RUN.split(text)  # odd indices: the long runs
    return "".join(breakable_latex(p) if i % 2 else _escape_latex_text(p) for i, p in enumerate(pieces))


def escape_latex_block(value: object, *, breakable: bool = False) -> str:
    """Escape multi-line text for LaTeX: blank lines separate paragraphs (``\\par``), other breaks are spaces."""
    paragraphs = re.split(r"\n\s*\n", str(value).strip())
    return "\\par\n".join(escape_latex(" ".join(p.split()), breakable=breakable) for p in paragraphs if p.strip())


def escape_dot_html(value: object) -> str:
    """Escape text for a Graphviz HTML-like label (``label=<...>``)."""
    return html.escape(" ".join(str(value).splitlines()), quote=True)


def dot_string(value: object) -> str:
    """Quote text as a DOT string literal (ids, tooltips, plain labels)."""
    text = " ".join(str(value).splitlines())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_csv_cell(value: object) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe.

    Port ranges such as ``49152-65535`` start with a digit and are left alone.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
