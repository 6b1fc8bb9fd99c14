"""The checklist as a value: every step condition of docs/steps.md (table-driven), its invariants, and a plugged-in checklist."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from helpers import add_server, load_valid, set_path, site_dict, site_yaml

from generator.derive.checklist import IBCM_CHECKLIST, STEP_IDS, Checklist, Step, StepId
from generator.derive.checklist.conditions import always
from generator.derive.checklist.core import Verdict
from generator.derive.network.flows import Need
from generator.derive.network.plan import NetworkPlan
from generator.load.loader import parse_site_text
from generator.model.topology import Topology
from generator.plan import build_site_plan

ALWAYS = [
    "confirm-decision",
    "server-placement",
    "backup",
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
                        "wsus_database": "SQL01",
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
    "accounts": (
        [
            set_path("servers[DMZ01].forest", "dmz.example.test"),
            set_path("servers[DMZ01].install_account", "DMZ\\install"),
        ],
        [],
    ),
    "certificates": (
        [],
        [  # without Internet roles no new web server certificate is needed
            set_path("servers[DMZ01].roles.management_point.connections", "intranet"),
            set_path("servers[DMZ01].roles.distribution_point.connections", "intranet"),
        ],
    ),
    "server-prerequisites": (
        [],
        [
            set_path("servers[DMZ01].roles.management_point.connections", "intranet"),
            set_path("servers[DMZ01].roles.distribution_point.connections", "intranet"),
        ],
    ),
    "sup-sync-automatic": ([INTERNET_SUP_INTRANET], [INTERNET_SUP_PERIMETER]),
    "sup-sync-export-import": ([INTERNET_SUP_PERIMETER], [INTERNET_SUP_INTRANET]),
    "mp-internet": (
        [],
        [  # no Internet role left: a role that accepts Internet connections needs an Internet MP (rule 15)
            set_path("servers[DMZ01].roles.management_point.connections", "intranet"),
            set_path("servers[DMZ01].roles.distribution_point.connections", "intranet"),
        ],
    ),
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
    return [d.id for d in IBCM_CHECKLIST.decide(site.topology) if d.included]


def test_catalog_order_matches_steps_md() -> None:
    assert [step.id for step in IBCM_CHECKLIST] == list(STEP_IDS)
    assert IBCM_CHECKLIST.ids == STEP_IDS
    assert len(STEP_IDS) == 21
    assert STEP_IDS[0] == "confirm-decision"
    assert STEP_IDS[-1] == "next-steps"
    assert set(CASES) | set(ALWAYS) == set(STEP_IDS)


@pytest.mark.parametrize("step", IBCM_CHECKLIST.steps, ids=IBCM_CHECKLIST.ids)
def test_each_step_has_its_template(step: Step, repo_root: Path) -> None:
    assert step.template == f"steps/{step.id}.md.j2"
    assert (repo_root / "templates" / step.template).is_file()


def test_base_site_steps() -> None:
    assert included() == [
        "confirm-decision",
        "server-placement",
        "backup",
        "certificates",
        "network-infrastructure",
        "register-dns",
        "server-prerequisites",
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
    decisions = {d.id: d for d in IBCM_CHECKLIST.decide(site.topology)}
    assert all(d.reasons for d in decisions.values())
    assert decisions["site-server-initiated-transfers"].reasons == (
        "DMZ01 (perimeter) hosts Internet-based roles and forest dmz.example.test differs from the site "
        "server CM01's forest corp.example.test",
    )
    assert decisions["sql-replica"].reasons == (
        "Internet MP DMZ01 reads the site database on SQL01 directly (database: site)",
    )


def test_back_firewall_forbidding_perimeter_initiation_turns_on_site_server_initiated() -> None:
    # The design review rejects such a site (its perimeter servers, members of the site forest, need the intranet's
    # domain controllers), so the condition is checked on the topology alone.
    text = site_yaml(
        site_dict(
            set_path("network.back_firewall.perimeter_may_initiate", False),
            add_server(name="DMZSQL"),
            set_path("database_replica", {"server": "DMZSQL", "database": "r"}),
            set_path("servers[DMZ01].roles.management_point.database", "replica"),
        )
    )
    parsed, _ = parse_site_text(text, "t.yaml")
    assert parsed is not None
    decision = next(
        d for d in IBCM_CHECKLIST.decide(Topology(parsed.model)) if d.id == "site-server-initiated-transfers"
    )
    assert decision.included
    assert "perimeter_may_initiate is false" in decision.reasons[0]


def test_explicit_sync_choice_overrides_the_zone_default() -> None:
    site = load_valid(INTERNET_SUP_INTRANET, set_path("software_updates", {"internet_sup_sync": "export_import"}))
    steps = [d.id for d in IBCM_CHECKLIST.decide(site.topology) if d.included]
    assert "sup-sync-export-import" in steps
    assert "sup-sync-automatic" not in steps


# --- the checklist as a value --------------------------------------------------------------------


def fake_step(step_id: StepId, *serves: Need, included: bool = True) -> Step:
    def condition(topo: Topology) -> Verdict:
        return included, [f"fake {step_id} of {topo.site.code}: {included}"]

    def view(topo: Topology, network: NetworkPlan) -> tuple[str, str, int]:
        return (f"view of {step_id}", topo.site.code, len(network.flows))

    return Step(id=step_id, title=f"Fake {step_id}", condition=condition, view=view, serves=frozenset(serves))


def test_every_need_is_served_by_exactly_one_step() -> None:
    served = [need for step in IBCM_CHECKLIST for need in step.serves]
    assert sorted(served) == sorted(get_args(Need))


def test_the_fallback_step_always_applies() -> None:
    assert IBCM_CHECKLIST.fallback == "network-infrastructure"
    assert IBCM_CHECKLIST.fallback in ALWAYS


@pytest.mark.parametrize("need", get_args(Need))
def test_step_for_falls_back_when_the_serving_step_is_left_out(need: Need) -> None:
    serving = next(step.id for step in IBCM_CHECKLIST if need in step.serves)
    assert IBCM_CHECKLIST.step_for(need, STEP_IDS) == serving
    assert IBCM_CHECKLIST.step_for(need, [i for i in STEP_IDS if i != serving]) == IBCM_CHECKLIST.fallback


def test_step_for_a_need_no_step_serves_is_the_fallback() -> None:
    checklist = Checklist((fake_step("confirm-decision"), fake_step("next-steps")), fallback="next-steps")
    assert checklist.step_for("crl", ["confirm-decision", "next-steps"]) == "next-steps"


def test_checklist_rejects_a_need_served_twice() -> None:
    with pytest.raises(ValueError, match="need 'crl' is served by both 'confirm-decision' and 'next-steps'"):
        Checklist((fake_step("confirm-decision", "crl"), fake_step("next-steps", "crl")), fallback="next-steps")


def test_checklist_rejects_a_duplicate_step_id() -> None:
    with pytest.raises(ValueError, match="duplicate step ids"):
        Checklist((fake_step("next-steps"), fake_step("next-steps")), fallback="next-steps")


def test_checklist_rejects_a_fallback_it_does_not_contain() -> None:
    with pytest.raises(ValueError, match="fallback step 'register-dns' is not in the checklist"):
        Checklist((fake_step("confirm-decision"), fake_step("next-steps")), fallback="register-dns")


@pytest.mark.parametrize("mp_included", [True, False], ids=["mp-step-in", "mp-step-out"])
def test_a_plugged_in_checklist_drives_the_site_plan(mp_included: bool) -> None:
    checklist = Checklist(
        (
            fake_step("mp-internet", "internet-management-point", included=mp_included),
            Step(
                id="network-infrastructure",
                title="Fake fallback",
                condition=always("always for {site.code}"),
                view=lambda topo, network: ("fallback view", topo.site.code, len(network.flows)),
            ),
        ),
        fallback="network-infrastructure",
    )
    plan = build_site_plan(load_valid(), checklist)

    assert plan.checklist is checklist
    assert [(d.id, d.included, d.reasons) for d in plan.decisions] == [
        ("mp-internet", mp_included, (f"fake mp-internet of TST: {mp_included}",)),
        ("network-infrastructure", True, ("always for TST",)),
    ]
    # Views receive the plan's own network plan (derived once, before the views).
    count = len(plan.network.flows)
    expected_steps = [(1, "mp-internet", ("view of mp-internet", "TST", count))] if mp_included else []
    expected_steps.append((len(expected_steps) + 1, "network-infrastructure", ("fallback view", "TST", count)))
    assert [(s.number, s.id, s.view) for s in plan.steps] == expected_steps

    flows = plan.network.flows
    assert any(f.need == "internet-management-point" for f in flows)
    assert any(f.need != "internet-management-point" for f in flows)
    assert {f.id: plan.step_of(f) for f in flows} == {
        f.id: "mp-internet" if mp_included and f.need == "internet-management-point" else "network-infrastructure"
        for f in flows
    }
