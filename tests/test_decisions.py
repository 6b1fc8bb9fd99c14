"""Every step condition of steps.md, table-driven: each step included and excluded."""

from __future__ import annotations

import pytest
from helpers import add_server, load_valid, set_path

from generator.derive.checklist.conditions import STEP_IDS, STEPS, decide

ALWAYS = [
    "confirm-decision",
    "server-placement",
    "network-infrastructure",
    "register-dns",
    "install-site-systems",
    "next-steps",
]
SUP_INTERNET = {"software_update_point": {"connections": "internet"}}
INTERNET_SUP_PERIMETER = add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET)
INTERNET_SUP_INTRANET = add_server(name="SUP1", zone="intranet", internet_fqdn="s1.example.com", roles=SUP_INTERNET)

# step id -> (mutations that include it, mutations that exclude it); the base site is SC1 (perimeter MP+DP).
CASES = {
    "nlb-mp-internet-fqdn": (
        [
            add_server(name="DMZ02", roles={"management_point": {"connections": "internet"}}),
            set_path(
                "nlb_clusters",
                [
                    {
                        "name": "N",
                        "role": "management_point",
                        "internet_fqdn": "n.example.com",
                        "members": ["DMZ01", "DMZ02"],
                    }
                ],
            ),
        ],
        [],
    ),
    "nlb-sup-internet-fqdn": (
        [
            add_server(name="SUP1", roles=SUP_INTERNET),
            add_server(name="SUP2", roles=SUP_INTERNET),
            set_path(
                "nlb_clusters",
                [
                    {
                        "name": "S",
                        "role": "software_update_point",
                        "internet_fqdn": "sup.example.com",
                        "members": ["SUP1", "SUP2"],
                    }
                ],
            ),
        ],
        [],
    ),
    "site-server-initiated-transfers": (
        [
            set_path("servers[DMZ01].forest", "dmz.example.test"),
            set_path("servers[DMZ01].install_account", "DMZ\\install"),
        ],
        [],
    ),
    "sup-sync-automatic": ([INTERNET_SUP_INTRANET], [INTERNET_SUP_PERIMETER]),
    "sup-sync-export-import": ([INTERNET_SUP_PERIMETER], [INTERNET_SUP_INTRANET]),
    "mp-internet": ([], [set_path("servers[DMZ01].roles.management_point.connections", "intranet")]),
    "dp-internet": ([], [set_path("servers[DMZ01].roles.distribution_point.connections", "intranet")]),
    "fsp-internet": (
        [
            add_server(
                name="FSP01", internet_fqdn="fsp.example.com", roles={"fallback_status_point": {"connections": "both"}}
            )
        ],
        [add_server(name="FSP01", roles={"fallback_status_point": {"connections": "intranet"}})],
    ),
    "sup-internet": ([INTERNET_SUP_PERIMETER], []),
    "dp-bits": ([], [set_path("servers[DMZ01].roles.distribution_point.connections", "intranet")]),
    "sql-replica": (
        [
            add_server(name="DMZSQL", forest=None),
            set_path("database_replica", {"server": "DMZSQL", "database": "SMS_TST_replica"}),
            set_path("servers[DMZ01].roles.management_point.database", "replica"),
        ],
        [],
    ),
}


def included(*mutations: object) -> list[str]:
    site = load_valid(*mutations)  # type: ignore[arg-type]
    return [d.id for d in decide(site.topology) if d.included]


def test_catalog_order_matches_steps_md() -> None:
    assert len(STEPS) == 17
    assert STEP_IDS[0] == "confirm-decision"
    assert STEP_IDS[-1] == "next-steps"
    assert set(CASES) | set(ALWAYS) == set(STEP_IDS)


def test_base_site_steps() -> None:
    assert included() == [
        "confirm-decision",
        "server-placement",
        "network-infrastructure",
        "register-dns",
        "install-site-systems",
        "mp-internet",
        "dp-internet",
        "dp-bits",
        "next-steps",
    ]


@pytest.mark.parametrize("step", sorted(CASES), ids=sorted(CASES))
def test_step_included_when_condition_holds(step: str) -> None:
    include, _ = CASES[step]
    assert step in included(*include)


@pytest.mark.parametrize("step", sorted(CASES), ids=sorted(CASES))
def test_step_excluded_otherwise(step: str) -> None:
    _, exclude = CASES[step]
    assert step not in included(*exclude)


@pytest.mark.parametrize("step", ALWAYS)
def test_always_steps(step: str) -> None:
    assert step in included(set_path("servers[DMZ01].roles", {"management_point": {"connections": "internet"}}))


def test_every_decision_has_a_reason_citing_input_values() -> None:
    site = load_valid(
        set_path("servers[DMZ01].forest", "dmz.example.test"),
        set_path("servers[DMZ01].install_account", "DMZ\\install"),
    )
    decisions = {d.id: d for d in decide(site.topology)}
    assert all(d.reasons for d in decisions.values())
    assert decisions["site-server-initiated-transfers"].reasons == (
        "DMZ01 (perimeter) hosts Internet-based roles and forest dmz.example.test differs from the site "
        "server CM01's forest corp.example.test",
    )
    assert decisions["sql-replica"].reasons == (
        "Internet MP DMZ01 reads the site database on SQL01 directly (database: site)",
    )


def test_back_firewall_forbidding_perimeter_initiation_turns_on_site_server_initiated() -> None:
    site = load_valid(
        set_path("network.back_firewall.perimeter_may_initiate", False),
        add_server(name="DMZSQL"),
        set_path("database_replica", {"server": "DMZSQL", "database": "r"}),
        set_path("servers[DMZ01].roles.management_point.database", "replica"),
    )
    decision = next(d for d in decide(site.topology) if d.id == "site-server-initiated-transfers")
    assert decision.included
    assert "perimeter_may_initiate is false" in decision.reasons[0]


def test_explicit_sync_choice_overrides_the_zone_default() -> None:
    site = load_valid(INTERNET_SUP_INTRANET, set_path("software_updates", {"internet_sup_sync": "export_import"}))
    steps = [d.id for d in decide(site.topology) if d.included]
    assert "sup-sync-export-import" in steps
    assert "sup-sync-automatic" not in steps
