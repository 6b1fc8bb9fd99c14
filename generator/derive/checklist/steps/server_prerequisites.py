"""Added step: what each Internet-based site system needs installed first (docs/steps.md, step-server-prerequisites;
reference 16.5)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step, Verdict
from generator.derive.checklist.instructions import names
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.host_firewall import HostFirewallConfig, host_firewall_rules
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import OperatingSystem, Server, Site
from generator.model.topology import Topology, WebDavSetup
from generator.model.vocabulary import OS_TITLES, ROLE_TITLES, SERVICE_PACK_NEEDED, SERVICE_PACK_OF_VERSION

WSUS_OF_SERVICE_PACK = {0: "WSUS 3.0", 1: "WSUS 3.0 SP1", 2: "WSUS 3.0 SP2"}
"""The WSUS 3.0 level a software update point needs at the site's service pack (reference R16)."""

DEFAULT_PORTS = {"http": 80, "https": 443}
IIS_SITE = "Default Web Site"
"""The IIS web site Configuration Manager uses unless the site uses a custom web site."""
APPCMD = "%windir%\\system32\\inetsrv\\appcmd"
ADSUTIL = "cscript //nologo %SystemDrive%\\Inetpub\\AdminScripts\\adsutil.vbs"
WSUS_SETUP_KEY = "HKLM\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup"


def condition(topo: Topology) -> Verdict:
    servers = topo.internet_servers
    if not servers:
        return False, ["no server has a role that accepts Internet connections"]
    listed = names(s.name for s in servers)
    return True, [f"{listed} will host Internet-based roles and need IIS, BITS and their role prerequisites first"]


@dataclass(frozen=True)
class PortBinding:
    """An IIS binding the site's custom client ports need, with the commands that add and remove it on IIS 7."""

    scheme: Literal["http", "https"]
    port: int
    add_command: str | None
    """``appcmd`` on Windows Server 2008 (R2); None on Windows Server 2003 (IIS Manager)."""
    remove_command: str | None


@dataclass(frozen=True)
class ServerPrerequisites:
    """What one Internet-based site system needs installed before its roles."""

    name: str
    os: OperatingSystem
    os_title: str
    iis7: bool
    """Windows Server 2008 or 2008 R2: IIS 7 with ``appcmd`` and Windows Firewall with Advanced Security."""
    roles: tuple[str, ...]
    """The titles of its roles (all of them: the prerequisites serve every role on the server)."""
    fsp_only: bool
    """Its only role is a fallback status point: that it needs IIS is to confirm."""
    bits: bool
    """BITS server extensions: a management point or a BITS-enabled distribution point."""
    bits_roles: tuple[str, ...]
    """The roles that use them: "management point", "BITS-enabled distribution point"."""
    webdav: WebDavSetup | None
    """WebDAV set up by hand: a download on Windows Server 2008, an IIS role service on 2008 R2."""
    wsus: bool
    """WSUS 3.0 before the software update point role."""
    wsus_custom_website: bool
    """WSUS on its own web site (8530/8531) instead of the Default Web Site (80/443)."""
    wsus_cluster: str | None
    """The NLB software update point the server is a member of."""
    wsus_database: str | None
    """The SQL Server of that cluster's shared WSUS database."""
    bindings: tuple[PortBinding, ...]
    """Bindings of the site's custom client ports on the IIS site its roles use."""
    service_pack_needed: str | None
    """The ConfigMgr 2007 service pack its OS needs ("SP1", "SP2"); None on Windows Server 2003."""
    service_pack_met: bool
    """The site's product level meets it."""
    host_firewall: bool
    """Windows Server 2008 or 2008 R2, where Windows Firewall is on: the inbound rules must be opened."""
    host_rules: HostFirewallConfig | None
    """Its inbound Windows Firewall rules, from the flows that end at it (with the ``netsh`` commands Aerleon
    generated); None on Windows Server 2003 or when no flow ends at it."""


@dataclass(frozen=True)
class ServerPrerequisitesView:
    """Per Internet-based site system, what must be installed before its roles."""

    servers: tuple[str, ...]
    sup_servers: tuple[str, ...]
    """Servers that get a software update point role: WSUS 3.0 comes first."""
    prerequisites: tuple[ServerPrerequisites, ...]
    wsus_version: str
    """The WSUS 3.0 level the site's product level needs."""
    wsus_for_windows7: bool
    """The site is at SP2: WSUS 3.0 SP2 is what manages Windows 7 and Windows Server 2008 R2 clients."""
    site_server: str
    wsus_console_for: tuple[str, ...]
    """The software update points on remote servers for which the site server, itself not a WSUS server, needs the
    WSUS 3.0 administration console; empty when it needs none."""
    custom_ports: tuple[tuple[str, int], ...]
    """(scheme, port) of the site's client ports that are not the defaults."""
    iis_site: str
    fsp_only_servers: tuple[str, ...]
    """Servers whose only role is a fallback status point: that it needs IIS is to confirm."""


