"""The placement diagram of a site as deterministic Graphviz DOT text.

Drawn from the same flows as the firewall tables, so the picture cannot
disagree with them; the rules themselves stay in the tables.  The diagram is
made to be read at page width (the HTML content column, 17 cm in the PDF):

* columns, left to right: Internet, front firewall, perimeter, back firewall,
  intranet.  A firewall is a narrow band between two zones, not a box of rules;
* flows are merged into :class:`Group` values (:func:`flow_groups`): one source
  and the parties of one zone that receive the same services from it, or
  several sources that send the same services to the same parties.  Each group
  is one path.  Where it crosses a firewall it passes through a gate on the
  band labelled with its services ("TCP 443", "SMB, RPC, TCP 8530, 8531", named
  by :func:`service_of`); a path inside one zone passes through the same kind
  of label in that zone's column.  Gates are nodes, not edge labels, so they
  need no column of their own;
* client traffic is drawn solid and blue with filled arrowheads, site-system
  traffic dashed and grey with open arrowheads: colour is never the only
  difference, and the legend under the title says so in words;
* every text is :data:`FONT_SIZE` points (the title :data:`TITLE_SIZE`) and
  every label wraps at a few characters, so the drawing is about 17 cm wide:
  its smallest text stays legible at page width (tests/test_diagram_browser.py
  measures it in Chromium and in the PDF).  No text is bold: Graphviz measures
  bold Arial as regular, so it would overflow its box.

Node ids come from model names (never random) and nothing time-dependent is
written, so the text is identical from run to run and can be golden-tested.
Every user string goes through :func:`generator.render.escape.escape_dot_html`
(labels) or :func:`generator.render.escape.dot_string` (ids).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from generator.derive.network.flows import (
    CRL_PLACEHOLDER,
    MICROSOFT_UPDATE,
    Flow,
    ZoneName,
    cluster_zone,
    zone_rank,
)
from generator.derive.network.plan import NetworkPlan
from generator.model.schema import NlbCluster, Server
from generator.model.topology import Topology
from generator.model.vocabulary import ROLE_ABBREVIATIONS
from generator.render.escape import dot_string, escape_dot_html

FONT = "Arial"
"""Arial in the SVG (Windows and macOS have it, Linux maps it to Liberation Sans); Graphviz measures it with
Liberation Sans (fonts-liberation2, which scripts/ensure-system-deps installs), the same metrics."""
RANKDIR = "RL"
"""Columns are ranked from the intranet (rank 0, on the right), so edges inside a column loop on its right-hand side
(towards the more trusted zone) instead of across the paths that come from the Internet side."""
CLUSTER_LABELJUST = "r"
"""Cluster titles on the left: with ``rankdir=RL`` Graphviz mirrors ``labeljust`` in clusters."""
FONT_SIZE = 11
"""Points, for every text of the diagram but the title."""
TITLE_SIZE = 13
ZONE_TITLES: dict[ZoneName, str] = {"internet": "Internet", "perimeter": "Perimeter network", "intranet": "Intranet"}
ZONE_COLOURS: dict[ZoneName, str] = {"internet": "#fdf1e6", "perimeter": "#fff8d6", "intranet": "#e8f1fb"}
DETAIL_COLOUR = "#444444"
FIREWALL_FILL = "#f4cfca"
FIREWALL_LINE = "#b71c1c"
CLIENT_COLOUR = "#1f5fa8"
SERVER_COLOUR = "#555555"
CLIENT_EDGE = f'color="{CLIENT_COLOUR}", penwidth=1.6'
SERVER_EDGE = f'color="{SERVER_COLOUR}", style=dashed'
CLIENT_ARROW = "normal"
SERVER_ARROW = "empty"
CLIENT_GATE = 'color="#1f5fa8", penwidth=1.6, fontcolor="#0d3c73"'
SERVER_GATE = 'color="#555555", style="rounded,dashed,filled"'
EGRESS_NOTE = "via the usual Internet egress"
LABEL_WIDTH = 13
"""Characters per line of a services label before it wraps."""
NODE_WIDTH = 16
"""Characters per line of a node label before it wraps (server names, host names, firewall names)."""
TITLE_WIDTH = 64
"""Characters per line of the title (a long site name wraps instead of widening the drawing)."""

_WELL_KNOWN: dict[tuple[str, str], str] = {
    ("TCP", "53"): "DNS",
    ("UDP", "53"): "DNS",
    ("TCP", "88"): "Kerberos",
    ("UDP", "88"): "Kerberos",
    ("TCP", "464"): "Kerberos",
    ("UDP", "464"): "Kerberos",
    ("TCP", "389"): "LDAP",
    ("UDP", "389"): "LDAP",
    ("TCP", "3268"): "GC",
    ("TCP", "445"): "SMB",
    ("TCP", "135"): "RPC",
    ("UDP", "135"): "RPC",
    ("TCP", "1433"): "SQL 1433",
    ("UDP", "123"): "NTP",
}
"""Ports shown by the name of their service; every other port is shown as ``<protocol> <port>``."""
_NAMED_ORDER = ("DNS", "Kerberos", "LDAP", "GC", "SMB", "RPC", "SQL 1433", "NTP")


class _Ids:
    """Deterministic, unique DOT ids derived from model names."""

    def __init__(self) -> None:
        self._by_ref: dict[str, str] = {}
        self._used: set[str] = set()

    def get(self, ref: str) -> str:
        """The id of ``ref`` (the same for the same ref)."""
        ref = ref.casefold()  # names compare case-insensitively: "SUP2" and "sup2" are one node
        if ref not in self._by_ref:
            self._by_ref[ref] = self.new(ref)
        return self._by_ref[ref]

    def new(self, ref: str) -> str:
        """A new id made from ``ref`` (``_2``, ``_3``... when the plain one is taken)."""
        kind, _, name = ref.casefold().partition(":")
        base = re.sub(r"[^a-z0-9]+", "_", f"{kind}_{name}").strip("_") or "node"
        candidate, n = base, 2
        while candidate in self._used:
            candidate, n = f"{base}_{n}", n + 1
        self._used.add(candidate)
        return candidate


def _html(lines: Iterable[str], bold_first: bool = True) -> str:
    """An HTML-like label from plain text lines (each escaped); with ``bold_first``, the first line is the name
    and the others are details, in grey.

    No bold: Graphviz measures bold Arial as regular, so bold text would overflow its box.
    """
    escaped = [escape_dot_html(line) for line in lines]
    if bold_first and len(escaped) > 1:
        details = "<BR/>".join(escaped[1:])
        return f'<{escaped[0]}<BR/><FONT COLOR="{DETAIL_COLOUR}">{details}</FONT>>'
    return "<" + "<BR/>".join(escaped) + ">"


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters where it can break: at spaces, else after ``.``, ``-``
    or ``_`` (host names, firewall names); a longer unbreakable word stays whole."""
    pieces: list[tuple[str, str]] = []  # (text, what joins it to the previous piece on one line)
    for word in text.split(" "):
        glue = " "
        while len(word) > width:
            cut = max(word.rfind(c, 0, width) for c in ".-_")
            if cut <= 0:
                break
            pieces.append((word[: cut + 1], glue))
            word, glue = word[cut + 1 :], ""
        pieces.append((word, glue))
    lines: list[str] = []
    for piece, glue in pieces:
        if lines and len(lines[-1]) + len(glue) + len(piece) <= width:
            lines[-1] += glue + piece
        else:
            lines.append(piece)
    return lines


