"""Jinja2 rendering of MyST pages: escape-by-default, strict, deterministic.

Every ``{{ expression }}`` in a template is escaped for MyST by the
environment's ``finalize`` hook unless our own code produced it as
:class:`~generator.render.escape.Myst`; template authors opt *out* of escaping
(with the ``code``/``block``/``fence`` filters or pre-rendered tables), never in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2

from generator.errors import TemplateError
from generator.render.escape import Myst, escape_myst, escape_myst_block, myst_code, myst_fence
from generator.render.myst import indent_block


def _finalize(value: Any) -> str:
    if isinstance(value, Myst):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape_myst(value)


def _join(values: Iterable[object], separator: str = ", ") -> Myst:
    return Myst(separator.join(v if isinstance(v, Myst) else escape_myst(v) for v in values))


def _code(value: object) -> Myst:
    return Myst(myst_code(value))


def _block(value: object) -> Myst:
    return Myst(escape_myst_block(value))


def _fence(value: object, info: str = "text") -> Myst:
    return Myst(myst_fence(value, info))


def _indent(value: Myst, width: int) -> Myst:
    """Indent rendered MyST (a code block inside a list item); unlike Jinja's ``indent`` it stays MyST."""
    if not isinstance(value, Myst):
        raise TypeError("mindent takes rendered MyST (e.g. the output of the fence filter)")
    return Myst(indent_block(value, width))


def _strong(value: object) -> Myst:
    return Myst(f"**{value if isinstance(value, Myst) else escape_myst(value)}**")


def create_environment(
    templates_dir: Path, *, finalize: Callable[[Any], str] = _finalize, **syntax: str
) -> jinja2.Environment:
    """A strict, escape-by-default Jinja2 environment.

    The default escapes for MyST and registers the MyST filters; other output
    languages (LaTeX) pass their own ``finalize`` and delimiters in ``syntax``.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,
        **syntax,  # type: ignore[arg-type]
    )
    if finalize is _finalize:
        env.filters.update(code=_code, block=_block, fence=_fence, strong=_strong, mjoin=_join, mindent=_indent)
    return env


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render ``name``; Jinja failures become :class:`TemplateError` with file and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(template=exc.filename or name, line=exc.lineno, message=exc.message or str(exc)) from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(template=name, line=None, message=f"template not found: {exc.name}") from exc
    except (jinja2.UndefinedError, TypeError, AttributeError, ValueError, KeyError) as exc:
        raise TemplateError(template=name, line=_template_line(exc, name), message=str(exc)) from exc


def _template_line(exc: BaseException, name: str) -> int | None:
    # Jinja rewrites tracebacks so template frames carry the template's file name and line.
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
