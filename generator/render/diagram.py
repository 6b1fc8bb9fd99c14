"""The placement diagram of a site as deterministic Graphviz DOT text.

Drawn from the same flows as the firewall tables, so the picture cannot
disagree with the rules.  Node ids come from model names (never random) and
nothing time-dependent is written, so the text is identical from run to run
and can be golden-tested.  Every user string goes through
:func:`generator.render.escape.escape_dot_html` (labels) or
:func:`generator.render.escape.dot_string` (ids).

Layout: left to right, Internet, front firewall, perimeter, back firewall,
intranet.  Invisible edges keep that order; flows that run against it
(intranet to perimeter) are written head-first with ``dir=back`` so they do
not fold the layout.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from generator.derive.network.flows import (
    CRL_PLACEHOLDER,
    INTERNET_CLIENTS,
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

FONT = "Helvetica"
ZONE_TITLES: dict[ZoneName, str] = {"internet": "Internet", "perimeter": "Perimeter network", "intranet": "Intranet"}
ZONE_COLOURS: dict[ZoneName, str] = {"internet": "#fdf1e6", "perimeter": "#fff8d6", "intranet": "#e8f1fb"}
CLIENT_EDGE = 'color="#1f5fa8", penwidth=1.4'
SERVER_EDGE = 'color="#555555", style=dashed'
EGRESS_NOTE = "via usual Internet egress"


class _Ids:
    """Deterministic, unique DOT ids derived from model names."""

    def __init__(self) -> None:
        self._by_ref: dict[str, str] = {}
        self._used: set[str] = set()

    def get(self, ref: str) -> str:
        ref = ref.casefold()  # names compare case-insensitively: "SUP2" and "sup2" are one node
        if ref not in self._by_ref:
            kind, _, name = ref.partition(":")
            base = re.sub(r"[^a-z0-9]+", "_", f"{kind}_{name}".lower()).strip("_") or "node"
            candidate, n = base, 2
            while candidate in self._used:
                candidate, n = f"{base}_{n}", n + 1
            self._used.add(candidate)
            self._by_ref[ref] = candidate
        return self._by_ref[ref]


def _html(lines: Iterable[str], bold_first: bool = True) -> str:
    """An HTML-like label from plain text lines (each escaped)."""
    escaped = [escape_dot_html(line) for line in lines]
    if bold_first and escaped:
        escaped[0] = f"<B>{escaped[0]}</B>"
    return "<" + "<BR/>".join(escaped) + ">"


def _server_lines(topo: Topology, server: Server) -> list[str]:
    lines = [server.name]
    duties = []
    if server.key == topo.site_server.key:
        duties.append(f"site server {topo.site.code}")
    if server.key == topo.database_server.key:
        duties.append("site database")
    replica = topo.model.database_replica
    if replica is not None and topo.replica_server is not None and server.key == topo.replica_server.key:
        duties.append(f"SQL replica {replica.database}")
    if duties:
        lines.append(", ".join(duties))
    for key, role in server.roles.items():
        lines.append(f"{ROLE_ABBREVIATIONS[key]}: {role.connections}")
    if topo.in_other_forest(server):
        lines.append(f"forest {topo.forest_of(server)}")
    return lines


def _server_node(ids: _Ids, topo: Topology, server: Server, indent: str) -> str:
    fill = "#ffffff" if not topo.is_internet_based(server) else "#eaf5e4"
    return (
        f"{indent}{dot_string(ids.get(f'server:{server.name}'))} "
        f'[label={_html(_server_lines(topo, server))}, fillcolor="{fill}"];'
    )


def _zone_members(topo: Topology, zone: ZoneName) -> tuple[list[Server], list[NlbCluster]]:
    clusters = [c for c in topo.model.nlb_clusters if cluster_zone(topo, c) == zone]
    clustered = {m.upper() for c in clusters for m in c.members}
    servers = [s for s in topo.model.servers if s.zone == zone and s.key not in clustered]
    return servers, clusters


def _cluster_block(ids: _Ids, topo: Topology, cluster: NlbCluster) -> list[str]:
    lines = [f"NLB {cluster.name}"]
    lines += [fqdn for fqdn in (cluster.internet_fqdn, cluster.intranet_fqdn) if fqdn]
    out = [
        f"    subgraph {dot_string('cluster_' + ids.get(f'cluster:{cluster.name}'))} {{",
        f"      label={_html(lines)};",
        '      style="rounded,dashed"; color="#2e7d32"; margin=10;',
    ]
    for name in cluster.members:
        member = topo.server(name)
        if member is not None:
            out.append(_server_node(ids, topo, member, "      "))
    out.append("    }")
    return out


def _outside_nodes(ids: _Ids, plan: NetworkPlan) -> list[str]:
    """Internet clients, CRL host and Microsoft Update: the parties in the Internet zone."""
    out = [
        (
            f"    {dot_string(ids.get('clients'))} [label={_html([INTERNET_CLIENTS])}, shape=box, "
            'style="rounded,filled", fillcolor="#cfe2f3"];'
        )
    ]
    refs = dict.fromkeys(
        r
        for f in plan.flows
        for r in (f.source_ref, f.destination_ref)
        if r.startswith("crl:") or r == "microsoft-update"
    )
    for ref in refs:
        if ref == "microsoft-update":
            label = _html([MICROSOFT_UPDATE, "update catalogue"])
        else:
            host = ref.partition(":")[2]
            label = _html([host] if host == CRL_PLACEHOLDER else [host, CRL_PLACEHOLDER])
        out.append(f'    {dot_string(ids.get(ref))} [label={label}, shape=note, fillcolor="#ffffff"];')
    return out


def _zone_cluster(ids: _Ids, topo: Topology, plan: NetworkPlan, zone: ZoneName) -> tuple[list[str], list[str]]:
    """The DOT block of one zone, and the ids of its top-level nodes (for ordering)."""
    out = [
        f"  subgraph {dot_string('cluster_zone_' + zone)} {{",
        f"    label={_html([ZONE_TITLES[zone]])};",
        f'    style="filled"; fillcolor="{ZONE_COLOURS[zone]}"; color="#999999"; margin=14;',
    ]
    anchors: list[str] = []
    if zone == "internet":
        out += _outside_nodes(ids, plan)
        anchors.append(ids.get("clients"))
    servers, clusters = _zone_members(topo, zone)
    proxy = topo.model.network.reverse_proxy
    if proxy is not None and proxy.zone == zone:
        mode = "SSL bridging" if proxy.mode == "ssl_bridging" else "SSL tunnelling"
        lines = [proxy.name, f"reverse proxy ({mode})", "publishes " + ", ".join(proxy.publishes)]
        node = ids.get(f"proxy:{proxy.name}")
        out.append(f'    {dot_string(node)} [label={_html(lines)}, fillcolor="#f3e5f5"];')
        anchors.append(node)
    for server in servers:
        out.append(_server_node(ids, topo, server, "    "))
        anchors.append(ids.get(f"server:{server.name}"))
    for cluster in clusters:
        out += _cluster_block(ids, topo, cluster)
        anchors += [ids.get(f"server:{m}") for m in cluster.members if topo.server(m) is not None]
    if not anchors:
        placeholder = f"empty_{zone}"
        out.append(
            f"    {dot_string(placeholder)} [label={_html(['no servers'], bold_first=False)}, "
            'shape=plaintext, style="", fontcolor="#777777"];'
        )
        anchors.append(placeholder)
    out.append("  }")
    return out, anchors


def _port_lines(flows: list[Flow]) -> list[str]:
    by_protocol: dict[str, list[str]] = {}
    for flow in flows:
        ports = by_protocol.setdefault(flow.protocol, [])
        if flow.port not in ports:
            ports.append(flow.port)
    return [f"{protocol} {', '.join(ports)}" for protocol, ports in by_protocol.items()]


def _node_for(ids: _Ids, topo: Topology, ref: str) -> tuple[str, str | None]:
    """The node an edge attaches to, and the DOT cluster to clip at (for NLB clusters)."""
    if ref.startswith("cluster:"):
        name = ref.partition(":")[2]
        for cluster in topo.model.nlb_clusters:
            if cluster.name == name:
                member = next(m for m in (topo.server(n) for n in cluster.members) if m is not None)
                return dot_string(ids.get(f"server:{member.name}")), "cluster_" + ids.get(ref)
    return dot_string(ids.get(ref)), None


def _groups(plan: NetworkPlan) -> dict[tuple[str, str], list[Flow]]:
    """Flows merged per (source, destination), in flow order."""
    groups: dict[tuple[str, str], list[Flow]] = {}
    for flow in plan.flows:
        groups.setdefault((flow.source_ref, flow.destination_ref), []).append(flow)
    return groups


def _style(flows: list[Flow]) -> str:
    return CLIENT_EDGE if all(f.is_client_traffic for f in flows) else SERVER_EDGE


class _FirewallRows:
    """One row per merged flow crossing a firewall; edges pass through the row's port."""

    def __init__(self, plan: NetworkPlan) -> None:
        self.rows: dict[str, list[tuple[str, list[Flow]]]] = {fw.name: [] for fw in plan.firewall_infos}
        self.node: dict[str, str] = {fw.name: f"firewall_{fw.role}" for fw in reversed(plan.firewall_infos)}
        self.ports: dict[tuple[str, str, str], str] = {}
        for pair, pair_flows in _groups(plan).items():
            for name in dict.fromkeys(n for f in pair_flows for n in f.firewalls):
                rows = self.rows[name]
                self.ports[(name, *pair)] = f"r{len(rows) + 1}"
                rows.append((f"r{len(rows) + 1}", pair_flows))

    def port(self, name: str, pair: tuple[str, str]) -> str:
        return self.ports[(name, *pair)]

    def label(self, fw_name: str, fw_role: str) -> str:
        cells = [
            (
                f'<TR><TD BGCOLOR="#c62828"><FONT COLOR="#ffffff"><B>{escape_dot_html(fw_name)}</B><BR/>'
                f"{escape_dot_html(fw_role)} firewall</FONT></TD></TR>"
            )
        ]
        for port, flows in self.rows[fw_name]:
            first = flows[0]
            text = "<BR/>".join(
                escape_dot_html(line) for line in [f"{first.source} \u2192 {first.destination}", *_port_lines(flows)]
            )
            fill = "#dde8f6" if all(f.is_client_traffic for f in flows) else "#f4f4f4"
            cells.append(f'<TR><TD PORT="{port}" BGCOLOR="{fill}" ALIGN="LEFT" BALIGN="LEFT">{text}</TD></TR>')
        if not self.rows[fw_name]:
            cells.append('<TR><TD BGCOLOR="#f4f4f4">no flows</TD></TR>')
        return (
            '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" COLOR="#8e2020">'
            + "".join(cells)
            + "</TABLE>>"
        )


