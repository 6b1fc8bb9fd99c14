"""Flows derived from the site model: one table per flow rule (docs/domain-facts.md, Ports) and per placement scenario."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.derive.network.flows import Flow, derive_flows, perimeter_initiated_flows
from generator.derive.network.plan import build_network_plan
from generator.model.schema import SiteInput
from generator.model.topology import Topology
from generator.pipeline import load_site_text, plan_site_text, plan_sites
from generator.plan import SitePlan
from generator.render.plan_json import plan_to_json
from generator.validate import ValidSite as LoadedSite

ROOT = Path(__file__).resolve().parent.parent

HEAD = """
schema: 1
site: {code: TST, name: Test, type: primary, mode: native, version: SP2, forest: corp.test,
       site_server: CM01, database_server: SQL01%(ports)s}
"""
CM01 = """
  - {name: CM01, zone: intranet, os: windows_server_2008, intranet_fqdn: cm01.corp.test,
     roles: {software_update_point: {connections: intranet}}}
  - {name: SQL01, zone: intranet, os: windows_server_2008}
"""
NETWORK = """
network:
  front_firewall: {name: FW-FRONT}
  back_firewall: {name: FW-BACK, perimeter_may_initiate: %(may)s}
pki: {crl_published_on_internet: true, client_crl_checking: %(crl)s}
"""


def site_text(servers: str, extra: str = "", *, may: str = "true", crl: str = "false", ports: str = "") -> str:
    return (HEAD % {"ports": ports}) + "servers:" + CM01 + servers + extra + (NETWORK % {"may": may, "crl": crl})


def load(text: str) -> LoadedSite:
    site, diagnostics = load_site_text(text, "t.yaml")
    assert site is not None, [d.format() for d in diagnostics]
    return site


def plan_of(text: str) -> SitePlan:
    plan, diagnostics = plan_site_text(text, "t.yaml")
    assert plan is not None, [d.format() for d in diagnostics]
    return plan


def summary(flows: list[Flow]) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    return [(f.source, f.destination, f.protocol, f.port, f.firewalls) for f in flows]


def of_kind(flows: list[Flow], *kinds: str) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    return summary([f for f in flows if f.kind in kinds])


FRONT, BACK, BOTH = ("FW-FRONT",), ("FW-BACK",), ("FW-FRONT", "FW-BACK")
RPC_2008 = "49152-65535"
DC_PORTS = [
    ("TCP", "53"),
    ("UDP", "53"),
    ("TCP", "88"),
    ("UDP", "88"),
    ("TCP", "464"),
    ("UDP", "464"),
    ("TCP", "389"),
    ("UDP", "389"),
    ("TCP", "3268"),
    ("TCP", "445"),
    ("TCP", "135"),
    ("TCP", "rpc"),
    ("UDP", "123"),
]
"""Domain membership, in flow order (reference 16.6): "rpc" stands for the domain controller's dynamic range."""


def dc_flows(
    source: str, dc: str, firewalls: tuple[str, ...], rpc: str = RPC_2008
) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """The domain membership flows of ``source`` to one domain controller."""
    return [(source, dc, protocol, rpc if port == "rpc" else port, firewalls) for protocol, port in DC_PORTS]


DMZ_MP_DP = """
  - {name: DMZ01, zone: perimeter, os: windows_server_2008, internet_fqdn: ibcm.example.com,
     roles: {management_point: {connections: internet}, distribution_point: {connections: internet}}}
"""
REPLICA = """
  - {name: DMZ01, zone: perimeter, forest: dmz.test, install_account: DMZ\\svc, os: windows_server_2003,
     internet_fqdn: ibcm.example.com, roles: {management_point: {connections: internet, database: replica}}}
  - {name: DMZSQL, zone: perimeter, forest: dmz.test, install_account: DMZ\\svc, os: windows_server_2008}
"""
REPLICA_EXTRA = "database_replica: {server: DMZSQL, database: SMS_TST_replica}\n"
NLB = """
  - {name: MP1, zone: perimeter, os: windows_server_2008, roles: {management_point: {connections: internet}}}
  - {name: MP2, zone: perimeter, os: windows_server_2008, roles: {management_point: {connections: internet}}}
"""
NLB_EXTRA = """
nlb_clusters:
  - {name: MPNLB, role: management_point, internet_fqdn: mp.example.com, public_ip: 203.0.113.9,
     members: [MP1, MP2]}
"""
INTRANET_SUP = """
  - {name: SUP2, zone: intranet, os: windows_server_2008, intranet_fqdn: sup2.corp.test,
     internet_fqdn: sup.example.com, roles: {software_update_point: {connections: internet, wsus_website: custom}}}
"""
PERIMETER_SUP = """
  - {name: SUP2, zone: perimeter, os: windows_server_2008, intranet_fqdn: sup2.corp.test,
     internet_fqdn: sup.example.com, roles: {software_update_point: {connections: internet}}}
"""
INTERNET_MP = """
  - {name: MPI, zone: intranet, os: windows_server_2003, site_server_initiated: true, internet_fqdn: mpi.example.com,
     roles: {management_point: {connections: both}}}
"""
"""The Internet MP that rule 15 asks of every site with Internet roles, for cases about other roles: in the intranet
and site-server-initiated, so that it adds no perimeter, status or domain flows."""
PROXIED = """
  - {name: MP1, zone: intranet, os: windows_server_2008, internet_fqdn: mp.example.com,
     roles: {management_point: {connections: both}}}
"""


