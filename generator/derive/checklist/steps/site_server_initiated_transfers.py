"""Step 8: "Allow only site server initiated data transfers" on each affected server."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import each, names, portqry, server_host, verb
from generator.derive.checklist.steps.server_placement import IntoIntranet, into_intranet
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import Server
from generator.model.topology import Topology


@dataclass(frozen=True)
class InitiatedServer:
    """A site system that allows only site-server-initiated transfers, and the facts that say why."""

    name: str
    zone: str
    forest: str
    other_forest: bool
    explicit: bool
    """The site input sets ``site_server_initiated: true`` for the server."""
    install_account: str | None


@dataclass(frozen=True)
class SiteServerInitiatedTransfersView:
    """The servers to set, the site server that fetches their data and the back firewall's rule."""

    site_server: str
    servers: tuple[InitiatedServer, ...]
    perimeter_may_initiate: bool
    back_firewall: str
    connection_group: str
    other_forest: bool
    """Some of the servers are in another forest than the site server (installation account, connection group)."""
    install_accounts: bool
    """Some of the servers have an installation account to check."""
    into_intranet: tuple[IntoIntranet, ...]
    """What these servers still open into the intranet: the option removes only their SMB to the site server."""


def _entry(topo: Topology, server: Server) -> InitiatedServer:
    return InitiatedServer(
        name=server.name,
        zone=server.zone,
        forest=topo.forest_of(server),
        other_forest=topo.in_other_forest(server),
        explicit=server.site_server_initiated is True,
        install_account=server.install_account,
    )


def view(topo: Topology, network: NetworkPlan) -> SiteServerInitiatedTransfersView:
    """Each affected server is set on its own, with the reasons (zone, forest, back firewall, input) it rests on."""
    servers = tuple(_entry(topo, server) for server in topo.site_server_initiated_servers)
    names = {s.name for s in servers}
    return SiteServerInitiatedTransfersView(
        site_server=topo.site_server.name,
        servers=servers,
        perimeter_may_initiate=topo.perimeter_may_initiate,
        back_firewall=topo.model.network.back_firewall.name,
        connection_group=topo.site_server_connection_group,
        other_forest=any(s.other_forest for s in servers),
        install_accounts=any(s.install_account for s in servers),
        into_intranet=into_intranet(network, lambda flow: flow.source in names),
    )


def _checks(topo: Topology, view: SiteServerInitiatedTransfersView) -> list[Instruction]:
    """The option on every server, the site server's connections to them, and none the other way through the back
    firewall."""
    servers = [s.name for s in view.servers]
    site_server = topo.site_server
    hosts = [server_host(s) for s in topo.site_server_initiated_servers]
    behind = [s.name for s in topo.site_server_initiated_servers if s.zone != site_server.zone]
    checks = [
        Instruction(
            f"Once installed, {names(servers)} {verb(servers, 'shows', 'show')} Allow only site server initiated "
            "data transfers from this site system checked on the General tab of the ConfigMgr site system properties."
        ),
        Instruction(
            f"{view.site_server} opens its connections to {names(servers)}: SMB TCP 445 and RPC TCP 135 answer. "
            "Expect LISTENING.",
            command="\n".join(portqry(host, ["445", "135"]) for host in hosts),
            where=view.site_server,
        ),
    ]
    if behind and view.perimeter_may_initiate:
        checks.append(
            Instruction(
                f"The log of {view.back_firewall} shows no connection opened by {names(behind)} towards "
                f"{view.site_server} on SMB TCP 445."
            )
        )
    elif behind:
        checks.append(
            Instruction(
                f"{names(behind)} cannot open SMB TCP 445 to {view.site_server}: {view.back_firewall} drops it. "
                "Expect FILTERED.",
                command=portqry(server_host(site_server), ["445"]),
                where=each(behind),
            )
        )
    return checks


def _rollback(topo: Topology, view: SiteServerInitiatedTransfersView) -> list[Instruction]:
    """Nothing to undo on its own: the option is a property of the site system and goes with it."""
    listed = [s.name for s in view.servers]
    servers = names(listed)
    site_server = topo.site_server
    behind = [s.name for s in topo.site_server_initiated_servers if s.zone != site_server.zone]
    they = verb(listed, "it", "they")
    remain = verb(listed, "remains a site system", "remain site systems")
    their = verb(listed, "its", "their")
    undo = Instruction(
        f"Nothing to undo on its own: the option goes with {servers} when {they} {verb(listed, 'is', 'are')} "
        "deleted from Site Systems (the rollback of the installation step)."
    )
    if behind and not view.perimeter_may_initiate:
        keep = Instruction(
            f"Do not clear the option on {servers} while {they} {remain}: {view.back_firewall} does not let "
            f"{names(behind)} open connections to {view.site_server}, so without the option {they} could not hand "
            f"over {their} data."
        )
    elif behind:
        keep = Instruction(
            f"Do not clear the option on {servers} while {they} {remain}, unless {view.back_firewall} allows "
            f"{names(behind)} to open connections to {view.site_server} (SMB TCP 445), a rule this change does not "
            f"open: without the option {they} would hand {their} data to {view.site_server} over that connection."
        )
    else:
        keep = Instruction(
            f"Do not clear the option on {servers} while {they} {remain}, unless {they} can open connections to "
            f"{view.site_server} (SMB TCP 445): without the option {they} would hand {their} data to "
            f"{view.site_server} over that connection."
        )
    return [undo, keep]


def work(topo: Topology, network: NetworkPlan, view: SiteServerInitiatedTransfersView) -> StepWork:
    """The option is chosen before the site system is installed (in the wizard), so that the system never tries
    to push data through a back firewall that blocks it; checked by who may open connections to whom."""
    del network
    listed = [s.name for s in view.servers]
    servers = names(listed)
    gate = [f"{servers} {verb(listed, 'allows', 'allow')} only site server initiated data transfers."]
    if not view.perimeter_may_initiate:
        gate.append(f"{view.back_firewall} drops connections opened by {servers} towards {view.site_server}.")
    # Client data fetched from a management point is proved by a pilot client, in next-steps; here, the status.
    data_check = Instruction(
        f"Once {servers} {verb(listed, 'is', 'are')} installed, Site System Status on {view.site_server} shows "
        f"current status for {verb(listed, 'it', 'them')}: the site server fetches it."
    )
    return StepWork(
        requires=frozenset({res.PLACEMENT}),
        provides=frozenset(res.transfer_mode(s.name) for s in view.servers),
        minutes=5 + 2 * len(view.servers),
        verification=(*_checks(topo, view), data_check),
        evidence=(
            f"A screenshot of the General tab of the ConfigMgr site system properties of {each(listed)}, with the "
            "option checked.",
            f"The PortQry output of the checks above, or the {view.back_firewall} log excerpt, with the date and "
            "the time.",
        ),
        rollback=tuple(_rollback(topo, view)),
        gate=tuple(gate),
    )


STEP = Step(
    id="site-server-initiated-transfers",
    title="Configure Internet-based site systems in another forest to accept data retrieval from the site server",
    condition=conditions.site_server_initiated,
    view=view,
    phase=3,
    owner="configmgr",
    seed_item=7,
    work=work,
)