def _edges(ids: _Ids, topo: Topology, plan: NetworkPlan, rows: _FirewallRows) -> list[str]:
    out = []
    for (source_ref, destination_ref), flows in _groups(plan).items():
        first = flows[0]
        style = _style(flows)
        source, source_cluster = _node_for(ids, topo, source_ref)
        destination, destination_cluster = _node_for(ids, topo, destination_ref)
        reverse = zone_rank(first.source_zone) > zone_rank(first.destination_zone)
        firewalls = list(dict.fromkeys(name for f in flows for name in f.firewalls))
        if not firewalls:
            lines = _port_lines(flows)
            if first.kind == "microsoft-update":
                lines.append(EGRESS_NOTE)
            attributes = [f"label={_html(lines, bold_first=False)}", style]
            tail, head, tail_cluster, head_cluster = source, destination, source_cluster, destination_cluster
            if reverse:
                tail, head, tail_cluster, head_cluster = head, tail, head_cluster, tail_cluster
                attributes.append("dir=back")
            if first.kind == "microsoft-update":
                attributes.append("constraint=false")
            out.append(_edge(tail, head, attributes, tail_cluster, head_cluster))
            continue
        # Lay the path out left to right (Internet side first), then point arrows the flow's way.
        left, right = (destination, source) if reverse else (source, destination)
        left_cluster, right_cluster = (
            (destination_cluster, source_cluster) if reverse else (source_cluster, destination_cluster)
        )
        hops = [f"{dot_string(rows.node[name])}:{rows.port(name, (source_ref, destination_ref))}" for name in firewalls]
        chain = [left, *hops, right]
        for i, (tail, head) in enumerate(itertools.pairwise(chain)):
            # Every hop leaves eastwards and arrives westwards, so paths run straight through the rows.
            tail += ":e" if i > 0 or not left_cluster else ""
            head += ":w" if i < len(chain) - 2 or not right_cluster else ""
            attributes = [style] + (["dir=back"] if reverse else [])
            out.append(
                _edge(
                    tail,
                    head,
                    attributes,
                    left_cluster if i == 0 else None,
                    right_cluster if i == len(chain) - 2 else None,
                )
            )
    return out