def proxy_extra(mode: str) -> str:
    return f"""
network:
  front_firewall: {{name: FW-FRONT}}
  back_firewall: {{name: FW-BACK}}
  reverse_proxy: {{name: RP1, mode: {mode}, public_ip: 192.0.2.1, publishes: [MP1]}}
pki: {{crl_published_on_internet: true, client_crl_checking: false}}
"""


def proxied_text(mode: str) -> str:
    return (HEAD % {"ports": ""}) + "servers:" + CM01 + PROXIED + proxy_extra(mode)


# --- one case per rule of "Flows to derive" --------------------------------------------------------

RULE_CASES = [
    pytest.param(
        site_text(DMZ_MP_DP),
        ("client",),
        [("Internet clients", "DMZ01", "TCP", "443", FRONT)],
        id="client-mp-and-dp-share-https-port",
    ),
    pytest.param(
        site_text(DMZ_MP_DP, ports=", client_ports: {http: 8080, https: 8443}"),
        ("client",),
        [("Internet clients", "DMZ01", "TCP", "8443", FRONT)],
        id="client-port-from-site-client-ports",
    ),
    pytest.param(
        site_text(
            DMZ_MP_DP.replace("roles: {", "roles: {fallback_status_point: {connections: both}, "),
            ports=", client_ports: {http: 8080, https: 443}",
        ),
        ("client",),
        [("Internet clients", "DMZ01", "TCP", "443", FRONT), ("Internet clients", "DMZ01", "TCP", "8080", FRONT)],
        id="client-fsp-http-port",
    ),
    pytest.param(
        site_text(DMZ_MP_DP.replace("roles: {", "roles: {fallback_status_point: {connections: intranet}, ")),
        ("client",),
        [("Internet clients", "DMZ01", "TCP", "443", FRONT)],
        id="no-client-flow-to-intranet-fsp",
    ),
    pytest.param(
        site_text(DMZ_MP_DP, crl="true"),
        ("crl",),
        [("Internet clients", "CRL distribution point", "TCP", "80", ())],
        id="crl-without-url",
    ),
    pytest.param(
        site_text(DMZ_MP_DP, crl="false"),
        ("crl",),
        [],
        id="no-crl-flow-without-checking",
    ),
    pytest.param(
        site_text(DMZ_MP_DP),
        ("site-server",),
        [
            ("CM01", "DMZ01", "TCP", "445", BACK),
            ("CM01", "DMZ01", "TCP", "135", BACK),
            ("CM01", "DMZ01", "UDP", "135", BACK),
            ("CM01", "DMZ01", "TCP", RPC_2008, BACK),
        ],
        id="site-server-smb-rpc-to-role-servers-only",
    ),
    pytest.param(
        site_text(DMZ_MP_DP.replace("os: windows_server_2008", "os: windows_server_2003")),
        ("site-server",),
        [
            ("CM01", "DMZ01", "TCP", "445", BACK),
            ("CM01", "DMZ01", "TCP", "135", BACK),
            ("CM01", "DMZ01", "UDP", "135", BACK),
            ("CM01", "DMZ01", "TCP", "1024-5000", BACK),
        ],
        id="rpc-range-windows-2003",
    ),
    pytest.param(
        site_text(
            DMZ_MP_DP.replace("os: windows_server_2008", "os: windows_server_2008, rpc_dynamic_ports: 50000-50100")
        ),
        ("site-server",),
        [
            ("CM01", "DMZ01", "TCP", "445", BACK),
            ("CM01", "DMZ01", "TCP", "135", BACK),
            ("CM01", "DMZ01", "UDP", "135", BACK),
            ("CM01", "DMZ01", "TCP", "50000-50100", BACK),
        ],
        id="rpc-range-override",
    ),
    pytest.param(
        site_text(INTRANET_SUP + INTERNET_MP),
        ("site-server-wsus",),
        [("CM01", "SUP2", "TCP", "8531", ()), ("CM01", "SUP2", "TCP", "8530", ())],
        id="site-server-wsus-custom-ports",
    ),
    pytest.param(
        site_text(DMZ_MP_DP),
        ("site-server-sql", "mp-database"),
        [("CM01", "SQL01", "TCP", "1433", ()), ("DMZ01", "SQL01", "TCP", "1433", BACK)],
        id="sql-to-separate-database-server-and-from-mp",
    ),
    pytest.param(
        site_text(DMZ_MP_DP),
        ("site-system-status",),
        [("DMZ01", "CM01", "TCP", "445", BACK)],
        id="status-smb-when-site-server-initiated-false",
    ),
    pytest.param(
        site_text(DMZ_MP_DP.replace("internet_fqdn:", "site_server_initiated: true, internet_fqdn:")),
        ("site-system-status",),
        [],
        id="no-status-smb-when-site-server-initiated",
    ),
    pytest.param(
        site_text(DMZ_MP_DP.replace("management_point: {connections: internet}, ", "") + INTERNET_MP),
        ("site-system-status",),
        [],
        id="no-status-smb-from-dp-only-server",
    ),
    pytest.param(
        site_text(REPLICA, REPLICA_EXTRA, may="false"),
        ("mp-replica", "replication", "mp-database"),
        [("DMZ01", "DMZSQL", "TCP", "1433", ()), ("SQL01", "DMZSQL", "TCP", "1433", BACK)],
        id="replica-mp-and-push-replication",
    ),
    pytest.param(
        site_text(INTRANET_SUP + INTERNET_MP),
        ("sup-sync",),
        [("SUP2", "CM01", "TCP", "443", ()), ("SUP2", "CM01", "TCP", "80", ())],
        id="internet-sup-automatic-sync-on-active-sup-ports",
    ),
    pytest.param(
        site_text(PERIMETER_SUP + INTERNET_MP),
        ("sup-sync",),
        [],
        id="perimeter-sup-export-import-has-no-flow",
    ),
    pytest.param(
        site_text(DMZ_MP_DP),
        ("microsoft-update",),
        [("CM01", "Microsoft Update", "TCP", "80", ()), ("CM01", "Microsoft Update", "TCP", "443", ())],
        id="active-sup-to-microsoft-update-no-firewalls",
    ),
]


