"""Instruction shapes that several steps share: port checks per firewall rule, public DNS look-ups, certificate checks,
the removal of firewall rules, and the small wording helpers they need.

Each step's ``work`` words its own checks and rollback; the shapes that recur are built here once, so that "remove
rules 1–3 of FW-EDGE" or a ``portqry`` from the site server read the same in every step and name the same hosts as
the firewall tables.  Everything returned is plain text: the renderers escape it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Sized

from generator.derive.checklist.work import Instruction
from generator.derive.network.flows import CRL_PLACEHOLDER
from generator.derive.network.plan import NetworkPlan
from generator.derive.network.rules import FirewallRule, RuleEndpoint
from generator.model.schema import Server
from generator.model.topology import Topology

PUBLIC_RESOLVER = "8.8.8.8"
"""A public DNS resolver to ask from the Internet, so that the answer cannot come from the organisation's own DNS
(any public resolver will do)."""

ON_THE_INTERNET = "a computer on the Internet"
"""Where checks of what Internet clients see run: outside the organisation's networks and DNS."""

IN_A_BROWSER = "a computer on the Internet, in a browser with a client authentication certificate"
"""Where the HTTPS test URLs are opened: in native mode the site systems ask for a client certificate."""

PORTQRY_EXPECTED = (
    "Expect LISTENING (NOT LISTENING until the service behind it is installed); FILTERED means a firewall drops it."
)
"""How to read a PortQry result when the firewall rule is checked before the service it protects is installed."""

EDGE_BLOCKED_PORTS = ("445", "2701")
"""Ports of features Internet clients cannot use (client push over SMB, remote control) that must stay closed."""


# --- wording ----------------------------------------------------------------------------------------------------


