"""Every validation rule of site-inputs.md, table-driven: one case per rule and code."""

from __future__ import annotations

import inspect
import re

import pytest
from helpers import add_server, codes, delete_path, load, set_path, site_dict

from generator.validate import rules as checks

MP_INTERNET = {"management_point": {"connections": "internet"}}
SUP_INTERNET = {"software_update_point": {"connections": "internet"}}
NLB_MPS = [
    add_server(name="DMZ02", internet_fqdn="mp2.example.com", roles=MP_INTERNET),
    set_path(
        "nlb_clusters",
        [
            {
                "name": "MPNLB",
                "role": "management_point",
                "internet_fqdn": "mp.example.com",
                "members": ["DMZ01", "DMZ02"],
            }
        ],
    ),
]

ERROR_CASES = {
    "secondary-site": [set_path("site.type", "secondary")],
    "mixed-mode-site": [set_path("site.mode", "mixed")],
    "unknown-server/database": [set_path("site.database_server", "NOPE")],
    "unknown-server/replica": [set_path("database_replica", {"server": "GHOST", "database": "r"})],
    "unknown-server/proxy": [
        set_path("network.reverse_proxy", {"name": "P", "mode": "ssl_bridging", "publishes": ["GHOST"]})
    ],
    "unknown-server/nlb": [
        set_path(
            "nlb_clusters",
            [
                {
                    "name": "N",
                    "role": "management_point",
                    "internet_fqdn": "n.example.com",
                    "members": ["DMZ01", "GHOST"],
                }
            ],
        )
    ],
    "missing-internet-fqdn": [delete_path("servers[DMZ01].internet_fqdn")],
    "nlb-missing-internet-fqdn": [
        add_server(name="DMZ02", internet_fqdn="mp2.example.com", roles=MP_INTERNET),
        set_path("nlb_clusters", [{"name": "MPNLB", "role": "management_point", "members": ["DMZ01", "DMZ02"]}]),
    ],
    "nlb-missing-intranet-fqdn": [
        add_server(name="CM02", zone="intranet", roles={"management_point": {"connections": "intranet"}}),
        set_path(
            "servers[CM01].roles",
            {"management_point": {"connections": "intranet"}, "software_update_point": {"connections": "intranet"}},
        ),
        set_path("nlb_clusters", [{"name": "INTRA", "role": "management_point", "members": ["CM01", "CM02"]}]),
    ],
    "nlb-member-count": [
        set_path(
            "nlb_clusters",
            [{"name": "N", "role": "management_point", "internet_fqdn": "n.example.com", "members": ["DMZ01"]}],
        )
    ],
    "nlb-member-role": [
        set_path(
            "nlb_clusters",
            [
                {
                    "name": "N",
                    "role": "management_point",
                    "internet_fqdn": "n.example.com",
                    "members": ["DMZ01", "SQL01"],
                }
            ],
        )
    ],
    "internet-dp-branch": [set_path("servers[DMZ01].roles.distribution_point.branch", True)],
    "internet-dp-no-bits": [set_path("servers[DMZ01].roles.distribution_point.bits", False)],
    "missing-install-account": [set_path("servers[DMZ01].forest", "dmz.example.test")],
    "multiple-internet-mps": [add_server(name="DMZ02", internet_fqdn="mp2.example.com", roles=MP_INTERNET)],
    "multiple-active-sups": [set_path("servers[SQL01].roles", {"software_update_point": {"connections": "intranet"}})],
    "multiple-internet-sups": [
        add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
        add_server(name="SUP2", internet_fqdn="s2.example.com", roles=SUP_INTERNET),
    ],
    "internet-sup-with-dual-active-sup": [
        set_path("servers[CM01].roles.software_update_point.connections", "both"),
        set_path("servers[CM01].internet_fqdn", "cm01.example.com"),
        add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
    ],
    "internet-sup-without-active-sup": [
        set_path("servers[CM01].roles", {}),
        add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
    ],
    "internet-sup-on-site-server": [
        set_path("servers[CM01].roles", SUP_INTERNET),
        set_path("servers[CM01].internet_fqdn", "cm01.example.com"),
        set_path("servers[SQL01].roles", {"software_update_point": {"connections": "intranet"}}),
    ],
    "replica-not-defined": [set_path("servers[DMZ01].roles.management_point.database", "replica")],
    "replica-needs-perimeter-initiation": [
        set_path("servers[DMZ01].roles.management_point.database", "replica"),
        add_server(name="SQL02", zone="intranet"),
        set_path("database_replica", {"server": "SQL02", "database": "SMS_TST_r"}),
        set_path("network.back_firewall.perimeter_may_initiate", False),
    ],
    "database-needs-perimeter-initiation": [set_path("network.back_firewall.perimeter_may_initiate", False)],
    "proxy-outside-perimeter": [
        set_path(
            "network.reverse_proxy", {"name": "P", "zone": "intranet", "mode": "ssl_bridging", "publishes": ["DMZ01"]}
        )
    ],
    "proxy-publishes-non-internet-server": [
        set_path("network.reverse_proxy", {"name": "P", "mode": "ssl_tunneling", "publishes": ["SQL01"]})
    ],
    "duplicate-server-name": [add_server(name="cm01", zone="intranet")],
    "duplicate-fqdn": [set_path("servers[DMZ01].intranet_fqdn", "CM01.corp.example.test")],
    "internet-sup-sync-blocked": [
        add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET, site_server_initiated=True),
        set_path("software_updates", {"internet_sup_sync": "automatic"}),
        set_path("network.back_firewall.perimeter_may_initiate", False),
        set_path("database_replica", {"server": "SUP1", "database": "r"}),
        set_path("servers[DMZ01].roles.management_point.database", "replica"),
    ],
}

