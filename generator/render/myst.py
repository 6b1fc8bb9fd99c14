"""Small MyST building blocks (tables, labels) shared by every generated page."""

from __future__ import annotations

import re
from collections.abc import Sequence

from generator.render.escape import Myst, escape_myst


def cell(value: object) -> str:
    """A table cell: escaped unless it is already MyST; empty cells show a dash."""
    if value is None or value == "":
        return "—"
    return value if isinstance(value, Myst) else escape_myst(value)


def list_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    widths: Sequence[int] | None = None,
    caption: str | None = None,
    name: str | None = None,
    long: bool = False,
) -> Myst:
    """Render a MyST ``list-table``; ``long=True`` lets LaTeX break it across pages.

    Each cell is its own paragraph in a nested list, so no cell content can
    break the table structure; the caption (the directive's argument) is escaped
    and the fence is one it cannot break (:func:`directive_fence`).
    """
    if name is not None and not _NAME.fullmatch(name):
        raise ValueError(f"a table name must be a plain label (got {name!r})")
    head = f"{{list-table}} {escape_myst(caption)}" if caption else "{list-table}"
    lines = [":header-rows: 1"]
    if widths:
        lines.append(f":widths: {' '.join(str(w) for w in widths)}")
    classes = ["runbook-table"] + (["longtable"] if long else [])
    lines.append(f":class: {' '.join(classes)}")
    if name:
        lines.append(f":name: {name}")
    lines.append("")
    for index, row in enumerate([list(headers), *rows]):
        for column, value in enumerate(row):
            text = escape_myst(value) if index == 0 else cell(value)
            lines.append(f"{'*' if column == 0 else ' '} - {text}")
    body = "\n".join(lines)
    fence = directive_fence(head, body)
    return Myst(f"{fence}{head}\n{body}\n{fence}\n")


_NAME = re.compile(r"[A-Za-z0-9_-]+")


def directive_fence(head: str, body: str) -> str:
    """A fence for a directive whose first line (name and argument) is ``head`` that nothing in it can break.

    Backticks, four or more as every table has had, unless the argument holds a backtick: CommonMark ends a
    backtick fence's info string at a backtick (the directive would become a paragraph and its body a bullet
    list), so such an argument gets a tilde fence, whose info string may hold anything.  The fence is longer
    than any run of its character in the body, so no line of it can close the directive.
    """
    char = "~" if "`" in head else "`"
    longest = max((len(run) for run in re.findall(f"{re.escape(char)}+", body)), default=0)
    return char * max(4, longest + 1)


def indent_block(block: str, width: int) -> str:
    """Indent every non-empty line of ``block`` by ``width`` spaces: a code block nested in a list item."""
    pad = " " * width
    return "\n".join(pad + line if line else line for line in block.splitlines())


def label(site_code: str, step_id: str) -> str:
    """The anchor of a step in a site's runbook, e.g. ``cen-mp-internet``."""
    return f"{site_code.lower()}-{step_id}"


def download_link(text: str, filename: str) -> str:
    """A ``{download}`` role for a file next to the page.

    Role content reaches Sphinx literally (backslash escapes would show), so the
    text is neutralised instead of escaped: ``<``/``>`` would be read as the
    target and become parentheses, and the backtick fence is longer than any
    backtick run inside.
    """
    safe_text = " ".join(text.replace("<", "(").replace(">", ")").split())
    safe_file = filename.replace("<", "").replace(">", "").replace("`", "")
    content = f"{safe_text} <{safe_file}>"
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if content.startswith("`") else ""
    return f"{{download}}{fence}{pad}{content}{fence}"
