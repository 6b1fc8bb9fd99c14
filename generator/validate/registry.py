"""The rule registry: each rule declares its diagnostic codes once, where it is defined.

A rule is a function from a subject (the site's topology for the validation
rules, the site plan for the design review) to :class:`Finding` objects.  The
decorator of a :class:`RuleRegistry` records it with the :class:`Code` objects
it may emit; the docs' code table and the tests are derived from the registries,
and a rule that yields a code it did not declare fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from generator.diagnostics import Code
from generator.load.yaml_source import Path

S = TypeVar("S")
"""What a registry's rules inspect."""


@dataclass(frozen=True)
class Finding:
    """A rule violation before it is located in a file: the code, the input path it rests on, the message."""

    code: Code
    path: Path
    message: str
    at_key: bool = False
    """Point at the mapping key of ``path`` rather than its value (when the key itself is what is wrong)."""


Check = Callable[[S], Iterable[Finding]]
"""A rule's function: the findings of one subject."""


class UndeclaredCodeError(RuntimeError):
    """A rule yielded a finding whose code it does not declare (a bug in the rule)."""


@dataclass(frozen=True)
class Rule(Generic[S]):
    """A registered rule: its function and the codes it declares."""

    check: Check[S]
    codes: tuple[Code, ...]
    lookups: bool
    """Whether the rule looks servers up by name, so it runs only once every reference resolves."""

    @property
    def name(self) -> str:
        return self.check.__name__

    def __call__(self, subject: S) -> Iterator[Finding]:
        """The rule's findings; raises :class:`UndeclaredCodeError` on a code the rule did not declare."""
        for finding in self.check(subject):
            if finding.code not in self.codes:
                raise UndeclaredCodeError(f"rule {self.name} emitted {finding.code.name!r}, which it does not declare")
            yield finding


class RuleRegistry(Generic[S]):
    """An ordered set of rules over one kind of subject; each code belongs to exactly one rule."""

    def __init__(self) -> None:
        self._rules: list[Rule[S]] = []

    def rule(self, *codes: Code, lookups: bool = True) -> Callable[[Check[S]], Rule[S]]:
        """Register the decorated function as a rule that may emit ``codes``.

        ``lookups=False`` marks a rule that never looks a server up by name:
        it runs even when a reference is broken, so one run reports as much as it can.
        """
        if not codes:
            raise ValueError("a rule declares at least one code")
        taken = {code.name for code in self.codes}
        for code in codes:
            if code.name in taken:
                raise ValueError(f"diagnostic code {code.name!r} is declared twice")
            taken.add(code.name)

        def register(check: Check[S]) -> Rule[S]:
            registered = Rule(check, codes, lookups)
            self._rules.append(registered)
            return registered

        return register

    def __iter__(self) -> Iterator[Rule[S]]:
        return iter(self._rules)

    @property
    def codes(self) -> tuple[Code, ...]:
        """Every declared code, in the order the rules were registered."""
        return tuple(code for rule in self._rules for code in rule.codes)
