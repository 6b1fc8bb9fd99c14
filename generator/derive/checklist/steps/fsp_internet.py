"""Step 13: each fallback status point with connections: both."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import each, internet_port_check, public_address
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology
from generator.model.vocabulary import ROLE_CONSOLE_NODES


@dataclass(frozen=True)
class InternetFspEntry:
    """One fallback status point that accepts Internet clients."""

    name: str
    internet_fqdn: str | None
    shares_server: bool
    """The server also hosts a role that takes HTTPS client traffic (it should be dedicated)."""


@dataclass(frozen=True)
class FspInternetView:
    """What the fsp-internet step words: each Internet FSP and whether its server is dedicated."""

    console_node: str
    fsps: tuple[InternetFspEntry, ...]


def view(topo: Topology, _network: NetworkPlan) -> FspInternetView:
    """Resolve whether each Internet FSP shares its server so the template only words it."""
    fsps = tuple(
        InternetFspEntry(name=s.name, internet_fqdn=s.internet_fqdn, shares_server=topo.fsp_shares_server(s))
        for s in topo.internet_fsps
    )
    return FspInternetView(console_node=ROLE_CONSOLE_NODES["fallback_status_point"], fsps=fsps)


def _checks(view: FspInternetView, fsp: InternetFspEntry, network: NetworkPlan, http: str) -> list[Instruction]:
    checks = [
        Instruction(
            f"The General tab of the {view.console_node} properties of {fsp.name} shows that it allows intranet and "
            "Internet client connections (read-only)."
        )
    ]
    if fsp.internet_fqdn:
        checks.append(internet_port_check(fsp.internet_fqdn, public_address(network, fsp.internet_fqdn), [http]))
    checks.append(
        Instruction(
            f"After the first Internet clients are installed (the next steps), their state messages reach the site "
            f"through {fsp.name}."
        )
    )
    return checks


def _rollback(fsp: InternetFspEntry) -> tuple[Instruction, ...]:
    fqdn = f"the Internet FQDN {fsp.internet_fqdn}" if fsp.internet_fqdn else "its Internet FQDN"
    return (
        Instruction(
            f"Set Number of messages and Throttle interval (in seconds) of {fsp.name} back to the values recorded "
            "before the change."
        ),
        Instruction(
            f"Allowed client connections of {fsp.name} follows its Internet FQDN: it shows intranet only again once "
            f"{fqdn} is cleared (the rollback of the installation step)."
        ),
    )


def work(topo: Topology, network: NetworkPlan, view: FspInternetView) -> StepWork:
    """A fallback status point accepts Internet clients once its site system exists; its connections setting
    follows the Internet FQDN, so only the throttling is undone here."""
    servers = [f.name for f in view.fsps]
    http = str(topo.site.client_ports.http)
    return StepWork(
        requires=frozenset(res.site_system(s) for s in servers),
        provides=frozenset(res.role("fallback_status_point", s) for s in servers),
        minutes=10 + 5 * len(servers),
        verification=tuple(i for f in view.fsps for i in _checks(view, f, network, http)),
        evidence=(
            f"A screenshot of the General tab of the {view.console_node} properties of {each(servers)}.",
            f"The PortQry output from the Internet on HTTP {http}, with the date and the time.",
            "The Number of messages and Throttle interval values before and after the change.",
        ),
        rollback=tuple(i for f in reversed(view.fsps) for i in _rollback(f)),
        gate=tuple(
            f"{f.name} allows intranet and Internet client connections and answers on HTTP {http} from the Internet."
            for f in view.fsps
        ),
    )


STEP = Step(
    id="fsp-internet",
    title="Configure a fallback status point for Internet-based client connections",
    condition=conditions.fsp_internet,
    view=view,
    serves=frozenset({"internet-fallback-status-point"}),
    phase=4,
    owner="configmgr",
    seed_item=9,
    work=work,
)
