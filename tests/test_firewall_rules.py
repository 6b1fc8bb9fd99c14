"""Grouped firewall rules: merging per pair and purpose family, object groups, numbering, views and JSON."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any, get_args

import pytest
from helpers import Mutation, add_server, set_path, site_dict, site_yaml

from generator.derive.network.flows import FlowKind
from generator.derive.network.plan import NetworkPlan
from generator.derive.network.rules import (
    PURPOSE_FAMILIES,
    FirewallRule,
    group_firewall_rules,
    number_ranges,
    purpose_family,
)
from generator.pipeline import plan_site_text, plan_sites
from generator.plan import SitePlan
from generator.render.csv_export import (
    RULES_HEADER,
    csv_files,
    firewall_csv_filenames,
    firewall_rules_csv_filenames,
)
from generator.render.pages import render_site
from generator.render.plan_json import plan_to_json
from generator.render.tables import firewall_rules_table
from generator.render.templates import create_environment

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = plan_sites([ROOT / "site_inputs"])[0]
RPC_2003 = ["TCP 445", "TCP 135", "TCP 1024-5000", "UDP 135"]
"""What the site server needs on a Windows Server 2003 site system: SMB, RPC endpoint mapper, RPC dynamic range."""


def plan_of(*mutations: Mutation) -> SitePlan:
    """The plan of the helpers' base site (CM01, SQL01 in the intranet, DMZ01 MP+DP in the perimeter) changed."""
    plan, diagnostics = plan_site_text(site_yaml(site_dict(*mutations)), "site.yaml")
    assert plan is not None, [d.format() for d in diagnostics]
    return plan


def second_dp(name: str = "DMZ02", os: str = "windows_server_2003", **fields: Any) -> Mutation:
    return add_server(
        name=name,
        os=os,
        internet_fqdn=f"{name.lower()}.example.com",
        roles={"distribution_point": {"connections": "internet"}},
        **fields,
    )


def rules(plan: SitePlan, firewall: str) -> list[FirewallRule]:
    return plan.network.rules_for(firewall)


def rule_with(plan: SitePlan, firewall: str, family: str, source: str) -> FirewallRule:
    (rule,) = [r for r in rules(plan, firewall) if r.family == family and source in {e.name for e in r.sources}]
    return rule


# --- grouping ----------------------------------------------------------------------------------------------------


def test_identical_services_to_several_destinations_make_one_object_group() -> None:
    plan = plan_of(second_dp())
    rule = rule_with(plan, "FW-BACK", "site-system-management", "CM01")
    assert [e.name for e in rule.sources] == ["CM01"] and rule.source_group is None
    assert [e.name for e in rule.destinations] == ["DMZ01", "DMZ02"]
    assert rule.destination_group == "TST-SITE-SYSTEMS-PERIMETER"
    assert rule.service_texts == RPC_2003
    assert rule.service_summary == "TCP 445, 135, 1024-5000; UDP 135"
    assert rule.direction == "outbound" and (rule.source_zone, rule.destination_zone) == ("intranet", "perimeter")
    assert rule.purpose == PURPOSE_FAMILIES["site-server"].title
    assert len(rule.flow_ids) == 8


def test_different_services_make_separate_rules() -> None:
    """A 2008 DP has another RPC range than the 2003 DMZ01: two rules; a second 2008 DP joins the first."""
    plan = plan_of(second_dp(os="windows_server_2008"), second_dp("DMZ03", os="windows_server_2008"))
    management = [r for r in rules(plan, "FW-BACK") if r.family == "site-system-management"]
    assert [[e.name for e in r.destinations] for r in management] == [["DMZ01"], ["DMZ02", "DMZ03"]]
    assert management[0].service_texts == RPC_2003
    assert management[1].service_texts == ["TCP 445", "TCP 135", "TCP 49152-65535", "UDP 135"]
    assert [r.destination_group for r in management] == [None, "TST-SITE-SYSTEMS-PERIMETER"]