@pytest.mark.parametrize(("text", "kinds", "expected"), RULE_CASES)
def test_rule(text: str, kinds: tuple[str, ...], expected: list[tuple[str, str, str, str, tuple[str, ...]]]) -> None:
    assert of_kind(derive_flows(load(text).topology), *kinds) == expected


# --- placement scenarios ----------------------------------------------------------------------------


def test_direct_sql_scenario_full_list() -> None:
    plan = plan_of(site_text(DMZ_MP_DP))
    flows = list(plan.network.flows)
    assert summary(flows) == [
        ("Internet clients", "DMZ01", "TCP", "443", FRONT),
        ("CM01", "DMZ01", "TCP", "445", BACK),
        ("CM01", "DMZ01", "TCP", "135", BACK),
        ("CM01", "DMZ01", "UDP", "135", BACK),
        ("CM01", "DMZ01", "TCP", RPC_2008, BACK),
        ("CM01", "DMZ01", "TCP", "443", BACK),
        ("CM01", "SQL01", "TCP", "1433", ()),
        ("DMZ01", "CM01", "TCP", "445", BACK),
        ("DMZ01", "SQL01", "TCP", "1433", BACK),
        ("CM01", "Microsoft Update", "TCP", "80", ()),
        ("CM01", "Microsoft Update", "TCP", "443", ()),
        *dc_flows("DMZ01", "Domain controllers (corp.test)", BACK),
    ]
    merged = flows[0]
    assert merged.need == "internet-management-point" and plan.step_of(merged) == "mp-internet"
    assert "management point" in merged.purpose and "distribution point" in merged.purpose


def test_other_forest_defaults_to_site_server_initiated() -> None:
    flows = derive_flows(load(site_text(REPLICA, REPLICA_EXTRA)).topology)
    assert of_kind(flows, "site-system-status") == []
    assert ("CM01", "DMZ01", "TCP", "1024-5000", BACK) in summary(flows)


@pytest.mark.parametrize("mode", ["ssl_bridging", "ssl_tunneling"])
def test_reverse_proxy_two_hops(mode: str) -> None:
    flows = derive_flows(load(proxied_text(mode)).topology)
    assert of_kind(flows, "client", "proxy-forward") == [
        ("Internet clients", "RP1", "TCP", "443", FRONT),
        ("RP1", "MP1", "TCP", "443", BACK),
    ]
    assert all(f.destination != "MP1" for f in flows if f.source == "Internet clients")
    forward = next(f for f in flows if f.kind == "proxy-forward")
    assert forward.origin == ("network", "reverse_proxy", "publishes", 0)
    assert ("SSL bridging" if mode == "ssl_bridging" else "SSL tunnelling") in forward.purpose


def test_nlb_cluster_is_the_client_destination() -> None:
    flows = derive_flows(load(site_text(NLB, NLB_EXTRA)).topology)
    assert of_kind(flows, "client") == [("Internet clients", "MPNLB", "TCP", "443", FRONT)]
    members = {f.destination for f in flows if f.kind == "site-server"}
    assert members == {"MP1", "MP2"}
    assert of_kind(flows, "mp-database") == [
        ("MP1", "SQL01", "TCP", "1433", BACK),
        ("MP2", "SQL01", "TCP", "1433", BACK),
    ]


def test_internet_sup_on_intranet_crosses_both_firewalls() -> None:
    flows = derive_flows(load(site_text(INTRANET_SUP + INTERNET_MP)).topology)
    assert of_kind(flows, "client") == [
        ("Internet clients", "MPI", "TCP", "443", BOTH),
        ("Internet clients", "SUP2", "TCP", "8531", BOTH),
        ("Internet clients", "SUP2", "TCP", "8530", BOTH),
    ]


def test_internet_sup_in_perimeter() -> None:
    flows = derive_flows(load(site_text(PERIMETER_SUP + INTERNET_MP)).topology)
    assert of_kind(flows, "client") == [
        ("Internet clients", "MPI", "TCP", "443", BOTH),
        ("Internet clients", "SUP2", "TCP", "443", FRONT),
        ("Internet clients", "SUP2", "TCP", "80", FRONT),
    ]
    assert of_kind(flows, "site-server-wsus") == [
        ("CM01", "SUP2", "TCP", "443", BACK),
        ("CM01", "SUP2", "TCP", "80", BACK),
    ]
    assert of_kind(flows, "sup-sync") == []


def test_perimeter_sup_automatic_sync_is_perimeter_initiated() -> None:
    text = site_text(PERIMETER_SUP + INTERNET_MP, "software_updates: {internet_sup_sync: automatic}\n")
    site = load(text)
    flows = derive_flows(site.topology)
    initiated = perimeter_initiated_flows(flows)
    assert ("SUP2", "CM01", "TCP", "443", BACK) in summary(initiated)
    sync = next(f for f in initiated if f.kind == "sup-sync")
    assert sync.origin == ("software_updates", "internet_sup_sync")