def _edge(tail: str, head: str, attributes: list[str], tail_cluster: str | None, head_cluster: str | None) -> str:
    if tail_cluster:
        attributes = [*attributes, f"ltail={dot_string(tail_cluster)}"]
    if head_cluster:
        attributes = [*attributes, f"lhead={dot_string(head_cluster)}"]
    return f"  {tail} -> {head} [{', '.join(attributes)}];"


def _legend() -> list[str]:
    return [
        f"  subgraph {dot_string('cluster_legend')} {{",
        f'    label={_html(["Legend"])}; style="rounded"; color="#bbbbbb"; fontsize=9;',
        '    node [shape=point, width=0.05, style="", label=""];',
        '    "legend_a1"; "legend_a2"; "legend_b1"; "legend_b2";',
        f'    "legend_a1" -> "legend_a2" [label={_html(["client traffic"], bold_first=False)}, {CLIENT_EDGE}];',
        f'    "legend_b1" -> "legend_b2" [label={_html(["server to server"], bold_first=False)}, {SERVER_EDGE}];',
        "  }",
    ]


def placement_dot(topo: Topology, plan: NetworkPlan) -> str:
    """The placement diagram of one site as DOT text (deterministic)."""
    ids = _Ids()
    network = topo.model.network
    title = f"Placement and flows of site {topo.site.code} ({topo.site.name})"
    lines = [
        f"digraph {dot_string('placement_' + topo.site.code)} {{",
        (
            f'  graph [rankdir=LR, newrank=true, compound=true, fontname="{FONT}", fontsize=12, '
            f"labelloc=t, labeljust=l, nodesep=0.3, ranksep=0.55, label={_html([title])}];"
        ),
        (
            f'  node [fontname="{FONT}", fontsize=9, shape=box, style="rounded,filled", fillcolor="#ffffff", '
            'color="#444444", margin="0.12,0.06"];'
        ),
        f'  edge [fontname="{FONT}", fontsize=8, arrowsize=0.6];',
    ]
    anchors: dict[str, list[str]] = {}
    rows = _FirewallRows(plan)
    for zone, fw_role, fw_name in (
        ("internet", "front", network.front_firewall.name),
        ("perimeter", "back", network.back_firewall.name),
        ("intranet", None, None),
    ):
        block, anchors[zone] = _zone_cluster(ids, topo, plan, zone)  # type: ignore[arg-type]
        lines += block
        if fw_role is not None and fw_name is not None:
            lines.append(
                f'  {dot_string("firewall_" + fw_role)} [label={rows.label(fw_name, fw_role)}, shape=plain, style=""];'
            )
    lines.append("  // zone order: Internet, front firewall, perimeter, back firewall, intranet")
    order = [anchors["internet"], ["firewall_front"], anchors["perimeter"], ["firewall_back"], anchors["intranet"]]
    for left, right in itertools.pairwise(order):
        for a in left:
            for b in right:
                lines.append(f"  {dot_string(a)} -> {dot_string(b)} [style=invis];")
    lines.append("  // flows, merged per source and destination")
    lines += _edges(ids, topo, plan, rows)
    lines += _legend()
    lines.append("}")
    return "\n".join(lines) + "\n"