def _custom_ports(site: Site) -> list[tuple[Literal["http", "https"], int]]:
    ports: list[tuple[Literal["http", "https"], int]] = [
        ("https", site.client_ports.https),
        ("http", site.client_ports.http),
    ]
    return [(scheme, port) for scheme, port in ports if port != DEFAULT_PORTS[scheme]]


def _bindings(topo: Topology, server: Server) -> tuple[PortBinding, ...]:
    """Custom client ports: every MP and DP (both ports) and FSP (the HTTP port) answers clients on them."""
    roles = server.roles
    mp_or_dp = roles.management_point is not None or roles.distribution_point is not None
    iis7 = server.os != "windows_server_2003"
    bindings = []
    for scheme, port in _custom_ports(topo.site):
        if not (mp_or_dp or (scheme == "http" and roles.fallback_status_point is not None)):
            continue
        binding = f"[protocol='{scheme}',bindingInformation='*:{port}:']"
        bindings.append(
            PortBinding(
                scheme=scheme,
                port=port,
                add_command=f'{APPCMD} set site /site.name:"{IIS_SITE}" /+bindings.{binding}' if iis7 else None,
                remove_command=f'{APPCMD} set site /site.name:"{IIS_SITE}" /-bindings.{binding}' if iis7 else None,
            )
        )
    return tuple(bindings)


def _entry(
    topo: Topology, server: Server, sup_servers: set[str], host_rules: dict[str, HostFirewallConfig]
) -> ServerPrerequisites:
    roles = server.roles
    dp = roles.distribution_point
    sup = roles.software_update_point
    cluster = topo.cluster_for(server, "software_update_point")
    needed = SERVICE_PACK_NEEDED.get(server.os)
    iis7 = server.os != "windows_server_2003"
    bits_roles = [
        *(["management point"] if roles.management_point is not None else []),
        *(["BITS-enabled distribution point"] if dp is not None and dp.bits else []),
    ]
    return ServerPrerequisites(
        name=server.name,
        os=server.os,
        os_title=OS_TITLES[server.os],
        iis7=iis7,
        roles=tuple(ROLE_TITLES[key] for key, _ in roles.items()),
        fsp_only=[key for key, _ in roles.items()] == ["fallback_status_point"],
        bits=bool(bits_roles),
        bits_roles=tuple(bits_roles),
        webdav=topo.webdav_setup(server),
        wsus=server.name in sup_servers,
        wsus_custom_website=sup is not None and sup.wsus_website == "custom",
        wsus_cluster=cluster.name if cluster else None,
        wsus_database=cluster.wsus_database if cluster else None,
        bindings=_bindings(topo, server),
        service_pack_needed=f"SP{needed}" if needed else None,
        service_pack_met=needed is None or SERVICE_PACK_OF_VERSION[topo.site.version] >= needed,
        host_firewall=iis7,
        host_rules=host_rules.get(server.name),
    )


def view(topo: Topology, network: NetworkPlan) -> ServerPrerequisitesView:
    """Each Internet-based site system's prerequisites, its custom-port bindings and host firewall rules."""
    servers = topo.internet_servers
    sup_servers = sorted(
        {s.name for sup in topo.internet_sup_endpoints for s in sup.servers}, key=lambda n: topo.server_index[n.upper()]
    )
    site_server = topo.site_server
    remote_sups = [sup.name for sup in topo.sup_endpoints if all(s.key != site_server.key for s in sup.servers)]
    level = SERVICE_PACK_OF_VERSION[topo.site.version]
    host_rules = {config.server: config for config in host_firewall_rules(network, topo)}
    prerequisites = tuple(_entry(topo, s, set(sup_servers), host_rules) for s in servers)
    return ServerPrerequisitesView(
        servers=tuple(s.name for s in servers),
        sup_servers=tuple(sup_servers),
        prerequisites=prerequisites,
        wsus_version=WSUS_OF_SERVICE_PACK[level],
        wsus_for_windows7=level >= 2,
        site_server=site_server.name,
        wsus_console_for=tuple(remote_sups) if site_server.roles.software_update_point is None else (),
        custom_ports=tuple(_custom_ports(topo.site)),
        iis_site=IIS_SITE,
        fsp_only_servers=tuple(s.name for s in prerequisites if s.fsp_only),
    )