def test_perimeter_may_initiate_false_defaults_leave_no_perimeter_initiated_flow() -> None:
    site = load(site_text(REPLICA, REPLICA_EXTRA, may="false"))
    assert perimeter_initiated_flows(derive_flows(site.topology)) == []


def test_perimeter_may_initiate_false_with_explicit_initiation_is_reported_with_its_origin() -> None:
    servers = DMZ_MP_DP.replace(
        "management_point: {connections: internet}", "fallback_status_point: {connections: both}"
    )
    # A perimeter forest of its own, so domain membership stays in the perimeter.
    servers = servers.replace(
        "internet_fqdn:", "forest: dmz.test, install_account: DMZ\\svc, site_server_initiated: false, internet_fqdn:"
    )
    text = site_text(servers + INTERNET_MP, may="false")
    topo = Topology(SiteInput.model_validate(yaml.safe_load(text)))
    initiated = perimeter_initiated_flows(derive_flows(topo))
    assert summary(initiated) == [("DMZ01", "CM01", "TCP", "445", BACK)]
    assert initiated[0].origin == ("servers", 2, "site_server_initiated")
    assert of_kind(derive_flows(topo), "domain-membership") == dc_flows("DMZ01", "Domain controllers (dmz.test)", ())
    # The loader turns it into an error located at that input value.
    site, diagnostics = load_site_text(text, "t.yaml")
    assert site is None
    errors = [d for d in diagnostics if d.is_error]
    assert [d.code for d in errors] == ["perimeter-initiated-flow"]
    assert (
        errors[0].location.line
        == text.splitlines().index(next(line for line in text.splitlines() if "site_server_initiated" in line)) + 1
    )


# --- further flows a change needs: domain membership, intranet clients, checks, shared WSUS DB, CRL ------------

NO_CM01_SUP = ("roles: {software_update_point: {connections: intranet}}}", "roles: {}}")
"""Replace CM01's SUP (the first in the text), so a perimeter SUP can be the active one."""
CORP_DIRECTORY = """
directory:
  corp.test:
    - {name: DC01, address: 10.0.0.5, os: windows_server_2003}
    - {name: DC02, address: 10.0.0.6}
"""
DMZ_DIRECTORY = """
directory:
  dmz.test:
    - {name: DMZDC01, address: 172.16.0.5}
"""
BOTH_MP_DP = DMZ_MP_DP.replace("{connections: internet}", "{connections: both}")
BOTH_NLB = NLB.replace("{connections: internet}", "{connections: both}")
NLB_INTRANET_FQDN = NLB_EXTRA.replace("internet_fqdn:", "intranet_fqdn: mpnlb.corp.test, internet_fqdn:")
PERIMETER_ACTIVE_SUP = """
  - {name: SUP1, zone: perimeter, os: windows_server_2008, intranet_fqdn: sup1.corp.test,
     internet_fqdn: sup.example.com, roles: {software_update_point: {connections: both}}}
"""
NLB_SUP = """
  - {name: SUPA, zone: %(zone)s, os: windows_server_2008, roles: {software_update_point: {connections: both}}}
  - {name: SUPB, zone: %(zone)s, os: windows_server_2008, roles: {software_update_point: {connections: both}}}
"""
NLB_SUP_EXTRA = """
nlb_clusters:
  - {name: SUPNLB, role: software_update_point, internet_fqdn: sup.example.com, intranet_fqdn: supnlb.corp.test,
     members: [SUPA, SUPB], wsus_database: %(database)s}
"""
MP_ON_SITE_SERVER = (
    "roles: {software_update_point: {connections: intranet}}}",
    "roles: {software_update_point: {connections: intranet}, management_point: {connections: intranet}}}",
)
INTRANET_MP = """
  - {name: MP9, zone: intranet, os: windows_server_2008, roles: {management_point: {connections: intranet}}}
"""


def crl_text(published: str, url: str = "") -> str:
    text = site_text(DMZ_MP_DP, crl="true").replace(
        "crl_published_on_internet: true", f"crl_published_on_internet: {published}"
    )
    return text.replace("client_crl_checking: true", f"client_crl_checking: true{url}")


def nlb_sup_text(zone: str, database: str) -> str:
    servers = NLB_SUP % {"zone": zone} + INTERNET_MP
    return site_text(servers, NLB_SUP_EXTRA % {"database": database}).replace(*NO_CM01_SUP, 1)


