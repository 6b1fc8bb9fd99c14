"""Placement diagram: determinism, structure, escaping, and real `dot` rendering.

The DOT text of every example site is pinned byte for byte by tests/test_golden_outputs.py
(tests/golden/sites/<CODE>/placement.dot).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from generator.derive.network.plan import build_network_plan
from generator.pipeline import load_site_text, load_sites
from generator.render.diagram import placement_dot
from generator.validate import ValidSite as LoadedSite

ROOT = Path(__file__).resolve().parent.parent
SITES = load_sites([ROOT / "site_inputs"])[0]

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


def dot_for(site: LoadedSite) -> str:
    return placement_dot(site.topology, build_network_plan(site.topology))


def render(text: str, fmt: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["dot", f"-T{fmt}"], input=text.encode(), capture_output=True, check=False)


def hostile_site() -> LoadedSite:
    site, diagnostics = load_site_text(HOSTILE_TEXT, "esc.yaml")
    assert site is not None, [d.format() for d in diagnostics]
    return site


@pytest.mark.parametrize("site", SITES, ids=[s.code for s in SITES])
def test_deterministic(site: LoadedSite) -> None:
    assert dot_for(site).encode() == dot_for(site).encode()
    assert "uuid" not in dot_for(site).lower()


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
@pytest.mark.parametrize("site", [*SITES, None], ids=[*(s.code for s in SITES), "hostile"])
def test_renders_without_warnings(site: LoadedSite | None, fmt: str) -> None:
    text = dot_for(site if site is not None else hostile_site())
    result = render(text, fmt)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert result.stdout


def test_structure_of_contoso() -> None:
    text = dot_for(next(s for s in SITES if s.code == "CEN"))
    assert "rankdir=LR" in text
    for cluster in ("cluster_zone_internet", "cluster_zone_perimeter", "cluster_zone_intranet", "cluster_legend"):
        assert f'subgraph "{cluster}"' in text
    assert '"firewall_front"' in text and '"firewall_back"' in text
    assert "mp.ibcm.contoso.example" in text  # NLB cluster labelled with its FQDN
    assert "forest dmz.contoso.test" in text  # other forest shown
    assert "forest corp.contoso.test" not in text  # the site's own forest is not repeated
    assert 'lhead="cluster_cluster_cen_mp_nlb"' in text
    assert 'fontname="Helvetica"' in text


def test_reverse_proxy_sits_in_the_perimeter() -> None:
    text = dot_for(next(s for s in SITES if s.code == "TSP"))
    perimeter = text.split('subgraph "cluster_zone_perimeter"')[1].split("\n  }")[0]
    assert '"proxy_ts_isa01"' in perimeter and "SSL bridging" in perimeter


def test_hostile_names_are_escaped() -> None:
    text = dot_for(hostile_site())
    assert "&lt;b&gt;&amp;&quot;\\{}" in text  # cluster name in an HTML-like label
    assert "FW &lt;back&gt; &amp; co" in text
    assert "FW &quot;front&quot; \\{x}" in text
    assert "Esc &lt;i&gt;&amp;&quot;\\{}" in text
    assert HOSTILE not in text
    svg = render(text, "svg").stdout.decode()
    assert "&lt;b&gt;&amp;&quot;\\{}" in svg or '&lt;b&gt;&amp;"\\{}' in svg


def test_member_names_match_servers_case_insensitively() -> None:
    from helpers import add_server, load, set_path, site_dict

    site, diagnostics = load(
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
    assert site is not None, [d.format() for d in diagnostics]
    dot = placement_dot(site.topology, build_network_plan(site.topology))
    declared = set(re.findall(r'^\s*"(server_[a-z0-9_]+)" \[label=', dot, flags=re.MULTILINE))
    used = set(re.findall(r'"(server_[a-z0-9_]+)"', dot))
    assert declared == used == {"server_cm01", "server_sql01", "server_dmz01", "server_dmz02"}
