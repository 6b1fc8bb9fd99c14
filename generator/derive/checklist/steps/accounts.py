"""Added step: the service accounts the change needs (docs/steps.md, step-accounts; reference 16.1)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.accounts import AccountNeed, account_needs
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step, Verdict
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology


def condition(topo: Topology) -> Verdict:
    needs = account_needs(topo)
    if not needs:
        return False, [
            "no site system is in another forest, no NLB software update point, and every SQL Server "
            "a management point reads is in its forest"
        ]
    return True, [f"{need.title}: {need.reason}" for need in needs]


@dataclass(frozen=True)
class AccountsView:
    """Each account to create or confirm, with who uses it and why."""

    accounts: tuple[AccountNeed, ...]


def view(topo: Topology, _network: NetworkPlan) -> AccountsView:
    return AccountsView(accounts=account_needs(topo))


def work(topo: Topology, network: NetworkPlan, view: AccountsView) -> StepWork:
    """Accounts exist before the steps that enter them in the console."""
    del topo, network
    return StepWork(
        requires=frozenset({res.DECISION}),
        provides=frozenset(res.account(a.kind) for a in view.accounts),
        minutes=15 + 15 * len(view.accounts),
    )


STEP = Step(
    id="accounts",
    title="Create the accounts the site systems need",
    condition=condition,
    view=view,
    phase=1,
    owner="directory",
    seed_item=None,
    work=work,
)
