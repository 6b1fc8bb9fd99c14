"""Step 17: install or reconfigure clients for the Internet MP, and verify.

The client installation lines follow the Configuration Manager 2007 client installation properties
(docs/domain-facts.md, facts-clients): ``CCMSetup.exe``, then the CCMSetup properties (``/native``), then the
client.msi properties.  The documented Internet-only example is
``CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=<Internet MP FQDN> SMSSITECODE=<code>``; the other properties
(``CCMHTTPPORT``, ``CCMHTTPSPORT``, ``FSP``, ``SMSSIGNCERT``) come after those, and only when the site needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import each, names, verb
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import Server
from generator.model.topology import Topology

ClientPopulation = Literal["roaming", "internet_only"]
"""Roaming clients move between the intranet and the Internet; Internet-only clients never join the intranet."""

CCMSETUP = "CCMSetup.exe"
DEFAULT_CLIENT_PORTS = (80, 443)
"""The client HTTP and HTTPS ports a client assumes when ``CCMHTTPPORT`` / ``CCMHTTPSPORT`` are not given."""

CLIENT_FOLDER = "C:\\ConfigMgrClient"
"""Where the Internet-only line expects the client installation files and the exported signing certificate.

``SMSSIGNCERT`` takes a file; a fixed local folder (no spaces, no quoting) makes the line work as written."""


def signing_certificate_file(site_code: str) -> str:
    """The file name the site server signing certificate is exported to for ``SMSSIGNCERT``."""
    return f"{site_code}-site-server-signing.cer"


@dataclass(frozen=True)
class ClientInstallLine:
    """One client population and the CCMSetup command line that installs it, split as CCMSetup documents it."""

    population: ClientPopulation
    ccmsetup_options: tuple[str, ...]
    """CCMSetup properties (``/native``): they come before every client.msi property."""
    msi_properties: tuple[str, ...]
    """client.msi properties (``NAME=value``), in the order the command line gives them."""
    fsp_server: str | None
    """The fallback status point the line assigns (``FSP=``), if any."""
    fsp_fqdn: str | None
    """The name ``FSP=`` gives: see :func:`fsp_for`."""
    fsp_is_computer_name: bool
    """The FSP has no intranet FQDN in the site input, so ``FSP=`` gives its computer name."""
    signing_certificate: str | None
    """The path ``SMSSIGNCERT=`` gives (clients that cannot read Active Directory), else None."""

    @property
    def command(self) -> str:
        """The whole command line: CCMSetup.exe, its own properties, then the client.msi properties."""
        return " ".join((CCMSETUP, *self.ccmsetup_options, *self.msi_properties))


@dataclass(frozen=True)
class NextStepsView:
    """What the next-steps step words: the Internet MP clients are given and how to install them."""

    mp_fqdn: str | None
    """The FQDN of the site's Internet management point; None when no MP accepts Internet connections."""
    mp_cluster: str | None
    """The NLB cluster whose Internet FQDN that is, if the Internet MP is clustered."""
    mp_server: str | None
    """The Internet management point's server."""
    crl_url: str | None
    """Where clients check certificate revocation, if given."""
    site_code_property: str
    """The explicit site assignment property (``SMSSITECODE=<code>``)."""
    clients_internet_only: bool
    """Clients never join the intranet (they are installed as Internet-only clients)."""
    install_lines: tuple[ClientInstallLine, ...]
    """One line per client population, roaming clients first; empty without an Internet MP."""
    custom_ports: tuple[str, ...]
    """The port properties the lines carry because the site's client ports are not 80/443 (``CCMHTTPSPORT=8443``)."""
    site_server: str
    """Where the site server signing certificate is exported from."""
    signing_certificate_file: str
    """The file name it is exported to."""
    client_folder: str
    """The local folder the Internet-only line is run from (client files and the exported certificate)."""
    fsp_servers: tuple[str, ...]
    """Every fallback status point of the site (none: the lines carry no ``FSP=``)."""
    internet_fsp: str | None
    """The fallback status point that accepts Internet clients (``connections: both``), if any."""
    software_updates_on_internet: bool
    """Internet clients are meant to scan for software updates."""


