"""The checklist as a value: steps with their conditions, views and the flow needs they serve.

A :class:`Checklist` is passed to :func:`generator.plan.build_site_plan`; the
runbook, the docs and the tests iterate it, and a test can plug in a checklist
of its own.  Each :class:`Step` carries

* ``condition``: a pure predicate over the topology that returns whether the
  step applies and the reasons, naming the input values it rests on;
* ``view``: a builder that computes everything the step's template shows, so
  templates hold wording only;
* ``serves``: the network needs (see :data:`generator.derive.network.flows.Need`)
  whose flows this step opens, so flows never name steps themselves;
* ``work``: a builder of the step's :class:`~generator.derive.checklist.work.StepWork`
  (resources it requires and provides, duration, checks, evidence, rollback),
  and its place in the change: ``phase``, ``owner`` and ``seed_item``.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from generator.derive.checklist.ids import StepId
from generator.derive.checklist.work import Phase, StepWork, Team
from generator.derive.network.flows import Need
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology

Verdict = tuple[bool, list[str]]
"""A condition's answer: whether the step applies, and why."""

Condition = Callable[[Topology], Verdict]
ViewBuilder = Callable[[Topology, NetworkPlan], Any]
"""Builds the step's view from the topology and the site's network plan (derived once, before the views): a
frozen dataclass of the facts its template words."""


WorkBuilder = Callable[[Topology, NetworkPlan, Any], StepWork]
"""Builds the step's work from the topology, the network plan and the step's own view."""


def no_view(topo: Topology, network: NetworkPlan) -> None:
    """The view of a step whose template needs nothing but the site and the shared tables."""
    del topo, network


def no_work(topo: Topology, network: NetworkPlan, view: Any) -> StepWork:
    """The work of a step that declares nothing (test checklists only: every catalog step has its own)."""
    del topo, network, view
    return StepWork()


@dataclass(frozen=True)
class Step:
    """One entry of a checklist."""

    id: StepId
    title: str
    condition: Condition
    view: ViewBuilder = no_view
    serves: frozenset[Need] = frozenset()
    """Network needs whose flows this step opens (each need is served by one step)."""
    template: str = ""
    """Template path under ``templates/``; defaults to ``steps/<id>.md.j2``."""
    phase: Phase = 1
    """The phase of the change the step belongs to."""
    owner: Team = "configmgr"
    """The kind of team that carries the step out (the site input's ``teams`` names it)."""
    seed_item: int | None = None
    """The item of Microsoft's checklist the step implements; None for a step this tool adds."""
    changes: bool = True
    """The step changes something (it then needs an owner's checks and a rollback); False for decisions."""
    work: WorkBuilder = no_work

    def __post_init__(self) -> None:
        if not self.template:
            object.__setattr__(self, "template", f"steps/{self.id}.md.j2")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as a reference to the catalog's step: its condition and builders are functions, often closures.

        Plans cross process boundaries in the split build and are kept in the
        site cache; only the catalog's own steps can be (any other is a test's).
        """
        if _catalog().step(self.id) is not self:
            raise pickle.PicklingError(f"step {self.id!r} is not the catalog's: only catalog steps can be pickled")
        return (catalog_step, (self.id,))


@dataclass(frozen=True)
class Decision:
    """Whether a step is in this site's runbook, and why."""

    step: Step
    included: bool
    reasons: tuple[str, ...]

    @property
    def id(self) -> StepId:
        return self.step.id

    @property
    def title(self) -> str:
        return self.step.title


@dataclass(frozen=True)
class Checklist:
    """An ordered collection of steps and the step that opens flows whose own step is left out."""

    steps: tuple[Step, ...]
    fallback: StepId
    """Step that lists a flow whose serving step is not in the runbook (it must always apply)."""
    _by_need: dict[Need, StepId] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids = [step.id for step in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate step ids in checklist: {ids}")
        if self.fallback not in ids:
            raise ValueError(f"fallback step {self.fallback!r} is not in the checklist")
        by_need: dict[Need, StepId] = {}
        for step in self.steps:
            for need in step.serves:
                if need in by_need:
                    raise ValueError(f"need {need!r} is served by both {by_need[need]!r} and {step.id!r}")
                by_need[need] = step.id
        object.__setattr__(self, "_by_need", by_need)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as a reference to the catalog (see :meth:`Step.__reduce__`)."""
        if _catalog() is not self:
            raise pickle.PicklingError("only the catalog's checklist can be pickled")
        return (_catalog, ())

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def ids(self) -> tuple[StepId, ...]:
        return tuple(step.id for step in self.steps)

    def step(self, step_id: StepId) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def decide(self, topo: Topology) -> tuple[Decision, ...]:
        """Evaluate every step for a site, in checklist order."""
        decisions = []
        for step in self.steps:
            included, reasons = step.condition(topo)
            decisions.append(Decision(step, included, tuple(reasons)))
        return tuple(decisions)

    def step_for(self, need: Need, included: Collection[StepId]) -> StepId:
        """The step that opens flows of ``need`` in a runbook of ``included`` steps."""
        serving = self._by_need.get(need)
        return serving if serving is not None and serving in included else self.fallback


def _catalog() -> Checklist:
    from generator.derive.checklist.catalog import IBCM_CHECKLIST  # the catalog imports this module

    return IBCM_CHECKLIST


def catalog_step(step_id: StepId) -> Step:
    """The catalog's step ``step_id`` (what a pickled :class:`Step` is loaded as)."""
    return _catalog().step(step_id)