def names(items: Iterable[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``: names in a sentence."""
    listed = list(dict.fromkeys(items))
    if len(listed) <= 1:
        return "".join(listed)
    return f"{', '.join(listed[:-1])} and {listed[-1]}"


def each(items: Sequence[str]) -> str:
    """Where one command runs on several servers: ``DMZMP01``, or ``each of DMZMP01 and DMZMP02``."""
    return items[0] if len(items) == 1 else f"each of {names(items)}"


def verb(items: Sized, singular: str, plural: str) -> str:
    """The word form that agrees with a list (of names, rules…): ``DMZMP01 allows``, ``DMZMP01 and DMZMP02 allow``."""
    return singular if len(items) == 1 else plural


def numbers(values: Iterable[int]) -> str:
    """``1–3``, ``1, 2 and 5``, ``1–3 and 5``: runs of three or more consecutive numbers become a range."""
    ordered = sorted(set(values))
    parts: list[str] = []
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{ordered[start]}–{ordered[end]}")
        else:
            parts.extend(str(n) for n in ordered[start : end + 1])
        start = end + 1
    return names(parts)


def rules_label(firewall: str, rules: Sequence[FirewallRule]) -> str:
    """``FW-EDGE rules 1–3`` or ``FW-CORE rule 4``."""
    noun = "rule" if len(rules) == 1 else "rules"
    return f"{firewall} {noun} {numbers(r.number for r in rules)}"


def console(*nodes: str) -> str:
    """A console path as plain text: ``Site Systems → DMZMP01``."""
    return " → ".join(nodes)


def change_record(topo: Topology) -> str:
    """How evidence names the change: its id when the site input gives one."""
    change = topo.model.change
    return f"change {change.id}" if change else "the change record"


# --- hosts and commands -----------------------------------------------------------------------------------------


def server_host(server: Server) -> str:
    """The name to reach a server by from inside: its intranet FQDN, else its address, else its computer name."""
    return server.intranet_fqdn or server.address or server.name


def endpoint_host(endpoint: RuleEndpoint, topo: Topology) -> str | None:
    """The host a firewall check connects to: the address the rule is written for, else the server's intranet FQDN
    or the name the firewall resolves; None for a party that has no host to test (any Internet client, Microsoft
    Update, a CRL host not named yet)."""
    if endpoint.ref in ("clients", "intranet-clients", "microsoft-update") or endpoint.name == CRL_PLACEHOLDER:
        return None
    if endpoint.address:
        return endpoint.address
    if endpoint.ref.startswith("directory:"):
        # A forest's unlisted domain controllers: the forest root domain's name resolves to them.
        return endpoint.ref.removeprefix("directory:")
    server = topo.server(endpoint.name) if endpoint.ref.startswith("server:") else None
    return server_host(server) if server else endpoint.name


def portqry(host: str, ports: Sequence[str], protocol: str = "TCP") -> str:
    """One PortQry command line for one host and one or more ports."""
    option = f"-e {ports[0]}" if len(ports) == 1 else f"-o {','.join(ports)}"
    suffix = "" if protocol == "TCP" else f" -p {protocol.lower()}"
    return f"portqry -n {host}{suffix} {option}"


def nslookup(name: str, resolver: str | None = PUBLIC_RESOLVER) -> str:
    """An nslookup of ``name``, against a public resolver unless ``resolver`` is None (the computer's own DNS)."""
    return f"nslookup {name} {resolver}" if resolver else f"nslookup {name}"


def single_tcp_ports(rule: FirewallRule) -> list[str]:
    """The TCP ports of a rule that PortQry can test one by one (ranges are proved by the work that uses them)."""
    return [s.port for s in rule.services if s.protocol == "TCP" and s.port.isdigit()]


def _runs_checks(endpoint: RuleEndpoint) -> str | None:
    """Where a check from this source runs: a server or the reverse proxy by name, an intranet client; None for any
    Internet client (checked by Internet FQDN instead)."""
    if endpoint.ref == "intranet-clients":
        return "an intranet client computer"
    if endpoint.ref.startswith(("server:", "proxy:")):
        return endpoint.name
    return None


def rule_checks(
    topo: Topology, rules: Iterable[FirewallRule], expected: str = PORTQRY_EXPECTED
) -> tuple[Instruction, ...]:
    """A PortQry check per rule, run from each of its sources, to every destination of the rule.

    Rules from Internet clients are left out: they are checked by Internet FQDN from a computer on the Internet.
    Rules whose destination has no host to test (Microsoft Update, an unnamed CRL host) get a sentence instead.
    """
    checks: list[Instruction] = []
    for rule in rules:
        sources = [where for e in rule.sources if (where := _runs_checks(e)) is not None]
        if not sources:
            continue
        ports = single_tcp_ports(rule)
        hosts = [(d.name, endpoint_host(d, topo)) for d in rule.destinations]
        testable = [(name, host) for name, host in hosts if host and ports]
        untestable = [name for name, host in hosts if not host or not ports]
        who = names(sources)
        label = f"{rule.firewall} rule {rule.number}: {who}"
        if testable:
            checks.append(
                Instruction(
                    f"{label} {verb(sources, 'reaches', 'each reach')} {names(n for n, _ in testable)} "
                    f"on TCP {', '.join(ports)}. {expected}",
                    command="\n".join(portqry(host, ports) for _, host in testable),
                    where=each(sources),
                )
            )
        if untestable:
            checks.append(
                Instruction(
                    f"{label} {verb(sources, 'reaches', 'each reach')} {names(untestable)} on "
                    f"{rule.service_summary}: there is no single host to test, so check the firewall log of "
                    f"{rule.firewall} once the work that needs it runs."
                )
            )
    return tuple(checks)


def internet_port_check(fqdn: str, address: str | None, ports: Sequence[str]) -> Instruction:
    """A PortQry check from the Internet of the ports an Internet FQDN listens on (by its public address when known,
    so the check does not wait for public DNS)."""
    target = f"{fqdn} at {address}" if address else fqdn
    return Instruction(
        f"{target} answers on TCP {', '.join(ports)} from the Internet. {PORTQRY_EXPECTED}",
        command=portqry(address or fqdn, ports),
        where=ON_THE_INTERNET,
    )


def public_address(network: NetworkPlan, fqdn: str) -> str | None:
    """The address the public DNS record of ``fqdn`` gives (None: no record, or still to be assigned)."""
    return next(
        (r.value for r in network.dns_records if r.scope == "public" and r.name.lower() == fqdn.lower()),
        None,
    )


# --- firewall rules as a whole ------------------------------------------------------------------------------------


def rules_in_place(network: NetworkPlan, firewall: str) -> Instruction | None:
    """The firewall team's confirmation that its table is in place, and nothing broader (None: no rules)."""
    rules = network.rules_for(firewall)
    if not rules:
        return None
    scope = network.scope(firewall)
    label = rules_label(firewall, rules)
    are = "is" if len(rules) == 1 else "are"
    if scope.complete:
        return Instruction(
            f"The team responsible for {firewall} confirms that {label} {are} in place as in its table, "
            f"and nothing broader: the table holds all this change needs through {firewall}."
        )
    return Instruction(
        f"The team responsible for {firewall} confirms that {label} {are} in place as in its table; the rules "
        f"towards {names(scope.unnamed)} are limited to a host once it is named, and only then can the team "
        "confirm that nothing broader is open."
    )


def _rule_summary(rule: FirewallRule) -> str:
    sources = rule.source_group or names(e.name for e in rule.sources)
    destinations = rule.destination_group or names(e.name for e in rule.destinations)
    return f"rule {rule.number} ({sources} to {destinations}, {rule.service_summary})"


def remove_rules(network: NetworkPlan, firewall: str) -> Instruction | None:
    """Remove the rules this change added to ``firewall``, naming each (None: it has none)."""
    rules = network.rules_for(firewall)
    if not rules:
        return None
    flows = sum(len(r.flow_ids) for r in rules)
    keep = "Keep it if it" if len(rules) == 1 else "Keep any of them that"
    return Instruction(
        f"Remove {rules_label(firewall, rules)} ({flows} {'flow' if flows == 1 else 'flows'}): "
        f"{', '.join(_rule_summary(r) for r in rules)}. {keep} was already in place before the change (compare "
        "with the rule base exported before it)."
    )


# --- certificates -------------------------------------------------------------------------------------------------


def exported_certificate(holder: str) -> str:
    """The file a server's web server certificate is exported to (public part only) for ``certutil``."""
    return f"{holder}-web-server.cer"


def certificate_check(holder: str, fqdns: Sequence[str]) -> Instruction:
    """Check a server's web server certificate: its names, its chain and that its CRL can be fetched from there."""
    held = f" holds {names(fqdns)} in its Subject or Subject Alternative Name," if fqdns else ""
    return Instruction(
        f"The web server certificate of {holder}{held} chains to the root CA and passes the revocation check: "
        f"export it from the computer's Personal store without the private key as {exported_certificate(holder)}, "
        "then run certutil; it must end with the -verify command completed successfully.",
        command=f"certutil -verify -urlfetch {exported_certificate(holder)}",
        where=holder,
    )
