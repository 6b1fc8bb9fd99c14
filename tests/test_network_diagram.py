"""Placement diagram: design, determinism, escaping, and real `dot` rendering.

The DOT text of every example site is pinned byte for byte by tests/test_golden_outputs.py
(tests/golden/sites/<CODE>/placement.dot); tests/test_diagram_browser.py measures it in the built HTML and PDF.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from generator.derive.network.plan import build_network_plan
from generator.pipeline import load_site_text, load_sites
from generator.render.diagram import (
    FONT_SIZE,
    flow_groups,
    placement_dot,
    service_of,
    services_lines,
    wrap,
)
from generator.validate import ValidSite as LoadedSite

ROOT = Path(__file__).resolve().parent.parent
SITES = load_sites([ROOT / "site_inputs"])[0]
TEXT_WIDTH_PT = (210 - 2 * 20) / 25.4 * 72  # the PDF's text width: A4 minus 2 cm margins
MIN_PDF_PT = 9.0

HOSTILE = r'<b>&"\{}'
HOSTILE_TEXT = f"""
schema: 1
site: {{code: ESC, name: 'Esc <i>&"\\{{}}', type: primary, mode: native, version: SP2, forest: corp.test,
       site_server: CM01, database_server: CM01}}
servers:
  - {{name: CM01, zone: intranet, os: windows_server_2008, roles: {{software_update_point: {{connections: intranet}}}}}}
  - {{name: MP1, zone: perimeter, forest: dmz.test, install_account: DMZ\\svc, os: windows_server_2008,
     roles: {{management_point: {{connections: internet}}}}}}
  - {{name: MP2, zone: perimeter, forest: dmz.test, install_account: DMZ\\svc, os: windows_server_2008,
     roles: {{management_point: {{connections: internet}}}}}}
nlb_clusters:
  - {{name: '{HOSTILE}', role: management_point, internet_fqdn: mp.example.com, members: [MP1, MP2]}}
network:
  front_firewall: {{name: 'FW "front" \\{{x}}'}}
  back_firewall: {{name: 'FW <back> & co'}}
