"""Safe YAML loading that keeps the position of every key and value.

PyYAML's ``safe_load`` forgets where values came from and silently keeps the last
of two duplicate keys.  We compose the node tree instead, convert it ourselves and
record a :class:`SourceLocation` for each path, so that any later check (pydantic
or semantic) can point at ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.diagnostics import Diagnostic, SourceLocation
from generator.load.codes import DUPLICATE_KEY, INVALID_KEY, YAML_SYNTAX

Path = tuple[str | int, ...]


@dataclass
class LocatedDocument:
    """A parsed YAML document plus the locations of its keys and values."""

    path: str
    data: Any
    value_locations: dict[Path, SourceLocation] = field(default_factory=dict)
    key_locations: dict[Path, SourceLocation] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> SourceLocation:
        """Location of ``path``; falls back to the nearest parent that exists.

        With ``key=True`` the key's own position is preferred (for unknown-key
        errors the key is what is wrong, not its value).
        """
        if key and path in self.key_locations:
            return self.key_locations[path]
        probe = path
        while probe:
            if probe in self.value_locations:
                return self.value_locations[probe]
            probe = probe[:-1]
        return self.value_locations.get((), SourceLocation(self.path, 1, 1))


class _Loader(yaml.SafeLoader):
    """SafeLoader used only for its resolver and scalar constructors."""


def _location(path: str, mark: yaml.Mark) -> SourceLocation:
    # PyYAML marks are 0-based; editors and compilers count from 1.
    return SourceLocation(path, mark.line + 1, mark.column + 1)


def load_document(text: str, path: str) -> tuple[LocatedDocument | None, list[Diagnostic]]:
    """Parse ``text``; return the document (None on syntax errors) and diagnostics."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        return None, [_yaml_error(exc, path)]
    finally:
        loader.dispose()
    document = LocatedDocument(path=path, data=None)
    if node is None:
        document.value_locations[()] = SourceLocation(path, 1, 1)
        return document, []
    diagnostics: list[Diagnostic] = []
    try:
        document.data = _convert(node, (), document, loader, diagnostics)
    except yaml.YAMLError as exc:  # a value the safe constructors refuse: an unknown tag, a merge of a non-mapping
        return None, [_yaml_error(exc, path)]
    except RecursionError:  # an alias that contains itself
        return None, [YAML_SYNTAX.at(SourceLocation(path, 1, 1), "YAML error: an alias refers to itself")]
    return document, diagnostics


def _yaml_error(exc: yaml.YAMLError, path: str) -> Diagnostic:
    """A PyYAML error as a located diagnostic (at its mark when it has one)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        location = _location(path, mark) if mark else SourceLocation(path, 1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        return YAML_SYNTAX.at(location, f"YAML syntax error: {problem}")
    return YAML_SYNTAX.at(SourceLocation(path, 1, 1), f"YAML error: {exc}")


def _convert(
    node: yaml.Node,
    path: Path,
    document: LocatedDocument,
    loader: _Loader,
    diagnostics: list[Diagnostic],
) -> Any:
    document.value_locations[path] = _location(document.path, node.start_mark)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int) or isinstance(key, bool):
                diagnostics.append(
                    INVALID_KEY.at(
                        _location(document.path, key_node.start_mark),
                        f"{format_path(path) or 'document'}: keys must be plain names (got {key!r})",
                    )
                )
                continue
            key = str(key)
            if key in result:
                first = document.key_locations[(*path, key)]
                diagnostics.append(
                    DUPLICATE_KEY.at(
                        _location(document.path, key_node.start_mark),
                        f"{format_path((*path, key))}: duplicate key (first defined at line {first.line})",
                    )
                )
                continue
            document.key_locations[(*path, key)] = _location(document.path, key_node.start_mark)
            result[key] = _convert(value_node, (*path, key), document, loader, diagnostics)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), document, loader, diagnostics) for index, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def format_path(path: Path) -> str:
    """Render a path the way users write it: ``servers[2].roles.management_point``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