NETSH_RULE_NAME = re.compile(r'^netsh advfirewall firewall add rule name=("[^"]+"|\S+)', re.MULTILINE)
"""The name of each rule in the ``netsh`` commands Aerleon generated."""


def host_rule_names(config: HostFirewallConfig) -> tuple[str, ...]:
    """The names the server's inbound rules have in Windows Firewall: those of the generated ``netsh`` commands
    (Aerleon names them ``i_`` and the rule's name, and splits a rule with IPv4 and IPv6 sources in two), else the
    names the rules are listed under, which they get when added by hand."""
    if config.netsh:
        found = tuple(dict.fromkeys(m.strip('"') for m in NETSH_RULE_NAME.findall(config.netsh)))
        if found:
            return found
    return tuple(r.name for r in config.rules)


def _ports(config: HostFirewallConfig) -> str:
    return ", ".join(f"{r.protocol} {', '.join(r.local_ports)}" for r in config.rules)


def _verification(view: ServerPrerequisitesView, site_code: str) -> list[Instruction]:
    checks: list[Instruction] = []
    for s in view.prerequisites:
        installed = ["IIS", *(["BITS Server Extensions"] if s.bits else [])]
        if s.webdav == "role-service":
            installed.append("WebDAV Publishing")
        if s.iis7:
            checks.append(
                Instruction(
                    f"Server Manager on {s.name} lists {names(installed)} as installed (feature names to confirm).",
                    command="servermanagercmd -query",
                    where=s.name,
                )
            )
        else:
            checks.append(
                Instruction(
                    f"{s.name} has IIS{' and the BITS Server Extensions' if s.bits else ''} installed (Add or Remove "
                    "Programs, Windows Components, Application Server), and iisweb lists its web sites.",
                    command="cscript //nologo %SystemRoot%\\system32\\iisweb.vbs /query",
                    where=s.name,
                )
            )
        if s.webdav:
            checks += [
                Instruction(
                    f'WebDAV is enabled on the {view.iis_site} of {s.name}: the authoring section shows enabled="true".',
                    command=f'{APPCMD} list config "{view.iis_site}" /section:system.webServer/webdav/authoring',
                    where=s.name,
                ),
                Instruction(
                    f"The {view.iis_site} of {s.name} has a WebDAV authoring rule.",
                    command=f'{APPCMD} list config "{view.iis_site}" /section:system.webServer/webdav/authoringRules',
                    where=s.name,
                ),
            ]
        if s.wsus:
            database = f", SqlServerName {s.wsus_database} (the shared WSUS database of {s.wsus_cluster})"
            checks.append(
                Instruction(
                    f"WSUS is installed on {s.name} at {view.wsus_version} or later: its setup key lists the WSUS "
                    f"version{database if s.wsus_database else ''}.",
                    command=f'reg query "{WSUS_SETUP_KEY}"',
                    where=s.name,
                )
            )
        if s.bindings:
            ports = ", ".join(f"{b.scheme} {b.port}" for b in s.bindings)
            if s.iis7:
                checks.append(
                    Instruction(
                        f"The {view.iis_site} of {s.name} is bound to {ports}.",
                        command=f'{APPCMD} list site "{view.iis_site}"',
                        where=s.name,
                    )
                )
            else:
                checks += [
                    Instruction(
                        f"The {view.iis_site} of {s.name} is bound to {ports} ({key}).",
                        command=f"{ADSUTIL} GET W3SVC/1/{key}",
                        where=s.name,
                    )
                    for key in ("ServerBindings", "SecureBindings")
                ]
        if s.host_rules is not None:
            checks.append(
                Instruction(
                    f"Windows Firewall on {s.name} has enabled inbound allow rules for {_ports(s.host_rules)}.",
                    command="netsh advfirewall firewall show rule name=all dir=in",
                    where=s.name,
                )
            )
    needing = [s for s in view.prerequisites if s.service_pack_needed]
    if needing:
        level = "SP2" if any(s.service_pack_needed == "SP2" for s in needing) else "SP1"
        checks.append(
            Instruction(
                f"Site {site_code} is at Configuration Manager 2007 {level} or later, as "
                f"{names(s.name for s in needing)} need: the General tab of the site properties shows its version "
                "(where the version is shown is to confirm)."
            )
        )
    if view.wsus_console_for:
        checks.append(
            Instruction(
                f"The Update Services console (WSUS 3.0 administration console) starts on {view.site_server}.",
                where=view.site_server,
            )
        )
    return checks


