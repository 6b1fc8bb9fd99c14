"""Step 15: BITS, HTTP and HTTPS on each Internet-based distribution point."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import each
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology, WebDavSetup
from generator.model.vocabulary import ROLE_CONSOLE_NODES


@dataclass(frozen=True)
class BitsDpEntry:
    """One Internet-based distribution point that must allow BITS, HTTP and HTTPS."""

    name: str
    webdav: WebDavSetup | None
    """How WebDAV is set up by hand: a download on Windows Server 2008, an IIS role service on 2008 R2; None on
    Windows Server 2003."""
    url: str
    """The HTTPS URL a pilot Internet client downloads from."""


@dataclass(frozen=True)
class DpBitsView:
    """What the dp-bits step words: each Internet DP and whether it needs WebDAV by hand."""

    console_node: str
    dps: tuple[BitsDpEntry, ...]


def view(topo: Topology, _network: NetworkPlan) -> DpBitsView:
    """Resolve each Internet DP's WebDAV need and download URL so the template only words them."""
    https = topo.site.client_ports.https
    dps = tuple(
        BitsDpEntry(
            name=server.name,
            webdav=topo.webdav_setup(server),
            url=f"https://{server.internet_fqdn}:{https}/",
        )
        for server in topo.internet_dps
    )
    return DpBitsView(console_node=ROLE_CONSOLE_NODES["distribution_point"], dps=dps)


BITS_OPTION = "Allow clients to transfer content from this distribution point using BITS, HTTP, and HTTPS"


def _checks(view: DpBitsView, dp: BitsDpEntry) -> list[Instruction]:
    checks = [
        Instruction(f"The General tab of the {view.console_node} properties of {dp.name} has {BITS_OPTION} checked.")
    ]
    if dp.webdav:
        checks.append(
            Instruction(f"In IIS Manager on {dp.name}, WebDAV is installed and enabled, with a WebDAV authoring rule.")
        )
    checks += [
        Instruction(
            f"The proxy and firewall teams confirm that the verbs HEAD, GET and PROPFIND and the header Range are "
            f"allowed towards {dp.url}."
        ),
    ]
    return checks


def work(topo: Topology, network: NetworkPlan, view: DpBitsView) -> StepWork:
    """BITS is enabled on a distribution point that already accepts Internet clients; checked in its properties and
    by the teams in front of it (a pilot client's download is checked in next-steps)."""
    del topo, network
    servers = [d.name for d in view.dps]
    return StepWork(
        requires=frozenset(res.role("distribution_point", s) for s in servers),
        provides=frozenset(res.bits(s) for s in servers),
        minutes=10 + 5 * len(servers),
        verification=tuple(i for d in view.dps for i in _checks(view, d)),
        evidence=(
            f"A screenshot of the General tab of the {view.console_node} properties of {each(servers)}, with "
            "BITS, HTTP and HTTPS checked.",
            "The proxy and firewall teams' confirmation that HEAD, GET, PROPFIND and the Range header are allowed, "
            "with the date.",
        ),
        rollback=tuple(
            Instruction(
                f"Clear {BITS_OPTION} on {d.name} (General tab of its {view.console_node} properties); Internet "
                "clients cannot download from it afterwards."
            )
            for d in reversed(view.dps)
        ),
        gate=tuple(f"{d.name} allows clients to transfer content using BITS, HTTP and HTTPS." for d in view.dps),
    )


STEP = Step(
    id="dp-bits",
    title="Configure distribution points to transfer content using BITS, HTTP and HTTPS",
    condition=conditions.role_internet("distribution_point", "distribution point"),
    view=view,
    phase=4,
    owner="configmgr",
    seed_item=10,
    work=work,
)