FURTHER_CASES = [
    # domain membership (reference 16.6)
    pytest.param(
        site_text(DMZ_MP_DP),
        ("domain-membership",),
        dc_flows("DMZ01", "Domain controllers (corp.test)", BACK),
        id="dc-site-forest-member-without-directory",
    ),
    pytest.param(
        site_text(DMZ_MP_DP, CORP_DIRECTORY),
        ("domain-membership",),
        dc_flows("DMZ01", "DC01", BACK, rpc="1024-5000") + dc_flows("DMZ01", "DC02", BACK),
        id="dc-site-forest-member-one-endpoint-per-listed-dc-with-its-rpc-range",
    ),
    pytest.param(
        site_text(REPLICA, REPLICA_EXTRA + DMZ_DIRECTORY, may="false"),
        ("domain-membership",),
        dc_flows("DMZ01", "DMZDC01", ()) + dc_flows("DMZSQL", "DMZDC01", ()),
        id="dc-untrusted-perimeter-forest-stays-in-the-perimeter",
    ),
    pytest.param(
        site_text(REPLICA, REPLICA_EXTRA),
        ("domain-membership",),
        dc_flows("DMZ01", "Domain controllers (dmz.test)", ())
        + dc_flows("DMZSQL", "Domain controllers (dmz.test)", ()),
        id="dc-perimeter-forest-without-directory",
    ),
    pytest.param(
        site_text(INTRANET_SUP + INTERNET_MP, CORP_DIRECTORY),
        ("domain-membership",),
        [],
        id="no-dc-flows-without-perimeter-servers",
    ),
    # intranet clients to roles with connections: both on perimeter servers
    pytest.param(
        site_text(BOTH_MP_DP),
        ("intranet-client",),
        [("Intranet clients", "DMZ01", "TCP", "443", BACK)],
        id="intranet-clients-mp-and-dp-share-https-port",
    ),
    pytest.param(
        site_text(
            DMZ_MP_DP.replace("roles: {", "roles: {fallback_status_point: {connections: both}, "),
            ports=", client_ports: {http: 8080, https: 8443}",
        ),
        ("intranet-client",),
        [("Intranet clients", "DMZ01", "TCP", "8080", BACK)],
        id="intranet-clients-fsp-http-port-only-for-the-both-role",
    ),
    pytest.param(
        site_text(
            PERIMETER_ACTIVE_SUP.replace("connections: both}", "connections: both, wsus_website: custom}") + INTERNET_MP
        ).replace(*NO_CM01_SUP, 1),
        ("intranet-client",),
        [("Intranet clients", "SUP1", "TCP", "8531", BACK), ("Intranet clients", "SUP1", "TCP", "8530", BACK)],
        id="intranet-clients-sup-wsus-ports",
    ),
    pytest.param(
        site_text(BOTH_NLB, NLB_INTRANET_FQDN),
        ("intranet-client",),
        [("Intranet clients", "MPNLB", "TCP", "443", BACK)],
        id="intranet-clients-nlb-cluster-with-intranet-fqdn",
    ),
    pytest.param(
        site_text(DMZ_MP_DP),
        ("intranet-client",),
        [],
        id="no-intranet-clients-for-internet-only-roles",
    ),
    pytest.param(
        proxied_text("ssl_bridging"),
        ("intranet-client",),
        [],
        id="no-intranet-client-flow-to-intranet-servers",
    ),
    # management point availability check (reference 16.3)
    pytest.param(
        site_text(DMZ_MP_DP, ports=", client_ports: {http: 80, https: 8443}"),
        ("mp-availability",),
        [("CM01", "DMZ01", "TCP", "8443", BACK)],
        id="mp-check-on-client-https-port",
    ),
    pytest.param(
        site_text(INTRANET_MP),
        ("mp-availability",),
        [("CM01", "MP9", "TCP", "443", ())],
        id="mp-check-intranet-mp-no-firewall",
    ),
    pytest.param(
        site_text("").replace(*MP_ON_SITE_SERVER, 1),
        ("mp-availability",),
        [],
        id="no-mp-check-for-mp-on-the-site-server",
    ),
    # Microsoft Update
    pytest.param(
        site_text(PERIMETER_ACTIVE_SUP + INTERNET_MP).replace(*NO_CM01_SUP, 1),
        ("microsoft-update",),
        [("SUP1", "Microsoft Update", "TCP", "80", FRONT), ("SUP1", "Microsoft Update", "TCP", "443", FRONT)],
        id="microsoft-update-from-perimeter-active-sup-crosses-front",
    ),
    pytest.param(
        nlb_sup_text("perimeter", "SQL01"),
        ("microsoft-update",),
        [
            ("SUPA", "Microsoft Update", "TCP", "80", FRONT),
            ("SUPA", "Microsoft Update", "TCP", "443", FRONT),
            ("SUPB", "Microsoft Update", "TCP", "80", FRONT),
            ("SUPB", "Microsoft Update", "TCP", "443", FRONT),
        ],
        id="microsoft-update-from-perimeter-nlb-sup-members",
    ),
    pytest.param(
        nlb_sup_text("intranet", "SQL01"),
        ("microsoft-update",),
        [
            ("SUPA", "Microsoft Update", "TCP", "80", ()),
            ("SUPA", "Microsoft Update", "TCP", "443", ()),
            ("SUPB", "Microsoft Update", "TCP", "80", ()),
            ("SUPB", "Microsoft Update", "TCP", "443", ()),
        ],
        id="microsoft-update-from-intranet-nlb-sup-usual-egress",
    ),
    # shared WSUS database of an NLB SUP (reference 16.2)
    pytest.param(
        nlb_sup_text("perimeter", "SQL01"),
        ("wsus-database",),
        [("SUPA", "SQL01", "TCP", "1433", BACK), ("SUPB", "SQL01", "TCP", "1433", BACK)],
        id="wsus-database-perimeter-members-to-intranet-sql",
    ),
    pytest.param(
        nlb_sup_text("intranet", "SQL01"),
        ("wsus-database",),
        [("SUPA", "SQL01", "TCP", "1433", ()), ("SUPB", "SQL01", "TCP", "1433", ())],
        id="wsus-database-intranet-members-no-firewall",
    ),
    pytest.param(
        nlb_sup_text("perimeter", "SUPA"),
        ("wsus-database",),
        [("SUPB", "SUPA", "TCP", "1433", ())],
        id="wsus-database-on-a-member",
    ),
    pytest.param(
        site_text(NLB, NLB_EXTRA),
        ("wsus-database",),
        [],
        id="no-wsus-database-flow-for-nlb-mp",
    ),
    # client certificate revocation checked by perimeter servers
    pytest.param(
        crl_text("true", ", crl_url: 'http://crl.example.com/ca.crl'"),
        ("site-system-crl",),
        [("DMZ01", "crl.example.com", "TCP", "80", FRONT)],
        id="site-system-crl-published-on-internet",
    ),
    pytest.param(
        crl_text("false", ", crl_url: 'http://pki.corp.test:8080/ca.crl'"),
        ("site-system-crl",),
        [("DMZ01", "pki.corp.test", "TCP", "8080", BACK)],
        id="site-system-crl-in-the-intranet-port-from-url",
    ),
    pytest.param(
        crl_text("false"),
        ("site-system-crl",),
        [("DMZ01", "CRL distribution point", "TCP", "80", BACK)],
        id="site-system-crl-placeholder",
    ),
    pytest.param(
        site_text(DMZ_MP_DP, crl="false"),
        ("site-system-crl",),
        [],
        id="no-site-system-crl-without-checking",
    ),
    pytest.param(
        site_text(INTRANET_SUP + REPLICA.replace("DMZ01", "DMZ02"), REPLICA_EXTRA, crl="true"),
        ("site-system-crl",),
        [("DMZ02", "CRL distribution point", "TCP", "80", FRONT)],
        id="site-system-crl-only-perimeter-internet-servers",
    ),
    pytest.param(
        site_text(
            DMZ_MP_DP
            + """
  - {name: FSP01, zone: perimeter, os: windows_server_2003, internet_fqdn: fsp.example.com,
     roles: {fallback_status_point: {connections: both}}}
""",
            crl="true",
        ),
        ("site-system-crl",),
        [("DMZ01", "CRL distribution point", "TCP", "80", FRONT)],
        id="no-site-system-crl-for-a-fallback-status-point-only",
    ),
]