def test_families_keep_rules_apart_between_the_same_hosts() -> None:
    """SMB/RPC management and the management point check go from CM01 to DMZ01, but are separate rules."""
    plan = plan_of()
    from_cm01 = [r for r in rules(plan, "FW-BACK") if [e.name for e in r.sources] == ["CM01"]]
    assert [(r.family, r.service_texts) for r in from_cm01] == [
        ("site-system-management", RPC_2003),
        ("mp-availability", ["TCP 443"]),
    ]


def test_mixed_protocols_list_tcp_before_udp_in_order_of_first_appearance() -> None:
    plan = plan_of()
    rule = rule_with(plan, "FW-BACK", "domain-membership", "DMZ01")
    assert rule.service_texts == [
        "TCP 53",
        "TCP 88",
        "TCP 464",
        "TCP 389",
        "TCP 3268",
        "TCP 445",
        "TCP 135",
        "TCP 49152-65535",
        "UDP 53",
        "UDP 88",
        "UDP 464",
        "UDP 389",
        "UDP 123",
    ]
    assert rule.service_summary == "TCP 53, 88, 464, 389, 3268, 445, 135, 49152-65535; UDP 53, 88, 464, 389, 123"


def test_sources_with_identical_services_to_the_same_destination_are_grouped() -> None:
    plan = plan_of(second_dp())
    rule = rule_with(plan, "FW-BACK", "domain-membership", "DMZ01")
    assert [e.name for e in rule.sources] == ["DMZ01", "DMZ02"]
    assert rule.source_group == "TST-DOMAIN-MEMBERS-PERIMETER"
    assert [e.name for e in rule.destinations] == ["Domain controllers (corp.example.test)"]
    assert rule.destination_group is None


def test_both_sides_can_be_groups() -> None:
    plan = plan_of(
        second_dp(),
        set_path("directory", {"corp.example.test": [{"name": "DC01", "address": "10.0.0.5"}, {"name": "DC02"}]}),
    )
    rule = rule_with(plan, "FW-BACK", "domain-membership", "DMZ01")
    assert (rule.source_group, rule.destination_group) == (
        "TST-DOMAIN-MEMBERS-PERIMETER",
        "TST-DOMAIN-CONTROLLERS-INTRANET",
    )
    assert len(rule.flow_ids) == 2 * 2 * 13


def test_group_names_are_unique_and_reused_for_the_same_members() -> None:
    plan = plan_of(
        second_dp(),
        second_dp("DMZ03", os="windows_server_2008"),
        second_dp("DMZ04", os="windows_server_2008"),
    )
    management = [r for r in rules(plan, "FW-BACK") if r.family == "site-system-management"]
    assert [r.destination_group for r in management] == [
        "TST-SITE-SYSTEMS-PERIMETER",
        "TST-SITE-SYSTEMS-PERIMETER-2",
    ]
    # The same members under the same purpose keep their name wherever they appear.
    again = group_firewall_rules(plan.network.flows, ["FW-BACK", "FW-FRONT"], site_code="TST")
    assert {r.destination_group for r in again if r.family == "site-system-management"} == {
        "TST-SITE-SYSTEMS-PERIMETER",
        "TST-SITE-SYSTEMS-PERIMETER-2",
    }


def test_every_flow_kind_has_an_explicit_purpose_family() -> None:
    assert sorted(set(get_args(FlowKind)) - set(PURPOSE_FAMILIES)) == []
    assert purpose_family("new-kind").title == "New kind"
    assert purpose_family("new-kind").destination_tag == "NEW-KIND-DESTINATIONS"


def all_plans() -> list[SitePlan]:
    return [*EXAMPLES, plan_of(second_dp()), plan_of(second_dp(os="windows_server_2008"))]