ERROR_CASES["perimeter-initiated-flow"] = [
    set_path("network.back_firewall.perimeter_may_initiate", False),
    add_server(name="DMZSQL"),
    set_path("database_replica", {"server": "DMZSQL", "database": "r"}),
    set_path("servers[DMZ01].roles.management_point.database", "replica"),
    set_path("servers[DMZ01].site_server_initiated", False),
]

ERROR_CASES |= {
    "replica-on-database-server": [
        set_path("servers[DMZ01].roles.management_point.database", "replica"),
        set_path("database_replica", {"server": "SQL01", "database": "SMS_TST_r"}),
    ],
    "duplicate-cluster-name": [
        *NLB_MPS,
        add_server(name="SUP1", roles=SUP_INTERNET),
        add_server(name="SUP2", roles=SUP_INTERNET),
        lambda data: data["nlb_clusters"].append(
            {
                "name": "mpnlb",
                "role": "software_update_point",
                "internet_fqdn": "sup.example.com",
                "members": ["SUP1", "SUP2"],
            }
        ),
    ],
    "duplicate-firewall-name": [set_path("network.back_firewall.name", "fw-front")],
    "nlb-duplicate-member": [
        add_server(name="DMZ02", roles=MP_INTERNET),
        set_path(
            "nlb_clusters",
            [
                {
                    "name": "N",
                    "role": "management_point",
                    "internet_fqdn": "n.example.com",
                    "members": ["DMZ01", "DMZ02", "dmz02"],
                }
            ],
        ),
    ],
    "nlb-mixed-zones": [
        add_server(name="MP2", zone="intranet", roles=MP_INTERNET),
        set_path(
            "nlb_clusters",
            [{"name": "N", "role": "management_point", "internet_fqdn": "n.example.com", "members": ["DMZ01", "MP2"]}],
        ),
    ],
}

WARNING_CASES = {
    "intranet-server-internet-facing": [
        set_path("servers[CM01].roles.software_update_point.connections", "both"),
        set_path("servers[CM01].internet_fqdn", "cm01.example.com"),
    ],
    "crl-not-published": [set_path("pki.crl_published_on_internet", False)],
    "fsp-not-dedicated": [set_path("servers[DMZ01].roles.fallback_status_point", {"connections": "both"})],
    "internet-sup-sync-automatic-perimeter": [
        add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
        set_path("software_updates", {"internet_sup_sync": "automatic"}),
    ],
    "feature-unsupported-on-internet": [set_path("clients", {"internet_features": ["inventory", "nap"]})],
    "perimeter-server-initiates": [
        set_path("servers[DMZ01].forest", "dmz.example.test"),
        set_path("servers[DMZ01].install_account", "DMZ\\svc-install"),
        set_path("servers[DMZ01].site_server_initiated", False),
    ],
    "webdav-manual": [set_path("servers[DMZ01].os", "windows_server_2008")],
}


def test_base_site_is_valid_without_warnings() -> None:
    site, diagnostics = load(site_dict())
    assert site is not None
    assert diagnostics == []


@pytest.mark.parametrize("case", sorted(ERROR_CASES), ids=sorted(ERROR_CASES))
def test_error_rule(case: str) -> None:
    site, diagnostics = load(site_dict(*ERROR_CASES[case]))
    assert site is None
    assert case.split("/")[0] in codes(diagnostics, errors_only=True), [d.format() for d in diagnostics]