@pytest.mark.parametrize(("text", "kinds", "expected"), FURTHER_CASES)
def test_further_flow(
    text: str, kinds: tuple[str, ...], expected: list[tuple[str, str, str, str, tuple[str, ...]]]
) -> None:
    assert of_kind(derive_flows(load(text).topology), *kinds) == expected


def test_domain_controllers_carry_their_addresses_zone_and_origin() -> None:
    flows = [
        f for f in derive_flows(load(site_text(DMZ_MP_DP, CORP_DIRECTORY)).topology) if f.kind == "domain-membership"
    ]
    assert {(f.destination, f.destination_address, f.destination_zone) for f in flows} == {
        ("DC01", "10.0.0.5", "intranet"),
        ("DC02", "10.0.0.6", "intranet"),
    }
    assert {f.destination_ref for f in flows} == {"dc:corp.test/DC01", "dc:corp.test/DC02"}
    assert {(f.need, f.origin) for f in flows} == {("domain-membership", ("servers", 2, "zone"))}
    rpc = next(f for f in flows if f.destination == "DC01" and f.port == "1024-5000")
    assert "windows_server_2003" in rpc.purpose


def test_unlisted_domain_controllers_are_one_endpoint_located_at_the_forest() -> None:
    flows = derive_flows(load(site_text(REPLICA, REPLICA_EXTRA)).topology)
    dmz = [f for f in flows if f.kind == "domain-membership" and f.source == "DMZ01"]
    assert {(f.destination_ref, f.destination_zone, f.destination_address) for f in dmz} == {
        ("directory:dmz.test", "perimeter", None)
    }
    assert {f.origin for f in dmz} == {("servers", 2, "forest")}


def test_intranet_clients_are_client_traffic_with_the_role_need() -> None:
    plan = plan_of(site_text(BOTH_MP_DP))
    flow = next(f for f in plan.network.flows if f.kind == "intranet-client")
    assert flow.is_client_traffic
    assert (flow.source_ref, flow.source_zone) == ("intranet-clients", "intranet")
    assert flow.need == "internet-management-point" and plan.step_of(flow) == "mp-internet"
    assert "management point" in flow.purpose and "distribution point" in flow.purpose
    assert flow.origin == ("servers", 2, "roles", "management_point", "connections")
    assert plan.network.direction(flow, "FW-BACK") == "outbound"


def test_mp_availability_check_falls_back_without_an_internet_mp() -> None:
    plan = plan_of(site_text(INTRANET_MP))
    flow = next(f for f in plan.network.flows if f.kind == "mp-availability")
    assert (flow.need, plan.step_of(flow)) == ("mp-availability", "network-infrastructure")
    assert "MPControl.log" in flow.purpose and flow.origin == ("servers", 2, "roles", "management_point")


def test_microsoft_update_from_the_perimeter_is_in_the_front_firewall_table() -> None:
    plan = plan_of(site_text(PERIMETER_ACTIVE_SUP + INTERNET_MP).replace(*NO_CM01_SUP, 1))
    rules = [f for f in plan.network.firewall_rules("FW-FRONT") if f.kind == "microsoft-update"]
    assert [(f.port, plan.network.direction(f, "FW-FRONT")) for f in rules] == [("80", "outbound"), ("443", "outbound")]
    assert all(f.note and "front firewall" in f.note for f in rules)
    intranet = next(f for f in plan_of(site_text(DMZ_MP_DP)).network.flows if f.kind == "microsoft-update")
    assert intranet.note and "usual Internet egress" in intranet.note