@pytest.mark.parametrize("plan", all_plans(), ids=lambda p: p.code + "-" + str(len(p.network.flows)))
def test_each_flow_is_in_exactly_one_rule_per_firewall_it_crosses(plan: SitePlan) -> None:
    network = plan.network
    for name, _ in network.firewalls:
        covered = Counter(flow_id for r in network.rules_for(name) for flow_id in r.flow_ids)
        assert covered == Counter(f.id for f in network.firewall_rules(name)), name
    for rule in network.grouped_rules:
        flows = [f for f in network.flows if f.id in set(rule.flow_ids)]
        assert [f.id for f in flows] == list(rule.flow_ids)  # in flow order
        assert {(f.source, f.destination) for f in flows} <= {
            (s.name, d.name) for s in rule.sources for d in rule.destinations
        }
        assert {f"{f.protocol} {f.port}" for f in flows} == set(rule.service_texts)


@pytest.mark.parametrize("plan", all_plans(), ids=lambda p: p.code + "-" + str(len(p.network.flows)))
def test_rules_are_numbered_per_firewall_by_their_first_flow(plan: SitePlan) -> None:
    network = plan.network
    position = {f.id: i for i, f in enumerate(network.flows)}
    for name, _ in network.firewalls:
        own = network.rules_for(name)
        assert [r.number for r in own] == list(range(1, len(own) + 1))
        firsts = [min(position[i] for i in r.flow_ids) for r in own]
        assert firsts == sorted(firsts)
    again = group_firewall_rules(network.flows, [n for n, _ in network.firewalls], site_code=plan.code)
    assert again == network.grouped_rules


def test_number_ranges() -> None:
    assert number_ranges([]) == ""
    assert number_ranges([3]) == "3"
    assert number_ranges([1, 2]) == "1, 2"
    assert number_ranges([9, 1, 2, 3, 4, 6, 7]) == "1–4, 6, 7, 9"


# --- scope ---------------------------------------------------------------------------------------------------------


def test_scope_counts_and_missing_addresses() -> None:
    plan = plan_of(set_path("servers[DMZ01].address", "172.16.0.10"))
    scope = plan.network.scope("FW-BACK")
    assert (scope.role, scope.zones) == ("back", ("perimeter", "intranet"))
    assert scope.rule_count == len(rules(plan, "FW-BACK"))
    assert scope.flow_count == len(plan.network.firewall_rules("FW-BACK"))
    assert scope.unassigned == ("CM01", "SQL01", "Domain controllers (corp.example.test)")
    assert scope.unnamed == () and scope.complete


def test_unnamed_crl_host_keeps_the_front_table_from_saying_nothing_broader() -> None:
    """Without pki.crl_url the perimeter servers' CRL check goes to a placeholder that no rule can be limited to."""
    plan = plan_of(set_path("pki.client_crl_checking", True))
    front, back = plan.network.scope("FW-FRONT"), plan.network.scope("FW-BACK")
    assert front.unnamed == ("CRL distribution point",) and not front.complete
    assert back.complete
    page = render_site(create_environment(ROOT / "templates"), plan)["TST/index.md"]
    assert isinstance(page, str)
    checks = [i.text for s in plan.steps if s.id == "network-infrastructure" for i in s.work.verification]
    assert (
        "The team responsible for FW-FRONT confirms that FW-FRONT rules 1 and 2 are in place as in its table; the "
        "rules towards CRL distribution point are limited to a host once it is named, and only then can the team "
        "confirm that nothing broader is open." in checks
    )
    assert any(c.startswith("The team responsible for FW-BACK confirms") and "and nothing broader" in c for c in checks)
    assert "**Not named yet:** CRL distribution point." in page