@pytest.mark.parametrize("case", sorted(WARNING_CASES), ids=sorted(WARNING_CASES))
def test_warning_rule(case: str) -> None:
    site, diagnostics = load(site_dict(*WARNING_CASES[case]))
    assert site is not None, [d.format() for d in diagnostics]
    assert codes(diagnostics) == [case] * len(diagnostics)
    assert site.warnings == diagnostics


def test_every_rule_code_has_a_case() -> None:
    source = inspect.getsource(checks).split("DIAGNOSTIC_CODES")[0]
    emitted = set(re.findall(r'"([a-z]+(?:-[a-z]+)+)"', source))  # codes are the only kebab-case literals
    covered = {case.split("/")[0] for case in ERROR_CASES} | set(WARNING_CASES)
    assert emitted == covered
    assert len(emitted) == 38


def test_one_warning_per_unsupported_feature() -> None:
    site, diagnostics = load(site_dict(set_path("clients.internet_features", ["nap", "remote_control", "inventory"])))
    assert site is not None
    assert [d.message.split(":")[0] for d in diagnostics] == [
        "clients.internet_features[0]",
        "clients.internet_features[1]",
    ]


def test_nlb_cluster_counts_as_one_internet_mp() -> None:
    site, diagnostics = load(site_dict(*NLB_MPS))
    assert site is not None, [d.format() for d in diagnostics]


def test_internet_fqdn_may_come_from_the_nlb_cluster() -> None:
    site, diagnostics = load(site_dict(*NLB_MPS, delete_path("servers[DMZ02].internet_fqdn")))
    assert site is not None, [d.format() for d in diagnostics]


def test_all_problems_of_a_file_are_reported_together() -> None:
    _, diagnostics = load(
        site_dict(
            set_path("site.mode", "mixed"),
            set_path("site.type", "secondary"),
            delete_path("servers[DMZ01].internet_fqdn"),
        )
    )
    assert {"mixed-mode-site", "secondary-site", "missing-internet-fqdn"} <= set(codes(diagnostics))


def test_every_code_produced_is_registered() -> None:
    produced: set[str] = set()
    for mutations in [*ERROR_CASES.values(), *WARNING_CASES.values()]:
        produced |= set(codes(load(site_dict(*mutations))[1]))
    assert produced <= set(checks.DIAGNOSTIC_CODES)
    source = inspect.getsource(checks).split("DIAGNOSTIC_CODES")[0]
    assert set(re.findall(r'"([a-z]+(?:-[a-z]+)+)"', source)) <= set(checks.DIAGNOSTIC_CODES)


def test_perimeter_server_that_initiates_behind_a_closed_back_firewall_is_an_error() -> None:
    site, diagnostics = load(site_dict(*ERROR_CASES["perimeter-initiated-flow"]))
    assert site is None
    assert codes(diagnostics) == ["perimeter-initiated-flow"]
    assert "DMZ01 (perimeter) would open TCP 445 to CM01 (intranet)" in diagnostics[0].message


def test_one_owner_may_use_one_fqdn_on_both_sides() -> None:
    site, diagnostics = load(site_dict(set_path("servers[DMZ01].intranet_fqdn", "ibcm.example.com")))
    assert site is not None, [d.format() for d in diagnostics]


def test_lookup_free_rules_still_run_when_a_reference_is_broken() -> None:
    _, diagnostics = load(site_dict(set_path("site.type", "secondary"), set_path("site.database_server", "NOPE")))
    assert sorted(codes(diagnostics)) == ["secondary-site", "unknown-server"]


def test_intranet_servers_do_not_default_to_site_server_initiated() -> None:
    from generator.derive.checklist.conditions import decide

    site, _ = load(
        site_dict(
            set_path("network.back_firewall.perimeter_may_initiate", False),
            add_server(name="DMZSQL"),
            set_path("database_replica", {"server": "DMZSQL", "database": "r"}),
            set_path("servers[DMZ01].roles.management_point.database", "replica"),
            set_path("servers[CM01].roles.software_update_point.connections", "both"),
            set_path("servers[CM01].internet_fqdn", "cm01.example.com"),
        )
    )
    assert site is not None
    topo = site.topology
    assert [s.name for s in topo.site_server_initiated_servers] == ["DMZ01"]
    step = next(d for d in decide(topo) if d.id == "site-server-initiated-transfers")
    assert step.reasons == (
        "DMZ01 (perimeter) hosts Internet-based roles and network.back_firewall.perimeter_may_initiate is false",
    )
