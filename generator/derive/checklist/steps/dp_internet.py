"""Step 12: each distribution point that accepts Internet connections."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import ON_THE_INTERNET, each, names
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology
from generator.model.vocabulary import ROLE_CONSOLE_NODES


@dataclass(frozen=True)
class InternetDpEntry:
    """One distribution point that accepts Internet connections."""

    name: str
    connections: str
    """Its ``distribution_point.connections`` (internet or both)."""
    internet_only: bool
    """The client type to choose is Internet-only (``connections: internet``)."""
    internet_fqdn: str | None
    url: str
    """The HTTPS URL Internet clients download from."""


@dataclass(frozen=True)
class DpInternetView:
    """What the dp-internet step words: each Internet DP and its client type."""

    console_node: str
    dps: tuple[InternetDpEntry, ...]


def view(topo: Topology, _network: NetworkPlan) -> DpInternetView:
    """Resolve each Internet DP's client type and URL so the template only words them."""
    https = topo.site.client_ports.https
    dps = []
    for server in topo.internet_dps:
        dp = server.roles.distribution_point
        assert dp is not None
        dps.append(
            InternetDpEntry(
                name=server.name,
                connections=dp.connections,
                internet_only=dp.connections == "internet",
                internet_fqdn=server.internet_fqdn,
                url=f"https://{server.internet_fqdn}:{https}/",
            )
        )
    return DpInternetView(console_node=ROLE_CONSOLE_NODES["distribution_point"], dps=tuple(dps))


def _checks(view: DpInternetView, dp: InternetDpEntry, site_server: str) -> list[Instruction]:
    client_type = "Internet-only" if dp.internet_only else "intranet and Internet"
    return [
        Instruction(
            f"The General tab of the {view.console_node} properties of {dp.name} shows a standard distribution point "
            f"with the client type {client_type}."
        ),
        Instruction(
            f"The distribution point answers with a certificate for {dp.internet_fqdn}.",
            command=dp.url,
            where=ON_THE_INTERNET,
        ),
        Instruction(
            f"The packages that Internet clients need show {dp.name} among their distribution points, with the content "
            "installed."
        ),
        Instruction(
            f"distmgr.log on the site server {site_server} shows the packages copied to {dp.name} without errors (log "
            "name to confirm)."
        ),
    ]


def _rollback(view: DpInternetView, dp: InternetDpEntry) -> Instruction:
    if dp.internet_only:
        return Instruction(
            f"Remove {dp.name} from the distribution points of the packages copied to it for Internet clients, then "
            f"remove its distribution point role: under Site Systems → {dp.name}, right-click {view.console_node} → "
            "Delete."
        )
    return Instruction(
        f"Set the client type of {dp.name} back to intranet-only in the drop-down next to the BITS, HTTP and HTTPS "
        f"check box (General tab of its {view.console_node} properties)."
    )


def work(topo: Topology, network: NetworkPlan, view: DpInternetView) -> StepWork:
    """A distribution point is configured for Internet clients once its site system and certificate exist; checked
    by its certificate from the Internet and the content it holds."""
    servers = [d.name for d in view.dps]
    site_server = topo.site_server.name
    return StepWork(
        requires=frozenset({*(res.site_system(s) for s in servers), *res.new_certificates(network, servers)}),
        provides=frozenset(res.role("distribution_point", s) for s in servers),
        minutes=10 + 10 * len(servers),
        verification=tuple(i for d in view.dps for i in _checks(view, d, site_server)),
        evidence=(
            f"A screenshot of the General tab of the {view.console_node} properties of {each(servers)}.",
            "A screenshot of the certificate each distribution point presents from the Internet ("
            + names(d.url for d in view.dps)
            + ").",
            f"The package status of the packages Internet clients need, showing them installed on {names(servers)}.",
        ),
        rollback=tuple(_rollback(view, d) for d in reversed(view.dps)),
        gate=tuple(
            g
            for d in view.dps
            for g in (
                f"{d.url} answers from the Internet with a trusted certificate for {d.internet_fqdn}.",
                f"The packages Internet clients need are installed on {d.name}.",
            )
        ),
    )


STEP = Step(
    id="dp-internet",
    title="Configure a distribution point for Internet-based client connections",
    condition=conditions.role_internet("distribution_point", "distribution point"),
    view=view,
    serves=frozenset({"internet-distribution-point"}),
    phase=4,
    owner="configmgr",
    seed_item=9,
    work=work,
)