def _rollback(view: ServerPrerequisitesView) -> list[Instruction]:
    steps = [
        Instruction(
            "What this step installs serves nothing until the roles are added, so it can stay when the change is "
            "backed out; where a server's owner wants it gone, remove it in this order."
        )
    ]
    for s in view.prerequisites:
        if s.host_rules is not None:
            rule_names = host_rule_names(s.host_rules)
            steps.append(
                Instruction(
                    f"Delete the inbound {'rule' if len(rule_names) == 1 else 'rules'} added for this change on "
                    f"{s.name} ({_ports(s.host_rules)}).",
                    command="\n".join(f'netsh advfirewall firewall delete rule name="{n}" dir=in' for n in rule_names),
                    where=s.name,
                )
            )
        for b in s.bindings:
            text = f"Remove the {b.scheme} binding on port {b.port} from the {view.iis_site} of {s.name}"
            if b.remove_command:
                steps.append(Instruction(f"{text}.", command=b.remove_command, where=s.name))
            else:
                steps.append(Instruction(f"{text} (IIS Manager, web site properties).", where=s.name))
        if s.wsus:
            shared = (
                f"; the shared WSUS database on {s.wsus_database} stays until the last member of {s.wsus_cluster} "
                "is removed"
                if s.wsus_database
                else ""
            )
            steps.append(Instruction(f"Uninstall WSUS 3.0 from {s.name}{shared}.", where=s.name))
        if s.webdav:
            what = "the WebDAV Publishing role service" if s.webdav == "role-service" else "the WebDAV extension"
            steps.append(Instruction(f"Remove {what} from {s.name}.", where=s.name))
        removable = ["BITS Server Extensions"] if s.bits else []
        steps.append(
            Instruction(
                f"Remove {names([*removable, 'IIS'])} from {s.name} only if nothing else on it uses "
                f"{'them' if removable else 'it'}."
            )
        )
    if view.wsus_console_for:
        steps.append(
            Instruction(
                f"Leave the WSUS 3.0 administration console on {view.site_server}: the site server needs it for "
                f"{names(view.wsus_console_for)}."
            )
        )
    return steps


def work(topo: Topology, network: NetworkPlan, view: ServerPrerequisitesView) -> StepWork:
    """Prerequisites are in place before the site system is installed; WSUS before the software update point."""
    del network
    listed = names(view.servers)
    gate = [f"The prerequisites listed for {listed} are installed and checked."]
    if view.sup_servers:
        gate.append(f"{view.wsus_version} or later is installed on {names(view.sup_servers)}.")
    if view.wsus_console_for:
        gate.append(f"The WSUS 3.0 administration console is installed on {view.site_server}.")
    bound = [s.name for s in view.prerequisites if s.bindings]
    if bound:
        ports = ", ".join(f"{scheme} {port}" for scheme, port in view.custom_ports)
        gate.append(f"The IIS web sites of {names(bound)} are bound to the client ports {ports}.")
    walled = [s.name for s in view.prerequisites if s.host_rules is not None]
    if walled:
        gate.append(f"Windows Firewall on {names(walled)} allows the inbound connections listed for each.")
    evidence = [f"The installed roles and features of {listed}."]
    if view.sup_servers:
        evidence.append(f"The WSUS setup values (version, database server) of {names(view.sup_servers)}.")
    if bound:
        evidence.append(f"The bindings of the IIS web sites of {names(bound)}.")
    if walled:
        evidence.append(f"The inbound Windows Firewall rules of {names(walled)}.")
    if view.wsus_console_for:
        evidence.append(f"A screenshot of the Update Services console on {view.site_server}.")
    return StepWork(
        requires=frozenset({res.PLACEMENT, res.BACKUP}),
        provides=frozenset({*(res.prerequisites(s) for s in view.servers), *(res.wsus(s) for s in view.sup_servers)}),
        minutes=30 * len(view.servers) + 30 * len(view.sup_servers),
        verification=tuple(_verification(view, topo.site.code)),
        evidence=tuple(evidence),
        rollback=tuple(_rollback(view)),
        gate=tuple(gate),
    )


STEP = Step(
    id="server-prerequisites",
    title="Install the prerequisites on each Internet-based site system",
    condition=condition,
    view=view,
    phase=3,
    owner="configmgr",
    seed_item=None,
    work=work,
)