def _wrapped(lines: Iterable[str], width: int) -> list[str]:
    return [part for line in lines for part in wrap(line, width)]


# --- services ---------------------------------------------------------------------------------


def _port_key(port: str) -> tuple[int, str]:
    head = port.split("-")[0]
    return (int(head) if head.isdigit() else 1 << 30, port)


def service_of(flow: Flow, pair_ports: set[tuple[str, str]]) -> str:
    """What the diagram calls the service of ``flow``: a well-known name (SMB, RPC, SQL 1433...) or ``TCP 443``.

    A port range between two parties that also use the RPC endpoint mapper (TCP 135) is the RPC dynamic
    range, so it is RPC too; the tables list the ports.
    """
    named = _WELL_KNOWN.get((flow.protocol, flow.port))
    if named is not None:
        return named
    if "-" in flow.port and ("TCP", "135") in pair_ports:
        return "RPC"
    return f"{flow.protocol} {flow.port}"


def services_lines(services: Iterable[str], width: int = LABEL_WIDTH) -> list[str]:
    """A compact label: the named services first, then each protocol with its ports; wrapped at ``width``."""
    wanted = list(dict.fromkeys(services))
    words = [s for s in _NAMED_ORDER if s in wanted]
    ports: dict[str, list[str]] = {}
    for service in wanted:
        if service not in _NAMED_ORDER:
            protocol, _, port = service.partition(" ")
            ports.setdefault(protocol, []).append(port)
    words += [
        f"{protocol} {', '.join(sorted(ports[protocol], key=_port_key))}"
        for protocol in sorted(ports, key=lambda p: (p != "TCP", p))
    ]
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 2 + len(word) <= width:
            lines[-1] += f", {word}"
        else:
            if lines:
                lines[-1] += ","
            lines += _split_ports(word, width)
    return lines