def test_the_page_states_what_each_table_covers() -> None:
    plan = plan_of()
    page = render_site(create_environment(ROOT / "templates"), plan)["TST/index.md"]
    assert isinstance(page, str)
    scope = plan.network.scope("FW-BACK")
    assert (
        "all flows this change needs through FW\\-BACK, between the\nperimeter network and the intranet "
        f"({scope.rule_count} rules covering\n{scope.flow_count} flows)" in page
    )
    assert "**Not covered:** the other\nservices of these servers" in page
    assert "anti-virus" in page and "patching of the operating system itself" in page
    assert "**Addresses to be assigned:** CM01, DMZ01, SQL01, Domain controllers \\(corp.example.test\\)." in page
    # The grouped rules come first, the flows after them.
    assert page.index("Rules for FW\\-FRONT") < page.index("Flows through FW\\-FRONT")
    assert page.index("Flows through FW\\-FRONT") < page.index("Rules for FW\\-BACK")


# --- views ---------------------------------------------------------------------------------------------------------


def test_rules_table_lists_groups_services_and_flow_numbers() -> None:
    plan = plan_of(second_dp(), set_path("servers[DMZ01].address", "172.16.0.10"))
    table = firewall_rules_table(plan, "FW-BACK", "TST-FW-BACK-rules.csv")
    assert table.startswith("{download}`CSV of the rules for FW-BACK <TST-FW-BACK-rules.csv>`\n")
    assert "````{list-table} Rules for FW\\-BACK (back firewall, perimeter to intranet)" in table
    assert ":widths: 6 24 28 16 17 9" in table
    assert (
        "  - **TST\\-SITE\\-SYSTEMS\\-PERIMETER** (perimeter): DMZ01 (172\\.16.0.10), DMZ02 (*to be assigned*)\n"
        "  - TCP 445, 135, 1024\\-5000; UDP 135, outbound\n" in table
    )
    rule = rule_with(plan, "FW-BACK", "site-system-management", "CM01")
    crossing = [f.id for f in plan.network.firewall_rules("FW-BACK")]
    numbers = sorted(crossing.index(i) + 1 for i in rule.flow_ids)
    assert f"  - {number_ranges(numbers)}\n" in table
    assert "  - CM01 (intranet): *to be assigned*\n" in table


def test_front_rules_table_shows_translation_of_group_members() -> None:
    plan = plan_of(
        set_path("servers[DMZ01].address", "172.16.0.10"),
        second_dp(address="172.16.0.20"),
    )
    table = firewall_rules_table(plan, "FW-FRONT", "x.csv")
    assert "  - Internet clients (internet): any\n" in table
    assert "DMZ01 (203\\.0.113.10 → 172.16.0.10), DMZ02 (172\\.16.0.20)" in table


def test_rules_csv_file_names_never_collide() -> None:
    plan = EXAMPLES[0]
    assert firewall_rules_csv_filenames(plan.code, plan.network) == {
        name: f"{plan.code}-{name}-rules.csv" for name, _ in plan.network.firewalls
    }
    tricky = plan_of(
        set_path("network.front_firewall.name", "EDGE"),
        set_path("network.back_firewall.name", "EDGE-rules"),
    )
    # "EDGE-rules" would give EDGE's rules file name: it gets a stable hash (generator/render/filenames.py)
    assert firewall_csv_filenames("TST", tricky.network) == {
        "EDGE": "TST-EDGE.csv",
        "EDGE-rules": "TST-EDGE-rules-16c9feb3.csv",
    }
    assert firewall_rules_csv_filenames("TST", tricky.network) == {
        "EDGE": "TST-EDGE-rules.csv",
        "EDGE-rules": "TST-EDGE-rules-16c9feb3-rules.csv",
    }
    dns = plan_of(set_path("network.back_firewall.name", "dns"))
    assert firewall_csv_filenames("TST", dns.network)["dns"] == "TST-dns-dd75a9d6.csv"
    for site in (tricky, dns):
        names = [n.lower() for n in csv_files(site)]
        assert len(names) == len(set(names)) == 6


