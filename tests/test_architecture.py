"""The layout is the architecture: each stage package imports only earlier stages, and nothing imports in a cycle.

The stages, in pipeline order (docs/architecture.md): model → load → validate →
derive → plan → render → output → pipeline → sphinx_ext / publish → cli.  A
module may import modules of its own stage and of earlier stages only, also
lazily inside a function.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

STAGES: tuple[tuple[str, ...], ...] = (
    ("generator", "generator.errors", "generator.diagnostics"),
    ("generator.model",),
    ("generator.load",),
    ("generator.validate",),
    ("generator.derive",),
    ("generator.plan",),
    ("generator.render",),
    ("generator.output",),
    ("generator.pipeline", "generator.codes", "generator.scaffold"),
    ("generator.sphinx_ext", "generator.build", "generator.publish"),
    ("generator.cli", "generator.__main__"),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> int:
    best, best_len = -1, -1
    for number, prefixes in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = number, len(prefix)
    assert best >= 0, f"{module} belongs to no stage: add it to STAGES"
    return best


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The generator modules ``path`` imports (``from generator.x import y`` counts as generator.x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("generator")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            # ``from generator.pkg import module`` depends on the module; ``from generator.pkg import name``
            # on the package.
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_imports_only_its_own_and_earlier_stages(module: str) -> None:
    stage = stage_of(module)
    later = sorted(m for m in imports(MODULES[module], top_level_only=False) if stage_of(m) > stage)
    assert not later, f"{module} (stage {stage}) imports later stages: {later}"


def test_no_import_cycles() -> None:
    graph = {name: (imports(path, top_level_only=True) & set(MODULES)) - {name} for name, path in MODULES.items()}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError


def test_only_sphinx_glue_imports_sphinx() -> None:
    for name, path in MODULES.items():
        if name.startswith("generator.sphinx_ext"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "import sphinx" not in text and "from sphinx" not in text, name