def test_shared_wsus_database_need_and_origin() -> None:
    plan = plan_of(nlb_sup_text("perimeter", "SQL01"))
    flows = [f for f in plan.network.flows if f.kind == "wsus-database"]
    assert {(f.need, plan.step_of(f), f.origin) for f in flows} == {
        ("wsus-database", "nlb-sup-internet-fqdn", ("nlb_clusters", 0, "wsus_database"))
    }
    assert all("SUPNLB" in f.purpose for f in flows)


def test_site_system_crl_is_worded_to_confirm() -> None:
    plan = plan_of(crl_text("false"))
    flow = next(f for f in plan.network.flows if f.kind == "site-system-crl")
    assert flow.note and "IIS checks client certificates against it; to confirm" in flow.note
    assert (flow.destination_zone, flow.destination_ref) == ("intranet", "crl:CRL distribution point")
    assert (flow.need, plan.step_of(flow), flow.origin) == ("crl", "network-infrastructure", ("servers", 2, "zone"))
    assert not flow.is_client_traffic


# --- what each flow is needed for, and the step that opens it ----------------------------------------

MP = ("internet-management-point", "mp-internet")
INSTALL = ("site-system-installation", "install-site-systems")
STATUS = ("site-system-status", "install-site-systems")
DATABASE = ("site-database", "server-placement")
MICROSOFT = ("microsoft-update", "network-infrastructure")
DOMAIN = ("domain-membership", "network-infrastructure")
MP_CHECK = ("mp-availability", "mp-internet")
INTERNET_SUP = ("internet-software-update-point", "sup-internet")
INTRANET_ONLY_SUP3 = (
    "  - {name: SUP3, zone: intranet, os: windows_server_2008, "
    "roles: {software_update_point: {connections: intranet}}}\n"
)

NEED_CASES = [
    pytest.param(
        site_text(DMZ_MP_DP, crl="true"),
        {
            "client": {MP},
            "crl": {("crl", "network-infrastructure")},
            "site-system-crl": {("crl", "network-infrastructure")},
            "site-server": {INSTALL},
            "mp-availability": {MP_CHECK},
            "site-server-sql": {DATABASE},
            "site-system-status": {STATUS},
            "mp-database": {DATABASE},
            "microsoft-update": {MICROSOFT},
            "domain-membership": {DOMAIN},
        },
        id="direct-sql",
    ),
    pytest.param(
        site_text(DMZ_MP_DP.replace("management_point: {connections: internet}, ", "") + INTERNET_MP),
        {
            "client": {MP, ("internet-distribution-point", "dp-internet")},
            "site-server": {INSTALL},
            "mp-availability": {MP_CHECK},
            "site-server-sql": {DATABASE},
            "mp-database": {DATABASE},
            "microsoft-update": {MICROSOFT},
            "domain-membership": {DOMAIN},
        },
        id="dp-only",
    ),
    pytest.param(
        site_text(DMZ_MP_DP.replace("roles: {", "roles: {fallback_status_point: {connections: both}, ")),
        {
            "client": {MP, ("internet-fallback-status-point", "fsp-internet")},
            "intranet-client": {("internet-fallback-status-point", "fsp-internet")},
            "site-server": {INSTALL},
            "mp-availability": {MP_CHECK},
            "site-server-sql": {DATABASE},
            "site-system-status": {STATUS},
            "mp-database": {DATABASE},
            "microsoft-update": {MICROSOFT},
            "domain-membership": {DOMAIN},
        },
        id="fsp",
    ),
    pytest.param(
        site_text(REPLICA, REPLICA_EXTRA, may="false"),
        {
            "client": {MP},
            "site-server": {INSTALL},
            "mp-availability": {MP_CHECK},
            "site-server-sql": {DATABASE},
            "mp-replica": {("database-replica", "sql-replica")},
            "replication": {("database-replica", "sql-replica")},
            "microsoft-update": {MICROSOFT},
            "domain-membership": {DOMAIN},
        },
        id="replica",
    ),
    pytest.param(
        site_text(REPLICA.replace(", database: replica", ""), REPLICA_EXTRA),
        {
            "client": {MP},
            "site-server": {INSTALL},
            "mp-availability": {MP_CHECK},
            "site-server-sql": {DATABASE},
            "mp-database": {DATABASE},
            "replication": {("database-replica", "network-infrastructure")},  # sql-replica left out: fallback
            "microsoft-update": {MICROSOFT},
            "domain-membership": {DOMAIN},
        },
        id="unused-replica-falls-back",
    ),
    pytest.param(
        site_text(INTRANET_SUP + INTERNET_MP),
        {
            "client": {MP, INTERNET_SUP},
            "site-server": {INSTALL},
            "site-server-wsus": {INTERNET_SUP},
            "mp-availability": {MP_CHECK},
            "site-server-sql": {DATABASE},
            "site-system-status": {STATUS},
            "mp-database": {DATABASE},
            "sup-sync": {("sup-synchronisation", "sup-sync-automatic")},
            "microsoft-update": {MICROSOFT},
        },
        id="internet-sup",
    ),
    pytest.param(
        (HEAD % {"ports": ""})
        + "servers:"
        + CM01.replace("roles: {software_update_point: {connections: intranet}}", "roles: {}")
        + DMZ_MP_DP
        + INTRANET_ONLY_SUP3
        + (NETWORK % {"may": "true", "crl": "false"}),
        {
            "client": {MP},
            "site-server": {INSTALL},
            "site-server-wsus": {INSTALL},
            "mp-availability": {MP_CHECK},
            "site-server-sql": {DATABASE},
            "site-system-status": {STATUS},
            "mp-database": {DATABASE},
            "microsoft-update": {MICROSOFT},
            "domain-membership": {DOMAIN},
        },
        id="intranet-only-sup-on-its-own-server",
    ),
    pytest.param(
        proxied_text("ssl_bridging"),
        {
            "client": {MP},
            "proxy-forward": {MP},
            "site-server": {INSTALL},
            "mp-availability": {MP_CHECK},
            "site-server-sql": {DATABASE},
            "site-system-status": {STATUS},
            "mp-database": {DATABASE},
            "microsoft-update": {MICROSOFT},
        },
        id="reverse-proxy",
    ),
]