def fsp_for(topo: Topology, population: ClientPopulation) -> tuple[Server | None, str | None]:
    """The fallback status point a client population is assigned to, and the name ``FSP=`` gives it.

    A client is assigned to one fallback status point, by the one name given at installation. A fallback
    status point accepts Internet clients only when it has an Internet FQDN (``connections: both``); there is
    no Internet-only one.

    * Roaming clients are installed on the intranet (client installation over the Internet is not supported)
      and send their first state messages from there, where only the intranet name resolves: they get the
      intranet FQDN (the computer name when the site input gives none) of the fallback status point that also
      accepts Internet clients, else of any fallback status point of the site. How such a client reaches it
      once it is on the Internet is worded as to confirm.
    * Internet-only clients never reach the intranet, so an intranet name would never resolve for them: they
      get the Internet FQDN of the fallback status point that accepts Internet clients, and no ``FSP=`` when
      the site has none.
    """
    internet_fsps = topo.internet_fsps
    if population == "internet_only":
        server = next((s for s in internet_fsps if s.internet_fqdn), None)
        return (server, server.internet_fqdn) if server else (None, None)
    candidates = internet_fsps or topo.servers_with("fallback_status_point")
    if not candidates:
        return None, None
    server = candidates[0]
    return server, server.intranet_fqdn or server.name


def _port_properties(topo: Topology) -> tuple[str, ...]:
    """``CCMHTTPPORT`` / ``CCMHTTPSPORT`` for each client port that is not the default."""
    ports = topo.site.client_ports
    result = []
    if ports.http != DEFAULT_CLIENT_PORTS[0]:
        result.append(f"CCMHTTPPORT={ports.http}")
    if ports.https != DEFAULT_CLIENT_PORTS[1]:
        result.append(f"CCMHTTPSPORT={ports.https}")
    return tuple(result)


def install_line(topo: Topology, population: ClientPopulation) -> ClientInstallLine | None:
    """The CCMSetup command line of one client population; None when no MP accepts Internet connections.

    Both populations are native-mode clients of a native-mode site, so both lines carry ``/native``.
    Internet-only clients also get ``CCMALWAYSINF=1`` and, because they cannot read the site server signing
    certificate from Active Directory, ``SMSSIGNCERT`` with the exported certificate; roaming clients get it
    from Active Directory or the management point.
    """
    mp_fqdn = topo.internet_mp_fqdn
    if mp_fqdn is None:
        return None
    code = topo.site.code
    internet_only = population == "internet_only"
    properties = ["CCMALWAYSINF=1"] if internet_only else []
    properties += [f"CCMHOSTNAME={mp_fqdn}", f"SMSSITECODE={code}", *_port_properties(topo)]
    fsp, fsp_name = fsp_for(topo, population)
    if fsp_name:
        properties.append(f"FSP={fsp_name}")
    signing = f"{CLIENT_FOLDER}\\{signing_certificate_file(code)}" if internet_only else None
    if signing:
        properties.append(f"SMSSIGNCERT={signing}")
    return ClientInstallLine(
        population=population,
        ccmsetup_options=("/native",),
        msi_properties=tuple(properties),
        fsp_server=fsp.name if fsp else None,
        fsp_fqdn=fsp_name,
        fsp_is_computer_name=fsp is not None and not internet_only and not fsp.intranet_fqdn,
        signing_certificate=signing,
    )


def client_populations(topo: Topology) -> tuple[ClientPopulation, ...]:
    """The client populations the runbook installs, roaming clients first.

    Whether a client is Internet-only is decided per client at installation, and workgroup computers on the
    Internet must be Internet-only: so a site with roaming clients may still have Internet-only computers and
    gets both lines. A site whose clients never join the intranet (``clients.placement: internet_only``) has
    no roaming clients.
    """
    return ("internet_only",) if topo.clients_internet_only else ("roaming", "internet_only")