def test_rules_csv_rows() -> None:
    plan = plan_of(second_dp())
    text = csv_files(plan)["TST-FW-BACK-rules.csv"]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == RULES_HEADER
    own = rules(plan, "FW-BACK")
    assert [r["rule"] for r in rows] == [str(r.number) for r in own]
    assert [r["flow_ids"].split("; ") for r in rows] == [list(r.flow_ids) for r in own]
    first = rows[0]
    assert first["sources"] == "CM01" and first["source_group"] == ""
    assert first["destinations"] == "DMZ01; DMZ02" and first["destination_group"] == "TST-SITE-SYSTEMS-PERIMETER"
    assert first["destination_addresses"] == "203.0.113.10; to be assigned"  # DMZ01 has only its public address
    assert first["services"] == "; ".join(RPC_2003) and first["direction"] == "outbound"
    flows = list(csv.DictReader(io.StringIO(csv_files(plan)["TST-FW-BACK.csv"])))
    covered = {row["flow"] for row in flows if row["rule"] == "1"}
    assert sorted(first["flows"].split("; "), key=int) == sorted(covered, key=int)


# --- JSON ----------------------------------------------------------------------------------------------------------

SPEC_RULE_KEYS = {"firewall", "number", "sources", "destinations", "services", "purpose", "flow_ids"}
EXTRA_RULE_KEYS = {"source_group", "destination_group", "source_zone", "destination_zone", "direction"}


def test_json_firewall_rules_follow_the_spec() -> None:
    plan = plan_of(second_dp())
    data = plan_to_json(plan)
    assert [set(r) for r in data["firewall_rules"]] == [SPEC_RULE_KEYS | EXTRA_RULE_KEYS] * len(
        plan.network.grouped_rules
    )
    management = next(r for r in data["firewall_rules"] if r["destination_group"] == "TST-SITE-SYSTEMS-PERIMETER")
    assert {k: management[k] for k in SPEC_RULE_KEYS - {"flow_ids"}} == {
        "firewall": "FW-BACK",
        "number": 1,
        "sources": ["CM01"],
        "destinations": ["DMZ01", "DMZ02"],
        "services": RPC_2003,
        "purpose": "Site server installs and maintains the site systems (SMB, RPC)",
    }
    assert management["flow_ids"][:4] == [
        "site-server-cm01-dmz01-tcp-445",
        "site-server-cm01-dmz01-tcp-135",
        "site-server-cm01-dmz01-udp-135",
        "site-server-cm01-dmz01-tcp-1024-5000",
    ]
    front_first = [r["firewall"] for r in data["firewall_rules"]]
    assert front_first == sorted(front_first, key=["FW-FRONT", "FW-BACK"].index)


def test_json_flows_carry_addresses_and_nat() -> None:
    plan = plan_of(set_path("servers[DMZ01].address", "172.16.0.10"))
    flows = {f["id"]: f for f in plan_to_json(plan)["flows"]}
    inbound = flows["client-internet-clients-dmz01-tcp-443"]
    assert inbound["source_address"] is None
    assert inbound["destination_address"] == "172.16.0.10"
    assert inbound["nat"] == {"public": "203.0.113.10", "private": "172.16.0.10"}
    back = flows["site-server-cm01-dmz01-tcp-445"]
    assert back["source_address"] is None and back["destination_address"] == "172.16.0.10" and back["nat"] is None
    status = flows["site-system-status-dmz01-cm01-tcp-445"]
    assert status["source_address"] == "172.16.0.10" and status["destination_address"] is None


def test_network_plan_defaults_to_no_grouped_rules() -> None:
    """A NetworkPlan built by hand (as tests of other views do) needs no rules."""
    plan = EXAMPLES[0].network
    bare = NetworkPlan(plan.site_code, plan.flows, plan.dns_records, plan.certificates, plan.firewall_infos)
    assert bare.grouped_rules == () and bare.rules_for(plan.firewall_infos[0].name) == []