def _split_ports(word: str, width: int) -> list[str]:
    """``TCP 80, 443, ...`` on lines of about ``width`` characters (a protocol's ports stay together if they fit
    in ``width`` + 4, so that "TCP 8530, 8531" is not broken)."""
    if len(word) <= width + 4:
        return [word]
    lines: list[str] = []
    for port in word.split(", "):
        if lines and len(lines[-1]) + 2 + len(port) <= width:
            lines[-1] += f", {port}"
        else:
            if lines:
                lines[-1] += ","
            lines.append(port)
    return lines


# --- groups -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Flows drawn as one path: its sources, its destinations (all of one zone), its services."""

    sources: tuple[str, ...]
    """Flow refs (``server:<name>``, ``cluster:<name>``, ``clients``...), in flow order."""
    destinations: tuple[str, ...]
    source_zone: ZoneName
    destination_zone: ZoneName
    firewalls: tuple[str, ...]
    """The firewalls crossed, from the source's side."""
    client: bool
    """Client traffic (drawn in the client style)."""
    services: tuple[str, ...]

    @property
    def lines(self) -> list[str]:
        return services_lines(self.services)

    @property
    def label(self) -> str:
        return " ".join(self.lines)


_Class = tuple[ZoneName, ZoneName, tuple[str, ...], bool]