def view(topo: Topology, _network: NetworkPlan) -> NextStepsView:
    """Resolve the Internet MP FQDN and one client installation line per population so the template only words them."""
    code = topo.site.code
    mp = topo.internet_mps[0] if topo.internet_mps else None
    cluster = topo.cluster_for(mp, "management_point") if mp else None
    lines = tuple(line for p in client_populations(topo) if (line := install_line(topo, p)) is not None)
    internet_fsp, _ = fsp_for(topo, "internet_only")
    return NextStepsView(
        mp_fqdn=topo.internet_mp_fqdn,
        mp_cluster=cluster.name if cluster else None,
        mp_server=mp.name if mp else None,
        crl_url=topo.model.pki.crl_url,
        site_code_property=f"SMSSITECODE={code}",
        clients_internet_only=topo.clients_internet_only,
        install_lines=lines,
        custom_ports=_port_properties(topo),
        site_server=topo.site_server.name,
        signing_certificate_file=signing_certificate_file(code),
        client_folder=CLIENT_FOLDER,
        fsp_servers=tuple(s.name for s in topo.servers_with("fallback_status_point")),
        internet_fsp=internet_fsp.name if internet_fsp else None,
        software_updates_on_internet="software_updates" in topo.model.clients.internet_features,
    )


def _dp_url(topo: Topology, dp: Server) -> str:
    """The HTTPS address Internet clients download from a distribution point (as dp-internet and dp-bits show it)."""
    return f"https://{dp.internet_fqdn}:{topo.site.client_ports.https}/"


def _checks(topo: Topology, view: NextStepsView) -> list[Instruction]:
    """What a pilot client on the Internet shows once it is installed with this step's command line."""
    sdk = "Through the client SDK, ISmsClient2::IsClientOnInternet reports that the client is on the Internet"
    if view.clients_internet_only:
        sdk += " and IsClientAlwaysOnInternet reports an Internet-only client"
    reports = (
        "its inventory and software update scan results reach"
        if view.software_updates_on_internet
        else ("its inventory reaches")
    )
    checks = [
        Instruction(
            "CCMSetup completed on the pilot client: ccmsetup.log ends with exit code 0 (log location to confirm).",
            command='findstr /i /c:"exit code" %windir%\\system32\\ccmsetup\\ccmsetup.log',
            where="the pilot client",
        )
    ]
    if view.mp_fqdn:
        checks += [
            Instruction(
                f"Control Panel → Configuration Manager → Internet tab on the pilot client shows {view.mp_fqdn} (to "
                "confirm for Configuration Manager 2007)."
            ),
            Instruction(
                f"LocationServices.log on the pilot client names {view.mp_fqdn} as its Internet management point (log "
                "name to confirm)."
            ),
        ]
    readers = [s.name for s in topo.replica_readers]
    replica = topo.replica_server
    policy = (
        f" from {names(readers)}, which {verb(readers, 'reads', 'read')} the replica on {replica.name}"
        if readers and replica
        else ""
    )
    initiated = {s.key for s in topo.site_server_initiated_servers}
    fetched = [m.name for m in topo.internet_mps if m.key in initiated]
    fetch = (
        f" ({names(fetched)} {verb(fetched, 'allows', 'allow')} only site server initiated data transfers: this "
        f"proves that {view.site_server} fetches the client data from {verb(fetched, 'it', 'them')})"
        if fetched
        else ""
    )
    checks += [
        Instruction(f"The pilot client's site assignment is {topo.site.code}."),
        Instruction(
            f"{sdk}, and GetCurrentManagementPoint returns an empty string while the client is on the Internet."
        ),
        Instruction(
            f"The pilot client receives policy{policy}, and {reports} the site: Resource Explorer in the console on "
            f"{view.site_server} shows inventory dated after the client went on the Internet{fetch}."
        ),
    ]
    checks += [
        Instruction(
            f"A test package advertised to the pilot client downloads from the distribution point {dp.name} "
            f"({_dp_url(topo, dp)}) with BITS: DataTransferService.log on the client shows the download completed "
            "(log name to confirm)."
        )
        for dp in topo.internet_dps
    ]
    if view.internet_fsp:
        checks.append(
            Instruction(f"The pilot client's state messages reach the fallback status point {view.internet_fsp}.")
        )
    checks.append(
        Instruction(
            "The features not supported on the Internet (listed when the decision was confirmed) are covered by the "
            "VPN plan."
        )
    )
    return checks