@pytest.mark.parametrize(("text", "expected"), NEED_CASES)
def test_needs_and_steps_by_kind(text: str, expected: dict[str, set[tuple[str, str]]]) -> None:
    plan = plan_of(text)
    found: dict[str, set[tuple[str, str]]] = {}
    for f in plan.network.flows:
        found.setdefault(f.kind, set()).add((f.need, plan.step_of(f)))
    assert found == expected


# --- invariants over every example site and scenario ------------------------------------------------

EXAMPLES, _ = plan_sites([ROOT / "site_inputs"])
SCENARIOS = [
    site_text(DMZ_MP_DP),
    site_text(REPLICA, REPLICA_EXTRA, may="false"),
    site_text(NLB, NLB_EXTRA),
    site_text(INTRANET_SUP + INTERNET_MP),
    site_text(PERIMETER_SUP + INTERNET_MP),
    proxied_text("ssl_bridging"),
    proxied_text("ssl_tunneling"),
    site_text(BOTH_MP_DP, CORP_DIRECTORY),
    site_text(PERIMETER_ACTIVE_SUP + INTERNET_MP).replace(*NO_CM01_SUP, 1),
    nlb_sup_text("perimeter", "SQL01"),
    crl_text("false"),
]
ALL_PLANS = [pytest.param(p, id=p.code) for p in EXAMPLES] + [
    pytest.param(plan_of(t), id=f"scenario{i}") for i, t in enumerate(SCENARIOS)
]


def test_examples_load() -> None:
    assert [s.code for s in EXAMPLES] == ["CEN", "FAB", "TSP", "WGB"]


@pytest.mark.parametrize("plan", ALL_PLANS)
def test_invariants(plan: SitePlan) -> None:
    flows = list(plan.network.flows)
    included = {d.id for d in plan.included}
    steps = {f.id: plan.step_of(f) for f in flows}
    assert set(steps.values()) <= included, {i: s for i, s in steps.items() if s not in included}
    serving = {need: step.id for step in plan.checklist for need in step.serves}
    for f in flows:
        expected = serving[f.need] if serving[f.need] in included else plan.checklist.fallback
        assert steps[f.id] == expected, (f.id, f.need)
    assert all(f.port != "4022" and "4022" not in f.port.split("-") for f in flows)
    assert len({f.id for f in flows}) == len(flows)
    assert len({(f.source_ref, f.destination_ref, f.protocol, f.port) for f in flows}) == len(flows)
    assert all(f.protocol in ("TCP", "UDP") for f in flows)
    assert derive_flows(plan.site.topology) == flows
    for f in flows:
        if f.kind == "microsoft-update":
            # The usual egress from the intranet (matrix only); the front firewall from the perimeter.
            assert f.note and f.firewalls == ((plan.network.firewalls[0][0],) if f.source_zone == "perimeter" else ())
        elif f.source_zone == f.destination_zone:
            assert f.firewalls == ()


@pytest.mark.parametrize("site_plan", ALL_PLANS)
def test_firewall_rules_are_the_flows_that_cross_it(site_plan: SitePlan) -> None:
    plan = site_plan.network
    front, back = plan.firewalls
    assert front[1] == ("internet", "perimeter") and back[1] == ("perimeter", "intranet")
    for name, _ in plan.firewalls:
        rules = plan.firewall_rules(name)
        assert rules == [f for f in plan.flows if name in f.firewalls]
        assert all(f.kind != "microsoft-update" or f.source_zone == "perimeter" for f in rules)


def test_direction_relative_to_trusted_side() -> None:
    plan = build_network_plan(load(site_text(DMZ_MP_DP)).topology)
    directions = [(f.source, f.destination, plan.direction(f, "FW-BACK")) for f in plan.firewall_rules("FW-BACK")]
    assert ("CM01", "DMZ01", "outbound") in directions
    assert ("DMZ01", "SQL01", "inbound") in directions


def test_flow_json_shape() -> None:
    data = plan_to_json(EXAMPLES[0])
    flow = data["flows"][0]
    for key in (
        "id",
        "source",
        "source_zone",
        "destination",
        "destination_zone",
        "protocol",
        "port",
        "purpose",
        "step",
        "firewalls",
    ):
        assert key in flow
    assert flow["firewalls"] == ["FW-EDGE"] and flow["destination"] == "CEN-MP-NLB"
    assert flow["step"] == "mp-internet"
    assert isinstance(data["dns_records"][0]["value"], str | None)