pki: {{crl_published_on_internet: true}}
"""

EDGE = re.compile(r'^  "([^"]+)" -> "([^"]+)" \[(.*)\];$', re.MULTILINE)
NODE = re.compile(r'^\s*"([^"]+)" \[label=<(.*?)>, ', re.MULTILINE)


def site(code: str) -> LoadedSite:
    return next(s for s in SITES if s.code == code)


def dot_for(site: LoadedSite) -> str:
    return placement_dot(site.topology, build_network_plan(site.topology))


def render(text: str, fmt: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["dot", f"-T{fmt}"], input=text.encode(), capture_output=True, check=False)


def hostile_site() -> LoadedSite:
    loaded, diagnostics = load_site_text(HOSTILE_TEXT, "esc.yaml")
    assert loaded is not None, [d.format() for d in diagnostics]
    return loaded


def subgraph(text: str, name: str) -> str:
    """The body of a top-level subgraph (zone or firewall)."""
    start = text.index(f'  subgraph "{name}" {{\n')
    return text[start : text.index("\n  }\n", start)]


def labels(body: str) -> dict[str, str]:
    """Node id -> label text (lines joined by spaces, markup removed)."""
    return {node: " ".join(re.sub(r"<[^>]+>", " ", label).split()) for node, label in NODE.findall(body)}


def edges(text: str) -> list[tuple[str, str, str]]:
    return [e for e in EDGE.findall(text) if "style=invis" not in e[2]]


def svg_boxes(svg: str) -> dict[str, tuple[float, float]]:
    """Cluster name -> (left, right) x of its polygon in the rendered SVG."""
    boxes = {}
    for name, points in re.findall(
        r'<g id="clust\d+" class="cluster">\s*<title>([^<]+)</title>\s*<(?:polygon|path)[^>]*?(?:points|d)="([^"]+)"',
        svg,
    ):
        xs = [float(x) for x in re.findall(r"(-?[\d.]+),-?[\d.]+", points)]
        boxes[name] = (min(xs), max(xs))
    return boxes


# --- determinism and rendering ------------------------------------------------------------------


@pytest.mark.parametrize("loaded", SITES, ids=[s.code for s in SITES])
def test_deterministic(loaded: LoadedSite) -> None:
    assert dot_for(loaded).encode() == dot_for(loaded).encode()
    assert "uuid" not in dot_for(loaded).lower()


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
@pytest.mark.parametrize("loaded", [*SITES, None], ids=[*(s.code for s in SITES), "hostile"])
def test_renders_without_warnings(loaded: LoadedSite | None, fmt: str) -> None:
    text = dot_for(loaded if loaded is not None else hostile_site())
    result = render(text, fmt)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert result.stdout


# --- layout: zones, firewalls, size -------------------------------------------------------------


@pytest.mark.parametrize("loaded", SITES, ids=[s.code for s in SITES])
def test_zones_and_firewalls_run_left_to_right(loaded: LoadedSite) -> None:
    boxes = svg_boxes(render(dot_for(loaded), "svg").stdout.decode())
    order = [
        "cluster_zone_internet",
        "cluster_firewall_front",
        "cluster_zone_perimeter",
        "cluster_firewall_back",
        "cluster_zone_intranet",
    ]
    assert all(boxes[a][1] < boxes[b][0] for a, b in itertools.pairwise(order)), boxes


@pytest.mark.parametrize("loaded", SITES, ids=[s.code for s in SITES])
def test_fits_the_pdf_text_width_with_legible_text(loaded: LoadedSite) -> None:
    """At 17 cm (LaTeX scales a wider drawing down to the text width), no text is under 9 pt."""
    text = dot_for(loaded)
    sizes = [float(s) for s in re.findall(r"(?:fontsize=|POINT-SIZE=\")([\d.]+)", text)]
    assert min(sizes) == FONT_SIZE
    info = subprocess.run(["pdfinfo", "-"], input=render(text, "pdf").stdout, capture_output=True, check=True)
    found = re.search(rb"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert found is not None
    width, height = float(found.group(1)), float(found.group(2))
    assert FONT_SIZE * min(1.0, TEXT_WIDTH_PT / width) >= MIN_PDF_PT, f"{width} pt wide"
    assert height < 2 * width, "an aspect that fits a page"


@pytest.mark.parametrize("loaded", SITES, ids=[s.code for s in SITES])
def test_firewalls_are_bands_of_services_not_rule_lists(loaded: LoadedSite) -> None:
    text = dot_for(loaded)
    plan = build_network_plan(loaded.topology)
    groups = flow_groups(plan)
    names = {s.name for s in loaded.topology.model.servers} | {f.source for f in plan.flows}
    for fw in plan.firewall_infos:
        body = subgraph(text, f"cluster_firewall_{fw.role}")
        assert "<TABLE" not in body
        gates = labels(body)
        crossing = [g for g in groups if fw.name in g.firewalls]
        # One gate per group that crosses the firewall, labelled with the group's services and nothing else.
        assert Counter(gates.values()) == Counter(" ".join(g.lines) for g in crossing)
        for label in gates.values():
            assert not any(name in label for name in names), label
            assert "\u2192" not in label


# --- groups and their paths ---------------------------------------------------------------------


def test_service_names() -> None:
    plan = build_network_plan(site("CEN").topology)
    ports = {
        f.port: service_of(f, {(x.protocol, x.port) for x in plan.flows if x.pair == f.pair})
        for f in plan.flows
        if f.source == "CM01" and f.destination == "DMZSUP01"
    }
    assert ports["445"] == "SMB"
    assert ports["135"] == "RPC"
    assert ports["49152-65535"] == "RPC"  # the dynamic range comes with the endpoint mapper
    assert ports["8530"] == "TCP 8530"
    assert services_lines(["TCP 443"]) == ["TCP 443"]
    assert services_lines(["SMB", "RPC", "TCP 8531", "TCP 8530"]) == ["SMB, RPC,", "TCP 8530, 8531"]
    assert services_lines(["SQL 1433", "SMB"]) == ["SMB, SQL 1433"]
    assert services_lines(["TCP 443", "TCP 80"]) == ["TCP 80, 443"]


def test_wrap_breaks_at_spaces_then_dots_and_hyphens() -> None:
    assert wrap("forest dmz.contoso.test", 16) == ["forest", "dmz.contoso.test"]
    assert wrap("mp.ibcm.contoso.example", 16) == ["mp.ibcm.contoso.", "example"]
    assert wrap("WG-PERIMETER-FW", 12) == ["WG-", "PERIMETER-FW"]
    assert wrap("unbreakablehostname", 8) == ["unbreakablehostname"]
    assert wrap('a _ "b"', 3) == ["a _", '"b"']  # a space is kept where the text had one


def test_flows_are_grouped_by_source_services_and_destinations() -> None:
    groups = flow_groups(build_network_plan(site("CEN").topology))
    by_sources = {(g.sources, g.destinations): g for g in groups}
    # Internet clients reach the NLB management point and the distribution point with the same service.
    client = by_sources[(("clients",), ("cluster:CEN-MP-NLB", "server:DMZDP01"))]
    assert client.services == ("TCP 443",) and client.client and client.firewalls == ("FW-EDGE",)
    # Both NLB members read the replica: one path with two sources.
    replica = next(g for g in groups if g.destinations == ("server:DMZSQL01",) and not g.firewalls)
    assert replica.sources == ("server:DMZMP01", "server:DMZMP02")
    assert replica.lines == ["SQL 1433"]
    # The site server installs every perimeter site system: SMB and RPC, plus what each role needs.
    installs = {g.destinations: g.label for g in groups if g.sources == ("server:CM01",) and g.firewalls}
    assert installs[("server:DMZDP01",)] == "SMB, RPC"
    assert installs[("server:DMZSUP01",)].startswith("SMB, RPC,")
    # Every flow is in exactly one group.
    plan = build_network_plan(site("CEN").topology)
    pairs = Counter((f.source_ref, f.destination_ref) for f in plan.flows)
    covered = Counter((s, d) for g in groups for s in g.sources for d in g.destinations)
    assert set(covered) == set(pairs) and max(covered.values()) == 1


@pytest.mark.parametrize("loaded", SITES, ids=[s.code for s in SITES])
def test_one_path_per_group(loaded: LoadedSite) -> None:
    """Each group is drawn once: its sources to its first gate, gate to gate, its last gate to its destinations."""
    text = dot_for(loaded)
    groups = flow_groups(build_network_plan(loaded.topology))
    expected = sum(len(g.sources) + max(len(g.firewalls), 1) - 1 + len(g.destinations) for g in groups)
    assert len(edges(text)) == expected
    gates = [node for node, _ in NODE.findall(text) if node.startswith("gate_")]
    assert len(gates) == sum(max(len(g.firewalls), 1) for g in groups)


def test_paths_of_contoso() -> None:
    text = dot_for(site("CEN"))
    front = labels(subgraph(text, "cluster_firewall_front"))
    gate = next(node for node, label in front.items() if label == "TCP 443")
    drawn = edges(text)
    # One gate for the clients' HTTPS to the NLB management point and the distribution point.
    assert [(a, b) for a, b, _ in drawn if gate in (a, b)] == [
        (gate, "clients"),
        ("server_dmzmp01", gate),
        ("server_dmzdp01", gate),
    ]
    to_nlb = next(attrs for a, b, attrs in drawn if (a, b) == ("server_dmzmp01", gate))
    assert 'ltail="cluster_cluster_cen_mp_nlb"' in to_nlb  # drawn to the NLB cluster's border
    assert "dir=back" in to_nlb  # written intranet side first (rankdir=RL), pointing the flow's way


@pytest.mark.parametrize("loaded", SITES, ids=[s.code for s in SITES])
def test_legend_and_line_styles(loaded: LoadedSite) -> None:
    text = dot_for(loaded)
    heading = text.split("\n")[1]
    assert "client traffic (solid line)" in heading
    assert "site-system traffic (dashed line)" in heading
    assert "firewall, with the services it lets through" in heading
    assert 'subgraph "cluster_legend"' not in text  # the legend is two lines under the title, not a box
    styles = Counter(("style=dashed" in attrs, 'color="#1f5fa8"' in attrs) for _, _, attrs in edges(text))
    # Client traffic: blue and solid; site-system traffic: grey and dashed; nothing else.
    assert set(styles) == {(False, True), (True, False)}


def test_structure_of_contoso() -> None:
    text = dot_for(site("CEN"))
    assert "rankdir=RL" in text
    for cluster in (
        "cluster_zone_internet",
        "cluster_firewall_front",
        "cluster_zone_perimeter",
        "cluster_firewall_back",
        "cluster_zone_intranet",
    ):
        assert f'subgraph "{cluster}"' in text
    assert "FW-EDGE" in subgraph(text, "cluster_firewall_front")
    assert "FW-CORE" in subgraph(text, "cluster_firewall_back")
    perimeter = subgraph(text, "cluster_zone_perimeter")
    assert "mp.ibcm.contoso.<BR/>example" in perimeter  # NLB cluster titled with its FQDN, wrapped after a dot
    assert "forest<BR/>dmz.contoso.test" in perimeter  # other forest shown
    assert "corp.contoso.test" not in text  # the site's own forest is not repeated
    assert 'fontname="Arial"' in text
    # Microsoft Update from the intranet leaves through the usual egress: beside the site server, no firewall.
    assert '"microsoft_update"' not in subgraph(text, "cluster_zone_internet")
    assert "via the usual" in text


def test_reverse_proxy_sits_in_the_perimeter() -> None:
    text = dot_for(site("TSP"))
    perimeter = subgraph(text, "cluster_zone_perimeter")
    assert '"proxy_ts_isa01"' in perimeter and "SSL bridging" in perimeter


def test_a_party_in_two_zones_is_drawn_in_each() -> None:
    """A CRL not yet on the Internet: clients look for it there, the perimeter site systems in the intranet."""
    from helpers import load_valid, set_path

    loaded = load_valid(set_path("pki", {"client_crl_checking": True, "crl_published_on_internet": False}))
    text = dot_for(loaded)
    assert render(text, "svg").stderr == b""
    internet = labels(subgraph(text, "cluster_zone_internet"))
    intranet = labels(subgraph(text, "cluster_zone_intranet"))
    assert internet["crl_crl_distribution_point"] == intranet["crl_crl_distribution_point_intranet"]
    back = subgraph(text, "cluster_firewall_back")
    gate = next(node for node, label in labels(back).items() if label == "TCP 80")
    assert ("crl_crl_distribution_point_intranet", gate) in [(a, b) for a, b, _ in edges(text)]


def test_hostile_names_are_escaped() -> None:
    text = dot_for(hostile_site())
    assert "&lt;b&gt;&amp;&quot;\\{}" in text  # cluster name in an HTML-like label
    assert "FW &lt;back&gt; &amp; co" in text
    assert "FW &quot;front&quot; \\{x}" in text
    assert "Esc &lt;i&gt;&amp;&quot;\\{}" in text
    assert HOSTILE not in text
    svg = render(text, "svg").stdout.decode()
    assert "&lt;b&gt;&amp;&quot;\\{}" in svg or '&lt;b&gt;&amp;"\\{}' in svg


def test_long_names_wrap_instead_of_widening() -> None:
    from helpers import load_valid, set_path

    name = "A very long site name that goes on " * 4
    loaded = load_valid(set_path("site.name", name.strip()))
    title = dot_for(loaded).split("\n")[1]
    assert title.count('<BR ALIGN="LEFT"/>') >= 4  # the title wraps; the legend has its own two lines


def test_member_names_match_servers_case_insensitively() -> None:
    from helpers import add_server, load, set_path, site_dict

    loaded, diagnostics = load(
        site_dict(
            add_server(name="DMZ02", roles={"management_point": {"connections": "internet"}}),
            set_path(
                "nlb_clusters",
                [
                    {
                        "name": "N",
                        "role": "management_point",
                        "internet_fqdn": "n.example.com",
                        "members": ["dmz01", "Dmz02"],
                    }
                ],
            ),
        )
    )
    assert loaded is not None, [d.format() for d in diagnostics]
    dot = placement_dot(loaded.topology, build_network_plan(loaded.topology))
    declared = set(re.findall(r'^\s*"(server_[a-z0-9_]+)" \[label=', dot, flags=re.MULTILINE))
    used = set(re.findall(r'"(server_[a-z0-9_]+)"', dot))
    assert declared == used == {"server_cm01", "server_sql01", "server_dmz01", "server_dmz02"}