def _rollback(view: NextStepsView) -> list[Instruction]:
    populations = {line.population for line in view.install_lines}
    steps = [
        Instruction(
            "Stop installing clients with the command lines of this step: withdraw the installation package and the "
            "removable media."
        )
    ]
    if "internet_only" in populations:
        steps.append(
            Instruction(
                "Internet-only clients (CCMALWAYSINF=1) cannot be managed without the Internet-based site systems: "
                "uninstall them (CCMSetup.exe /uninstall, to confirm) or leave them unmanaged until the site systems "
                "are back."
            )
        )
    if "roaming" in populations:
        steps.append(
            Instruction(
                "Roaming clients keep using the default management point on the intranet and stay unmanaged on the "
                f"Internet until they return; to stop them trying {view.mp_fqdn}, clear their Internet management "
                "point (ISmsClient2::SetInternetManagementPointFQDN or the Internet tab of the Configuration Manager "
                "control panel, to confirm)."
            )
        )
    return steps


def work(topo: Topology, network: NetworkPlan, view: NextStepsView) -> StepWork:
    """Clients are installed for the Internet once every Internet role, cluster and synchronisation is in place;
    a pilot client on the Internet proves the whole change before the rest follow."""
    requires = {res.role(role, s.name) for s in topo.internet_servers for role in topo.internet_roles(s)}
    requires |= {res.nlb(c.name) for c in topo.model.nlb_clusters if c.internet_fqdn}
    requires |= res.public_names(network)
    requires |= {res.bits(s.name) for s in topo.internet_dps}
    proxy = topo.model.network.reverse_proxy
    if proxy is not None:
        requires.add(res.proxy(proxy.name))
    if topo.internet_sup is not None:
        requires.add(res.sync(topo.internet_sup.name))
    code = topo.site.code
    uses = f", uses {view.mp_fqdn}" if view.mp_fqdn else ""
    return StepWork(
        requires=frozenset(requires),
        provides=frozenset({res.CLIENTS}),
        minutes=45,
        verification=tuple(_checks(topo, view)),
        evidence=(
            "The names of the pilot clients, when they were installed and the command line used.",
            *((f"A screenshot of the Internet tab of a pilot client showing {view.mp_fqdn}.",) if view.mp_fqdn else ()),
            "A screenshot of Resource Explorer with a pilot client's inventory dated after it went on the Internet.",
            *(
                ("The excerpt of the pilot client's download log for the test package, with the date and the time.",)
                if topo.internet_dps
                else ()
            ),
            *(
                (f"The pilot client's state messages at the fallback status point {view.internet_fsp}.",)
                if view.internet_fsp
                else ()
            ),
        ),
        rollback=tuple(_rollback(view)),
        gate=(
            f"A pilot client on the Internet is assigned to {code}{uses}, and its inventory reaches the site.",
            *(
                (f"The pilot client downloads a test package from {each([dp.name for dp in topo.internet_dps])}.",)
                if topo.internet_dps
                else ()
            ),
            "The remaining clients are installed only after the pilot passed.",
        ),
    )


STEP = Step(
    id="next-steps",
    title="Next steps: deploy or reconfigure clients for the Internet and verify",
    condition=conditions.always("always included: clients must be installed or reconfigured for the Internet MP"),
    view=view,
    phase=5,
    owner="configmgr",
    seed_item=12,
    work=work,
)
