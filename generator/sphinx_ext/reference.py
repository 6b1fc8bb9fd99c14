"""Sphinx directives that document the input format, codes and steps from the code itself.

The reference pages cannot drift from the model: the tables are built from the
pydantic fields (with their attribute docstrings), the diagnostic registry and
the step catalog at build time.
"""

from __future__ import annotations

import types
import typing
from typing import TYPE_CHECKING, Any, get_args, get_origin

from docutils import nodes
from docutils.statemachine import StringList
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from sphinx.util.docutils import SphinxDirective

from generator.codes import diagnostic_codes
from generator.derive.checklist import IBCM_CHECKLIST
from generator.derive.checklist.work import PHASE_TITLES
from generator.model.schema import SiteInput
from generator.render.escape import Myst
from generator.render.myst import list_table

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def describe_type(annotation: Any) -> str:
    """A short, user-facing name for a field type."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        base = get_args(annotation)[0]
        names = {meta.__name__ for meta in getattr(annotation, "__metadata__", ()) if hasattr(meta, "__name__")}
        return "text" if base is str and not names else describe_type(base)
    if origin is typing.Literal:
        return " | ".join(f"`{value}`" for value in get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        parts = [describe_type(a) for a in get_args(annotation) if a is not type(None)]
        return " | ".join(parts)
    if origin is list:
        return f"list of {describe_type(get_args(annotation)[0])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"mapping ({annotation.__name__})"
    return {str: "text", int: "integer", bool: "true/false"}.get(annotation, getattr(annotation, "__name__", "value"))


def _field_type(model: type[BaseModel], name: str) -> str:
    hints = typing.get_type_hints(model, include_extras=True)
    annotation = hints[name]
    alias_names = {
        "ServerName": "server name",
        "Fqdn": "FQDN",
        "SiteCode": "site code",
        "IpAddress": "IP address",
        "Account": "DOMAIN\\user",
        "PortRange": "low-high",
        "Port": "port",
        "Url": "URL",
        "SingleLine": "text",
        "MultiLine": "multi-line text",
    }
    raw = model.__annotations__.get(name, "")
    for alias, label in alias_names.items():
        if isinstance(raw, str) and alias in raw.replace("list[", "").replace("]", "").split(" | "):
            return f"list of {label}" if raw.startswith("list[") else label
    return describe_type(annotation)


def models_in_order(root: type[BaseModel] = SiteInput) -> list[tuple[str, type[BaseModel]]]:
    """(dotted key path, model) for every mapping of the format, depth first."""
    found: list[tuple[str, type[BaseModel]]] = []
    seen: set[type[BaseModel]] = set()

    def visit(path: str, model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        found.append((path, model))
        for name, info in model.model_fields.items():
            for arg in _nested_models(info.annotation):
                key = info.alias or name
                visit(f"{path}.{key}" if path else key, arg)

    visit("", root)
    return found


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _nested_models(arg)]


def schema_tables() -> str:
    """MyST text: one table per mapping of the site input format."""
    parts = []
    for path, model in models_in_order():
        rows = []
        for name, info in model.model_fields.items():
            if info.is_required():
                default = "required"
            elif (
                info.default is PydanticUndefined or info.default is None or isinstance(info.default, BaseModel | list)
            ):
                default = "optional"
            else:
                default = f"default `{str(info.default).lower() if isinstance(info.default, bool) else info.default}`"
            rows.append(
                [
                    Myst(f"`{info.alias or name}`"),
                    Myst(_field_type(model, name)),
                    Myst(default),
                    Myst(info.description or ""),
                ]
            )
        title = f"`{path}`" if path else "top level"
        parts.append(
            f"### {title}\n\n" + list_table(["Key", "Type", "Default", "Meaning"], rows, widths=[18, 22, 14, 46])
        )
    return "\n".join(parts)


def codes_table() -> str:
    rows = [[Myst(f"`{code.name}`"), code.severity.value, code.description] for code in diagnostic_codes()]
    return list_table(["Code", "Severity", "Meaning"], rows, widths=[30, 10, 60])


def steps_table() -> str:
    """The catalog: id, title, phase, owner and the Microsoft checklist item of each step, in catalog order."""
    rows = [
        [
            str(number),
            Myst(f"`{step.id}`"),
            step.title,
            f"{step.phase} {PHASE_TITLES[step.phase]}",
            Myst(f"`{step.owner}`"),
            str(step.seed_item) if step.seed_item is not None else "added",
        ]
        for number, step in enumerate(IBCM_CHECKLIST, start=1)
    ]
    return list_table(["#", "Id", "Step", "Phase", "Owner", "Item"], rows, widths=[4, 24, 40, 14, 10, 8])


class _GeneratedMarkdown(SphinxDirective):
    """Base: parse generated MyST text in place of the directive."""

    has_content = False

    def text(self) -> str:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(self.text().splitlines(), source="<ibcm-runbook>"), 0, container)
        return list(container.children)


class SchemaDirective(_GeneratedMarkdown):
    def text(self) -> str:
        return schema_tables()


class CodesDirective(_GeneratedMarkdown):
    def text(self) -> str:
        return codes_table()


class StepsDirective(_GeneratedMarkdown):
    def text(self) -> str:
        return steps_table()


def setup(app: Sphinx) -> None:
    """Register the reference directives."""
    app.add_directive("ibcm-schema", SchemaDirective)
    app.add_directive("ibcm-diagnostic-codes", CodesDirective)
    app.add_directive("ibcm-step-catalog", StepsDirective)