def flow_groups(plan: NetworkPlan) -> list[Group]:
    """The flows of ``plan`` merged into groups, in the order of their first flow.

    1. the flows from one source to one destination make one set of services (per zone pair, firewalls
       crossed and kind: client or site-system traffic);
    2. the destinations (of one zone) that receive the same services from one source share a path;
    3. so do the sources that send the same services to the same destinations.
    """
    pair_ports: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for flow in plan.flows:
        pair_ports.setdefault((flow.source_ref, flow.destination_ref), set()).add((flow.protocol, flow.port))

    by_pair: dict[tuple[str, str, _Class], list[str]] = {}
    for flow in plan.flows:
        cls: _Class = (flow.source_zone, flow.destination_zone, flow.firewalls, flow.is_client_traffic)
        services = by_pair.setdefault((flow.source_ref, flow.destination_ref, cls), [])
        service = service_of(flow, pair_ports[(flow.source_ref, flow.destination_ref)])
        if service not in services:
            services.append(service)

    by_source: dict[tuple[str, _Class, tuple[str, ...]], list[str]] = {}
    for (source, destination, cls), services in by_pair.items():
        by_source.setdefault((source, cls, tuple(services_lines(services))), []).append(destination)

    by_destinations: dict[tuple[_Class, tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for (source, cls, lines), destinations in by_source.items():
        by_destinations.setdefault((cls, tuple(destinations), lines), []).append(source)

    services_of = {
        (source, cls, lines): by_pair[(source, dests[0], cls)] for (source, cls, lines), dests in by_source.items()
    }
    return [
        Group(
            sources=tuple(sources),
            destinations=destinations,
            source_zone=cls[0],
            destination_zone=cls[1],
            firewalls=cls[2],
            client=cls[3],
            services=tuple(services_of[(sources[0], cls, lines)]),
        )
        for (cls, destinations, lines), sources in by_destinations.items()
    ]


# --- the diagram in words --------------------------------------------------------------------


@dataclass(frozen=True)
class DescribedPath:
    """One path of the diagram in words: who connects to whom, with which services and ports."""

    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    services: tuple[str, ...]
    """``SMB (TCP 445)``, ``RPC (TCP 135, 49152-65535)``, ``TCP 443``: the diagram's labels with their ports."""
    client: bool
    """Client traffic (drawn solid and blue), else site-system traffic (dashed and grey)."""
    rules: tuple[int, ...] = ()
    """The numbers of the rules of the section's firewall that open it (empty outside a firewall section)."""


@dataclass(frozen=True)
class DescribedSection:
    """The paths that cross one firewall, stay inside one zone, or leave through the usual Internet egress."""

    kind: str
    """``firewall``, ``zone`` or ``egress``."""
    name: str
    """The firewall's name, the zone's words (``the perimeter network``) or how the egress is reached."""
    role: str | None
    """``front`` or ``back`` for a firewall."""
    zones: tuple[str, ...]
    """The zones a firewall stands between, in words, outer first (``the Internet``, ``the perimeter network``)."""
    zone: ZoneName | None
    """The zone a ``zone`` section stays in."""
    paths: tuple[DescribedPath, ...]


ZONE_WORDS: dict[ZoneName, str] = {
    "internet": "the Internet",
    "perimeter": "the perimeter network",
    "intranet": "the intranet",
}
"""A zone as a sentence names it."""


_TEXT_NAMES = {"SQL 1433": "SQL Server"}
"""Diagram labels that read better spelled out in a sentence."""


def _party_text(ref: str, name: str) -> str:
    """A flow end as a sentence names it."""
    kind, _, rest = ref.partition(":")
    if kind == "cluster":
        return f"NLB cluster {name}"
    if kind == "dc":
        return f"{name} (domain controller)"
    if kind == "crl":
        return CRL_PLACEHOLDER if rest == CRL_PLACEHOLDER else f"{CRL_PLACEHOLDER} {rest}"
    if kind == "proxy":
        return f"reverse proxy {name}"
    return name


def _ports_text(ports: Iterable[tuple[str, str]]) -> list[str]:
    """``["TCP 135, 49152-65535", "UDP 135"]``: the ports of each protocol, TCP first, in port order."""
    by_protocol: dict[str, list[str]] = {}
    for protocol, port in sorted(ports, key=lambda p: (p[0] != "TCP", p[0], _port_key(p[1]))):
        by_protocol.setdefault(protocol, []).append(port)
    return [f"{protocol} {', '.join(numbers)}" for protocol, numbers in by_protocol.items()]


def _services_text(flows: Iterable[Flow], pair_ports: dict[tuple[str, str], set[tuple[str, str]]]) -> tuple[str, ...]:
    """The services of ``flows`` as the diagram names them, a named one followed by its ports: ``SMB (TCP 445)``,
    ``RPC (TCP 135, 49152-65535; UDP 135)``, then the other ports, ``TCP 8530, 8531``."""
    ports: dict[str, list[tuple[str, str]]] = {}
    for flow in flows:
        service = service_of(flow, pair_ports[(flow.source_ref, flow.destination_ref)])
        found = ports.setdefault(service, [])
        if (flow.protocol, flow.port) not in found:
            found.append((flow.protocol, flow.port))
    named = [f"{_TEXT_NAMES.get(s, s)} ({'; '.join(_ports_text(ports[s]))})" for s in _NAMED_ORDER if s in ports]
    other = _ports_text(p for s in ports if s not in _NAMED_ORDER for p in ports[s])
    return (*named, *other)


def diagram_description(plan: NetworkPlan) -> tuple[DescribedSection, ...]:
    """What the placement diagram draws, in words: its paths (:func:`flow_groups`), per firewall they cross (with
    the numbers of that firewall's rules that open them), then per zone they stay in, then those that leave
    through the usual Internet egress.  The text alternative of the diagram, for screen readers and print."""
    pair_ports: dict[tuple[str, str], set[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for flow in plan.flows:
        pair_ports.setdefault((flow.source_ref, flow.destination_ref), set()).add((flow.protocol, flow.port))
        names.setdefault(flow.source_ref, flow.source)
        names.setdefault(flow.destination_ref, flow.destination)

    def flows_of(group: Group) -> list[Flow]:
        return [
            f
            for f in plan.flows
            if f.source_ref in group.sources
            and f.destination_ref in group.destinations
            and (f.source_zone, f.destination_zone, f.firewalls, f.is_client_traffic)
            == (group.source_zone, group.destination_zone, group.firewalls, group.client)
        ]

    def path(group: Group, rules: tuple[int, ...] = ()) -> DescribedPath:
        return DescribedPath(
            sources=tuple(_party_text(r, names[r]) for r in group.sources),
            destinations=tuple(_party_text(r, names[r]) for r in group.destinations),
            services=_services_text(flows_of(group), pair_ports),
            client=group.client,
            rules=rules,
        )

    groups = flow_groups(plan)
    sections = []
    for fw in plan.firewall_infos:
        described = []
        for group in (g for g in groups if fw.name in g.firewalls):
            ids = {f.id for f in flows_of(group)}
            rules = tuple(r.number for r in plan.rules_for(fw.name) if ids & set(r.flow_ids))
            described.append(path(group, rules))
        zones = tuple(ZONE_WORDS[z] for z in fw.zones)
        sections.append(DescribedSection("firewall", fw.name, fw.role, zones, None, tuple(described)))
    for zone, words in ZONE_WORDS.items():
        inner = [path(g) for g in groups if not g.firewalls and g.source_zone == g.destination_zone == zone]
        if inner:
            sections.append(DescribedSection("zone", words, None, (words,), zone, tuple(inner)))
    egress = [path(g) for g in groups if not g.firewalls and g.source_zone != g.destination_zone]
    if egress:
        sections.append(DescribedSection("egress", EGRESS_NOTE, None, (), None, tuple(egress)))
    return tuple(sections)


# --- parties ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Party:
    """Something a flow starts or ends at that is not a server of the site: clients, CRL, directory..."""

    ref: str
    name: str
    zone: ZoneName


def _role_lines(server: Server) -> list[str]:
    """``MP, DP (internet)``: the roles, grouped by the connections they accept."""
    by_connections: dict[str, list[str]] = {}
    for key, role in server.roles.items():
        by_connections.setdefault(str(role.connections), []).append(ROLE_ABBREVIATIONS[key])
    return [f"{', '.join(roles)} ({connections})" for connections, roles in by_connections.items()]


def _server_lines(topo: Topology, server: Server) -> list[str]:
    lines = [server.name]
    if server.key == topo.site_server.key:
        lines.append(f"site server {topo.site.code}")
    if server.key == topo.database_server.key:
        lines.append("site database")
    replica = topo.model.database_replica
    if replica is not None and topo.replica_server is not None and server.key == topo.replica_server.key:
        lines += ["SQL replica", replica.database]
    lines += _role_lines(server)
    if topo.in_other_forest(server):
        lines.append(f"forest {topo.forest_of(server)}")
    return lines


def _party_lines(party: _Party) -> list[str]:
    kind, _, rest = party.ref.partition(":")
    if kind == "crl":
        return ["CRL", "distribution point"] if rest == CRL_PLACEHOLDER else ["CRL", rest]
    if kind == "dc":
        return [party.name, "domain controller"]
    if kind == "directory":
        return ["Domain controllers", f"forest {rest}"]
    if party.ref == "microsoft-update":
        return [MICROSOFT_UPDATE]
    words = party.name.split(" ")
    if len(words) == 2 and len(party.name) > 12:  # "Internet clients" on two lines
        return words
    return [party.name]


_COLUMNS: dict[str, int] = {"internet": 0, "front": 1, "perimeter": 2, "back": 3, "intranet": 4}
"""Column of each zone and firewall, left to right."""


@dataclass
class _Unit:
    """What a column shows as one piece: a node, or the member nodes of an NLB cluster in their subgraph."""

    nodes: list[str]
    lines: list[str]


class _Diagram:
    """Builds the DOT text of one site."""

    def __init__(self, topo: Topology, plan: NetworkPlan) -> None:
        self.topo = topo
        self.ids = _Ids()
        self.groups = flow_groups(plan)
        self.firewall_roles = {fw.name: fw.role for fw in plan.firewall_infos}
        self.firewall_names = {fw.role: fw.name for fw in plan.firewall_infos}
        self.columns: dict[int, list[str]] = {}
        """Column -> its node ids, for the rank constraints."""
        self._gate_ids: dict[tuple[Group, str], str] = {}
        self.egress = [g for g in self.groups if not g.firewalls and g.source_zone != g.destination_zone]
        """Groups that leave through the usual Internet egress (Microsoft Update from the intranet)."""
        self.inner = [g for g in self.groups if not g.firewalls and g.source_zone == g.destination_zone]
        """Groups inside one zone, drawn down its column."""
        self.answers: set[int] = set()
        """Indexes in ``inner`` of the groups that answer an earlier one (B to A after A to B): they do not order
        the column, so that the two cannot contradict each other."""
        pairs: set[tuple[str, str]] = set()
        for i, group in enumerate(self.inner):
            ends = {(a, b) for a in group.sources for b in group.destinations}
            if any((b, a) in pairs for a, b in ends):
                self.answers.add(i)
            pairs |= ends
        known = {f"server:{s.name}".casefold() for s in topo.model.servers}
        known |= {f"cluster:{c.name}".casefold() for c in topo.model.nlb_clusters}
        proxy = topo.model.network.reverse_proxy
        if proxy is not None:
            known.add(f"proxy:{proxy.name}".casefold())
        egress_refs = {r for g in self.egress for r in g.destinations}
        self.parties: dict[tuple[str, ZoneName], _Party] = {}
        """The other ends of flows (clients, CRL, domain controllers...) by ref and zone, in flow order: a party
        that flows place in two zones (a CRL that clients reach on the Internet, site systems in the intranet) is
        drawn in both."""
        for flow in plan.flows:
            for ref, name, zone in (
                (flow.source_ref, flow.source, flow.source_zone),
                (flow.destination_ref, flow.destination, flow.destination_zone),
            ):
                if ref.casefold() not in known and ref not in egress_refs:
                    self.parties.setdefault((ref, zone), _Party(ref, name, zone))

    def _place(self, column: int, units: Iterable[_Unit]) -> list[str]:
        """The DOT lines of ``units``, recorded in ``column``."""
        out = []
        for unit in units:
            self.columns.setdefault(column, []).extend(unit.nodes)
            out += unit.lines
        return out

    def _nlb(self, ref: str) -> NlbCluster | None:
        if ref.startswith("cluster:"):
            name = ref.partition(":")[2].casefold()
            return next((c for c in self.topo.model.nlb_clusters if c.name.casefold() == name), None)
        return None

    def _party_id(self, party: _Party) -> str:
        first = next(p for p in self.parties.values() if p.ref == party.ref)
        return self.ids.get(party.ref if first is party else f"{party.ref}@{party.zone}")

    def _node_id(self, ref: str, zone: ZoneName) -> str:
        """The node an edge to ``ref`` in ``zone`` attaches to; for an NLB cluster, its first member (the edge is
        clipped at the cluster's border)."""
        party = self.parties.get((ref, zone))
        if party is not None:
            return self._party_id(party)
        cluster = self._nlb(ref)
        if cluster is not None:
            member = next(m for m in (self.topo.server(n) for n in cluster.members) if m is not None)
            return self.ids.get(f"server:{member.name}")
        return self.ids.get(ref)

    # --- nodes ------------------------------------------------------------------------------

    def _server_unit(self, server: Server, indent: str) -> _Unit:
        fill = "#eaf5e4" if self.topo.is_internet_based(server) else "#ffffff"
        node = self.ids.get(f"server:{server.name}")
        label = _html(_wrapped(_server_lines(self.topo, server), NODE_WIDTH))
        return _Unit([node], [f'{indent}{dot_string(node)} [label={label}, fillcolor="{fill}"];'])

    def _cluster_unit(self, cluster: NlbCluster) -> _Unit:
        title = [f"NLB {cluster.name}", *(fqdn for fqdn in (cluster.internet_fqdn, cluster.intranet_fqdn) if fqdn)]
        members = [self._server_unit(m, "      ") for m in (self.topo.server(n) for n in cluster.members) if m]
        return _Unit(
            [node for unit in members for node in unit.nodes],
            [
                f"    subgraph {dot_string('cluster_' + self.ids.get(f'cluster:{cluster.name}'))} {{",
                f"      label={_html(_wrapped(title, NODE_WIDTH))};",
                f'      style="rounded,dashed"; color="#2e7d32"; margin=4; labeljust={CLUSTER_LABELJUST};',
                *(line for unit in members for line in unit.lines),
                "    }",
            ],
        )

    def _party_unit(self, party: _Party) -> _Unit:
        node = self._party_id(party)
        if party.ref.endswith("clients"):
            shape = 'style="rounded,filled", fillcolor="#cfe2f3"'
        else:
            shape = 'shape=note, style="filled", fillcolor="#ffffff"'
        label = _html(_wrapped(_party_lines(party), NODE_WIDTH))
        return _Unit([node], [f"    {dot_string(node)} [label={label}, {shape}];"])

    def _gate_id(self, group: Group, where: str) -> str:
        """The gate of ``group`` at ``where``: named after the firewall or zone, its first source and destination."""
        if (group, where) not in self._gate_ids:
            self._gate_ids[(group, where)] = self.ids.new(f"gate:{where}:{group.sources[0]}:{group.destinations[0]}")
        return self._gate_ids[(group, where)]

    def _gate(self, group: Group, where: str, indent: str, lines: list[str] | None = None) -> _Unit:
        """The gate of ``group`` at ``where`` (a firewall role, a zone or ``egress``), labelled with its services."""
        node = self._gate_id(group, where)
        style = CLIENT_GATE if group.client else SERVER_GATE
        label = _html(lines or group.lines, bold_first=False)
        return _Unit([node], [f"{indent}{dot_string(node)} [label={label}, {style}];"])

    # --- columns ----------------------------------------------------------------------------

    def zone(self, zone: ZoneName) -> list[str]:
        """A zone's subgraph: clients, the proxy, servers, NLB clusters, other parties, then the gates of the
        groups inside the zone."""
        parties = [p for p in self.parties.values() if p.zone == zone]
        units = [self._party_unit(p) for p in parties if p.ref.endswith("clients")]
        proxy = self.topo.model.network.reverse_proxy
        if proxy is not None and proxy.zone == zone:
            mode = "SSL bridging" if proxy.mode == "ssl_bridging" else "SSL tunnelling"
            node = self.ids.get(f"proxy:{proxy.name}")
            label = _html(_wrapped([proxy.name, "reverse proxy", mode], NODE_WIDTH))
            units.append(_Unit([node], [f'    {dot_string(node)} [label={label}, fillcolor="#f3e5f5"];']))
        clusters = [c for c in self.topo.model.nlb_clusters if cluster_zone(self.topo, c) == zone]
        clustered = {m.upper() for c in clusters for m in c.members}
        units += [
            self._server_unit(s, "    ") for s in self.topo.model.servers if s.zone == zone and s.key not in clustered
        ]
        units += [self._cluster_unit(c) for c in clusters]
        units += [self._party_unit(p) for p in parties if not p.ref.endswith("clients")]
        if not units:
            node, label = f"empty_{zone}", _html(["no servers"], bold_first=False)
            units.append(_Unit([node], [f'    {dot_string(node)} [label={label}, shape=plaintext, style=""];']))
        units += [self._gate(g, zone, "    ") for g in self.inner if g.source_zone == zone]
        return [
            f"  subgraph {dot_string('cluster_zone_' + zone)} {{",
            f"    label={_html(wrap(ZONE_TITLES[zone], 10), bold_first=False)};",
            f'    style="filled"; fillcolor="{ZONE_COLOURS[zone]}"; color="#999999"; margin=4; '
            f"labeljust={CLUSTER_LABELJUST};",
            *self._place(_COLUMNS[zone], units),
            "  }",
        ]

    def firewall(self, role: str) -> list[str]:
        """A firewall: a narrow band with one gate per group that crosses it, no rules."""
        name = self.firewall_names[role]
        units = [self._gate(g, role, "    ") for g in self.groups if name in g.firewalls]
        if not units:
            node, label = f"firewall_{role}_closed", _html(["no flows"], bold_first=False)
            units.append(_Unit([node], [f'    {dot_string(node)} [label={label}, shape=plaintext, style=""];']))
        return [
            f"  subgraph {dot_string('cluster_firewall_' + role)} {{",
            f"    label={_html([*wrap(name, NODE_WIDTH), f'({role})'], bold_first=False)};",
            f'    style="filled"; fillcolor="{FIREWALL_FILL}"; color="{FIREWALL_LINE}"; penwidth=2; margin=3;',
            *self._place(_COLUMNS[role], units),
            "  }",
        ]

    def egress_nodes(self) -> list[str]:
        """Microsoft Update reached through the usual Internet egress: a note in its source's column (but out of
        its zone), not a party across the IBCM firewalls."""
        out = []
        for group in self.egress:
            units = []
            for ref in group.destinations:
                node = self.ids.get(ref)
                label = _html([MICROSOFT_UPDATE if ref == "microsoft-update" else ref.partition(":")[2], "(Internet)"])
                units.append(
                    _Unit(
                        [node],
                        [f'  {dot_string(node)} [label={label}, shape=note, style="filled", fillcolor="#ffffff"];'],
                    )
                )
            units.append(self._gate(group, "egress", "  ", [*wrap(EGRESS_NOTE, NODE_WIDTH), *group.lines]))
            out += self._place(_COLUMNS[group.source_zone], units)
        return out

    # --- paths ------------------------------------------------------------------------------

    def paths(self) -> list[str]:
        """One path per group: its sources, its gates, its destinations."""
        out = []
        for group in self.groups:
            if group.firewalls:
                gates = [self._gate_id(group, self.firewall_roles[name]) for name in group.firewalls]
                out += self._path(group, gates, across=True)
            elif group in self.egress:
                out += self._path(group, [self._gate_id(group, "egress")], across=False)
            else:
                answer = self.inner.index(group) in self.answers
                out += self._path(group, [self._gate_id(group, group.source_zone)], across=False, orders=not answer)
        return out

    def _path(self, group: Group, gates: list[str], *, across: bool, orders: bool = True) -> list[str]:
        """The edges of one group: each source to the first gate, gate to gate, the last gate to each destination.

        ``across`` columns, edges are written from the intranet side, the way the columns are ranked
        (:data:`RANKDIR`), with ``dir=back`` when the flow runs towards the intranet; within a column they follow
        the flow and, unless they ``orders`` the column, do not constrain it.
        """
        segments = [(self._node_id(r, group.source_zone), gates[0], self._nlb(r), False) for r in group.sources]
        segments += [(a, b, None, False) for a, b in itertools.pairwise(gates)]
        segments += [
            (gates[-1], self._node_id(r, group.destination_zone), self._nlb(r), True) for r in group.destinations
        ]
        towards_intranet = across and zone_rank(group.source_zone) < zone_rank(group.destination_zone)
        style = CLIENT_EDGE if group.client else SERVER_EDGE
        arrow = CLIENT_ARROW if group.client else SERVER_ARROW
        out = []
        for tail, head, nlb, to_destination in segments:
            attributes = [style]
            party_is_head = to_destination
            if towards_intranet:
                tail, head, party_is_head = head, tail, not party_is_head
                attributes.append(f"dir=back, arrowtail={arrow}" if to_destination else "dir=none")
            else:
                attributes.append(f"arrowhead={arrow}" if to_destination else "arrowhead=none")
            if nlb is not None:
                cluster = dot_string("cluster_" + self.ids.get(f"cluster:{nlb.name}"))
                attributes.append(f"lhead={cluster}" if party_is_head else f"ltail={cluster}")
            if not orders:
                attributes.append("constraint=false")
            out.append(f"  {dot_string(tail)} -> {dot_string(head)} [{', '.join(attributes)}];")
        return out

    def ranks(self) -> list[str]:
        """Each column is one rank; an invisible chain orders the columns."""
        out = ["  // columns: Internet, front firewall, perimeter, back firewall, intranet"]
        out += [
            f"  {{rank=same; {' '.join(f'{dot_string(n)};' for n in nodes)}}}"
            for _, nodes in sorted(self.columns.items())
        ]
        firsts = [nodes[0] for _, nodes in sorted(self.columns.items(), reverse=True)]
        out.append(f"  {' -> '.join(dot_string(n) for n in firsts)} [style=invis];")
        return out


def _heading(title: str) -> str:
    """The graph label: the title, then the legend, which says in words what colour, line style and bands show."""
    left = '<BR ALIGN="LEFT"/>'
    lines = left.join(escape_dot_html(line) for line in wrap(title, TITLE_WIDTH))
    client = f'<FONT COLOR="{CLIENT_COLOUR}">\u2501\u2501\u2501\u25b6</FONT>\u00a0client traffic (solid line)'
    server = f'<FONT COLOR="{SERVER_COLOUR}">- - -\u25b7</FONT>\u00a0site-system traffic (dashed line)'
    firewall = f'<FONT COLOR="{FIREWALL_LINE}">\u2588\u2588</FONT>\u00a0firewall, with the services it lets through'
    return f'<<FONT POINT-SIZE="{TITLE_SIZE}">{lines}</FONT>{left}{client}\u2003 {server}{left}{firewall}{left}>'


def placement_dot(topo: Topology, plan: NetworkPlan) -> str:
    """The placement diagram of one site as DOT text (deterministic)."""
    diagram = _Diagram(topo, plan)
    title = f"Placement and flows of site {topo.site.code} ({topo.site.name})"
    lines = [
        f"digraph {dot_string('placement_' + topo.site.code)} {{",
        (
            f'  graph [rankdir={RANKDIR}, newrank=true, compound=true, fontname="{FONT}", fontsize={FONT_SIZE}, '
            f"labelloc=t, labeljust=l, nodesep=0.08, ranksep=0.15, margin=0, pad=0.05, label={_heading(title)}];"
        ),
        (
            f'  node [fontname="{FONT}", fontsize={FONT_SIZE}, shape=box, style="rounded,filled", '
            'fillcolor="#ffffff", color="#444444", margin="0.06,0.03", height=0.3];'
        ),
        "  edge [arrowsize=0.7];",
        *diagram.zone("internet"),
        *diagram.firewall("front"),
        *diagram.zone("perimeter"),
        *diagram.firewall("back"),
        *diagram.zone("intranet"),
        *diagram.egress_nodes(),
        "  // one path per group of flows, through gates labelled with its services",
        *diagram.paths(),
        *diagram.ranks(),
        "}",
    ]
    return "\n".join(lines) + "\n"
