"""What each step asks of the people who carry it out: concrete checks, evidence, rollback and gate criteria.

Spec: ../shared/spec/steps.md, "Additions: the runbook as a change plan" (per step: verification as concrete checks
with this site's names, evidence for the change record, a rollback written for this site; per phase: a go/no-go gate).
Facts are taken from the plans (the network plan, the views), so the spot checks of the Contoso site say which names
must appear, not how the page lays them out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import Mutation, set_path, site_dict, site_yaml
from test_checklist import CASES

from generator.derive.checklist.instructions import (
    ON_THE_INTERNET,
    PUBLIC_RESOLVER,
    each,
    names,
    numbers,
    portqry,
    rules_label,
)
from generator.derive.checklist.work import Instruction, StepWork
from generator.pipeline import plan_site_file, plan_site_text
from generator.plan import PlannedStep, SitePlan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "site_inputs").glob("*.yaml")) + sorted((ROOT / "tests/data/variations").glob("*.yaml"))
CONTOSO = ROOT / "site_inputs" / "contoso-perimeter-forest.yaml"

WORDED_HERE = (
    "confirm-decision",
    "server-placement",
    "network-infrastructure",
    "register-dns",
    "install-site-systems",
    "nlb-mp-internet-fqdn",
    "nlb-sup-internet-fqdn",
    "site-server-initiated-transfers",
    "sup-sync-automatic",
    "sup-sync-export-import",
    "mp-internet",
    "dp-internet",
    "fsp-internet",
    "sup-internet",
    "dp-bits",
    "sql-replica",
    "next-steps",
)
"""The steps of Microsoft's checklist, whose checks moved from their templates into their work."""


def example_plan(path: Path) -> SitePlan:
    plan, diagnostics = plan_site_file(path)
    assert plan is not None, [d.format() for d in diagnostics]
    return plan


def variation_plans() -> list[tuple[str, SitePlan]]:
    """The base site with each including mutation of the checklist cases, so every step is planned several ways."""
    plans = []
    for name, (included, _) in CASES.items():
        plan, _ = plan_site_text(site_yaml(site_dict(*included)), "site_inputs/t.yaml")
        if plan is not None:
            plans.append((name, plan))
    assert len(plans) > 5, "the checklist cases no longer give valid sites"
    return plans


def all_plans() -> list[tuple[str, SitePlan]]:
    return [(p.stem, example_plan(p)) for p in EXAMPLES] + variation_plans()


@pytest.fixture(scope="module")
def plans() -> list[tuple[str, SitePlan]]:
    return all_plans()


@pytest.fixture(scope="module")
def cen() -> SitePlan:
    return example_plan(CONTOSO)


def work_of(plan: SitePlan, step_id: str) -> StepWork:
    return step_of(plan, step_id).work


def step_of(plan: SitePlan, step_id: str) -> PlannedStep:
    return next(s for s in plan.steps if s.id == step_id)


def plain(instructions: tuple[Instruction, ...]) -> str:
    return "\n".join(i.plain() for i in instructions)


def texts(work: StepWork) -> list[str]:
    """Every sentence of a step's work that a renderer escapes as plain text."""
    return [
        *(i.text for i in (*work.verification, *work.rollback)),
        *(i.where or "" for i in (*work.verification, *work.rollback)),
        *work.evidence,
        *work.gate,
    ]


# --- every site ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_changing_step_has_checks_evidence_and_a_rollback(path: Path) -> None:
    plan = example_plan(path)
    missing = [
        (step.id, part)
        for step in plan.steps
        if step.changes
        for part, value in (
            ("verification", step.work.verification),
            ("evidence", step.work.evidence),
            ("rollback", step.work.rollback),
        )
        if not value
    ]
    assert missing == []


def test_every_changing_step_of_the_variations_has_checks_evidence_and_a_rollback() -> None:
    missing = [
        (name, step.id)
        for name, plan in variation_plans()
        for step in plan.steps
        if step.changes and not (step.work.verification and step.work.evidence and step.work.rollback)
    ]
    assert missing == []


def test_the_checklist_steps_have_checks_and_gates_and_decisions_no_rollback(plans: list[tuple[str, SitePlan]]) -> None:
    """Decisions (confirm-decision, server-placement) are checked and gated, but there is nothing to undo."""
    wrong = []
    for name, plan in plans:
        for step in plan.steps:
            if step.id not in WORDED_HERE:
                continue
            if not step.work.verification or not step.work.gate:
                wrong.append((name, step.id, "no checks or gate"))
            if not step.changes and step.work.rollback:
                wrong.append((name, step.id, "a decision with a rollback"))
    assert wrong == []


def test_work_is_plain_text(plans: list[tuple[str, SitePlan]]) -> None:
    """Renderers escape these strings: Markdown would show literally; double spaces and empty names are slips."""
    slips = re.compile(r"`|\*\*|\S  +\S|\(\)|, ,| \.|\{|\}")
    found = [
        (name, step.id, text)
        for name, plan in plans
        for step in plan.steps
        if step.id in WORDED_HERE
        for text in texts(step.work)
        # "None" is an option of the software update point component; anywhere else it is a missing value.
        if slips.search(text) or ("None" in text and "Software Update Point Component" not in text)
    ]
    assert found == []


def test_every_command_says_where_it_runs(plans: list[tuple[str, SitePlan]]) -> None:
    found = [
        (name, step.id, i.text)
        for name, plan in plans
        for step in plan.steps
        if step.id in WORDED_HERE
        for i in (*step.work.verification, *step.work.rollback)
        if i.command is not None and not i.where
    ]
    assert found == []


def test_phase_gates_gather_the_steps_gates(plans: list[tuple[str, SitePlan]]) -> None:
    for name, plan in plans:
        for phase in plan.phases:
            for step in phase.steps:
                assert set(step.work.gate) <= set(phase.gate), (name, step.id)


def test_no_step_template_keeps_a_verification_list() -> None:
    """Checks are values of the plan now: the page renders them after the step's body, from its work."""
    with_list = [
        p.name for p in sorted((ROOT / "templates" / "steps").glob("*.md.j2")) if "Verification" in p.read_text("utf-8")
    ]
    assert with_list == []


# --- the Contoso site (CEN) ---------------------------------------------------------------------------------------


def test_cen_fits_its_window(cen: SitePlan) -> None:
    """Phases 2 to 5 fit CEN's 12-hour window; phase 1 prepares before it."""
    in_window = sum(s.work.minutes for s in cen.steps if s.phase != 1)
    assert 8 * 60 <= in_window <= 12 * 60


def test_cen_mp_internet_checks_mpcontrol_on_the_site_server_and_the_test_urls(cen: SitePlan) -> None:
    work = work_of(cen, "mp-internet")
    checks = plain(work.verification)
    assert "MPControl.log on the site server CM01" in checks
    # DMZMP01 and DMZMP02 are reached through CEN-MP-NLB: its test URLs are checked once the cluster exists.
    assert not any(i.command and "sms_aut" in i.command for i in work.verification)
    cluster = work_of(cen, "nlb-mp-internet-fqdn")
    urls = {i.command: i.where for i in cluster.verification if i.command and "sms_aut" in i.command}
    assert set(urls) == {
        "https://mp.ibcm.contoso.example/sms_mp/.sms_aut?mplist",
        "https://mp.ibcm.contoso.example/sms_mp/.sms_aut?mpcert",
    }
    assert all("client authentication certificate" in (where or "") for where in urls.values())
    assert "https://mp.ibcm.contoso.example/sms_mp/.sms_aut?mplist returns the management point list from the " in (
        " ".join(cluster.gate)
    )
    assert "MPSetup.log and mpMSI.log on DMZMP01 and DMZMP02" in checks
    polled = next(i for i in work.verification if i.where == "CM01" and i.command)
    assert polled.command == ("portqry -n dmzmp01.dmz.contoso.test -e 443\nportqry -n dmzmp02.dmz.contoso.test -e 443")
    assert [i.text for i in work.rollback] == [
        f"Remove the management point role from {mp}: under Site Systems → {mp}, right-click ConfigMgr management "
        "point → Delete."
        for mp in ("DMZMP02", "DMZMP01")
    ]
    assert "MPControl.log on CM01 shows DMZMP01 and DMZMP02 answering without errors." in work.gate


def test_cen_network_rollback_removes_each_firewalls_rules_by_number(cen: SitePlan) -> None:
    work = work_of(cen, "network-infrastructure")
    assert [len(cen.network.rules_for(fw)) for fw in ("FW-EDGE", "FW-CORE")] == [3, 4]
    undo = [i.text for i in work.rollback]
    assert undo[0].startswith("Remove FW-EDGE rules 1–3 (8 flows): rule 1 (Internet clients to ")
    assert undo[1].startswith("Remove FW-CORE rules 1–4 (21 flows): rule 1 (CM01 to CEN-SITE-SYSTEMS-PERIMETER, ")
    assert "rule 4 (SQL01 to DMZSQL01, TCP 1433)" in undo[1]
    assert work.rollback[-1].command == (
        "portqry -n 203.0.113.11 -e 443\nportqry -n 203.0.113.12 -o 8531,8530\nportqry -n 203.0.113.10 -e 443"
    )
    assert "FW-EDGE rules 1–3 are in place and PortQry shows them open (not FILTERED)." in work.gate
    assert "FW-CORE rules 1–4 are in place and PortQry shows them open (not FILTERED)." in work.gate


def test_cen_network_checks_each_rule_from_its_source(cen: SitePlan) -> None:
    checks = {(i.where, i.command) for i in work_of(cen, "network-infrastructure").verification if i.command}
    assert ("SQL01", "portqry -n 172.16.20.51 -e 1433") in checks
    assert ("each of DMZMP01, DMZMP02, DMZDP01 and DMZSUP01", "portqry -n crl.contoso.example -e 80") in checks
    assert (ON_THE_INTERNET, "portqry -n 203.0.113.10 -e 443") in checks
    assert (
        ON_THE_INTERNET,
        "portqry -n 203.0.113.11 -o 445,2701\nportqry -n 203.0.113.12 -o 445,2701\nportqry -n 203.0.113.10 -o 445,2701",
    ) in checks


def test_cen_register_dns_is_checked_against_a_public_resolver_and_gated(cen: SitePlan) -> None:
    work = work_of(cen, "register-dns")
    lookup = next(i for i in work.verification if i.command == f"nslookup mp.ibcm.contoso.example {PUBLIC_RESOLVER}")
    assert lookup.where == ON_THE_INTERNET
    assert "203.0.113.10" in lookup.text
    assert "Public DNS resolves mp.ibcm.contoso.example to 203.0.113.10 from outside." in work.gate
    assert (
        "Delete the public A record mp.ibcm.contoso.example (203.0.113.10) of NLB cluster CEN-MP-NLB; resolvers keep "
        "it cached up to its TTL." in [i.text for i in work.rollback]
    )
    cross_forest = next(i for i in work.verification if i.where == "CM01")
    assert cross_forest.command is not None
    assert "nslookup dmzsql01.dmz.contoso.test" in cross_forest.command.splitlines()


def test_cen_register_dns_gate_is_in_the_phase_2_gate(cen: SitePlan) -> None:
    (phase,) = [p for p in cen.phases if p.number == 2]
    assert "Public DNS resolves mp.ibcm.contoso.example to 203.0.113.10 from outside." in phase.gate


def test_cen_site_systems_are_checked_with_certutil_and_undone_by_fqdn(cen: SitePlan) -> None:
    certificates = work_of(cen, "certificates")
    certutil = {i.where: i.command for i in certificates.verification if i.command and i.command.startswith("certutil")}
    assert certutil == {
        server: f"certutil -verify -urlfetch {server}-web-server.cer"
        for server in ("DMZMP01", "DMZMP02", "DMZDP01", "DMZSUP01")
    }
    assert "sup.ibcm.contoso.example and dmzsup01.dmz.contoso.test" in plain(certificates.verification)
    assert any(i.text.startswith("Ask the PKI team to revoke the certificates") for i in certificates.rollback)
    work = work_of(cen, "install-site-systems")
    bindings = {i.where for i in work.verification if i.command == "netsh http show sslcert"}
    assert bindings == {"DMZMP01", "DMZMP02", "DMZDP01", "DMZSUP01"}
    undo = [i.text for i in work.rollback]
    assert (
        "Clear the Internet FQDN dp.ibcm.contoso.example of DMZDP01 (General tab of its ConfigMgr site system "
        "properties)." in undo
    )


def test_cen_site_server_initiated_transfers_prove_the_back_firewall_drops_the_perimeter(cen: SitePlan) -> None:
    work = work_of(cen, "site-server-initiated-transfers")
    blocked = next(i for i in work.verification if i.command == "portqry -n cm01.corp.contoso.test -e 445")
    assert blocked.where == "each of DMZMP01, DMZMP02, DMZDP01 and DMZSUP01"
    assert "FILTERED" in blocked.text
    assert "FW-CORE drops connections opened by DMZMP01, DMZMP02, DMZDP01 and DMZSUP01 towards CM01." in work.gate


def test_cen_export_import_is_checked_by_counts_and_times_not_approvals(cen: SitePlan) -> None:
    work = work_of(cen, "sup-sync-export-import")
    checks = plain(work.verification)
    assert "status message 6702 from component SMS_WSUS_SYNC_MANAGER" in checks
    assert "On the site server CM01, wsyncmgr.log" in checks
    assert "the same number of updates" in checks and "Do not compare approvals" in checks
    assert "The last import on DMZSUP01" in checks
    assert 'findstr /i "error" CEN-wsus-import.log' in checks


def test_cen_replica_is_gated_on_being_in_sync(cen: SitePlan) -> None:
    work = work_of(cen, "sql-replica")
    assert any("SMS_CEN_replica on DMZSQL01 is in sync" in g for g in work.gate)
    assert [i.text for i in work.rollback][-1] == "Drop the database SMS_CEN_replica on DMZSQL01."
    assert "Replication Monitor" in plain(work.verification)


def test_cen_decisions_are_checked_without_a_rollback(cen: SitePlan) -> None:
    for step_id in ("confirm-decision", "server-placement"):
        step = step_of(cen, step_id)
        assert not step.changes and step.work.verification and step.work.gate and not step.work.rollback
    assert (
        "The CRL http://crl.contoso.example/pki/ContosoIssuingCA.crl answers from the Internet."
        in work_of(cen, "confirm-decision").gate
    )


def test_uncertain_logs_are_marked_to_confirm(plans: list[tuple[str, SitePlan]]) -> None:
    """The reference names MPControl.log, MPSetup.log, mpMSI.log and wsyncmgr.log; any other log is to confirm."""
    named = {"MPControl.log", "MPSetup.log", "mpMSI.log", "wsyncmgr.log"}
    unconfirmed = [
        (name, step.id, i.text)
        for name, plan in plans
        for step in plan.steps
        if step.id in WORDED_HERE
        for i in step.work.verification
        for log in re.findall(r"\b[\w-]+\.log\b", i.text)
        if log not in named and not log.startswith(plan.code) and "to confirm" not in i.text
    ]
    assert unconfirmed == []


# --- checks that moved out of the templates -----------------------------------------------------------------------


def base_plan(*mutations: Mutation) -> SitePlan:
    """The helpers' base site (CM01, SQL01 in the intranet, DMZ01 MP+DP in the perimeter), changed."""
    plan, diagnostics = plan_site_text(site_yaml(site_dict(*mutations)), "site_inputs/t.yaml")
    assert plan is not None, [d.format() for d in diagnostics]
    return plan


def test_an_unnamed_crl_host_keeps_the_front_firewall_from_saying_nothing_broader() -> None:
    plan = base_plan(set_path("pki.client_crl_checking", True))
    checks = [i.text for i in work_of(plan, "network-infrastructure").verification]
    front = next(t for t in checks if t.startswith("The team responsible for FW-FRONT"))
    assert front.endswith(
        "the rules towards CRL distribution point are limited to a host once it is named, and only then can the "
        "team confirm that nothing broader is open."
    )
    back = next(t for t in checks if t.startswith("The team responsible for FW-BACK"))
    assert ", and nothing broader: the table holds all this change needs through FW-BACK." in back
    assert any("CRL distribution point" in t and "no single host to test" in t for t in checks)


def test_two_roles_on_one_port_are_checked_once() -> None:
    """The base site's MP and DP share HTTPS 443 on ibcm.example.com: one port in its check from the Internet."""
    plan = base_plan()
    (check,) = [
        i for i in work_of(plan, "network-infrastructure").verification if i.text.startswith("ibcm.example.com at ")
    ]
    assert check.command == "portqry -n 203.0.113.10 -e 443"
    assert "answers on TCP 443 from the Internet" in check.text


def test_every_internet_mp_is_checked_on_the_site_server_and_by_its_test_urls(
    plans: list[tuple[str, SitePlan]],
) -> None:
    """16.3: MPControl.log is on the site server; the MP answers ?mplist and ?mpcert (client certificate needed)."""
    checked = 0
    for name, plan in plans:
        if not plan.includes("mp-internet"):
            continue
        checked += 1
        step = step_of(plan, "mp-internet")
        checks = plain(step.work.verification)
        assert f"MPControl.log on the site server {plan.site.topology.site_server.name}" in checks, name
        commands = {i.command for i in step.work.verification}
        cluster = (
            {i.command for i in step_of(plan, "nlb-mp-internet-fqdn").work.verification}
            if plan.includes("nlb-mp-internet-fqdn")
            else set()
        )
        for mp in step.view.mps:
            # A member of an NLB cluster is tested through the cluster, in the step that creates it.
            assert {mp.mplist_url, mp.mpcert_url} <= (cluster if mp.cluster else commands), name
        assert "the browser needs a client authentication certificate" in plain(
            (
                *step.work.verification,
                *(
                    step_of(plan, "nlb-mp-internet-fqdn").work.verification
                    if plan.includes("nlb-mp-internet-fqdn")
                    else ()
                ),
            )
        ), name
    assert checked >= 5


# --- the shared instruction shapes --------------------------------------------------------------------------------


def test_numbers_and_names_read_as_prose() -> None:
    assert numbers([3, 1, 2]) == "1–3"
    assert numbers([1, 2, 4]) == "1, 2 and 4"
    assert numbers([1, 2, 3, 5]) == "1–3 and 5"
    assert numbers([7]) == "7"
    assert names(["A", "B", "A"]) == "A and B"
    assert each(["DMZMP01"]) == "DMZMP01"
    assert each(["DMZMP01", "DMZMP02"]) == "each of DMZMP01 and DMZMP02"


def test_portqry_lines() -> None:
    assert portqry("dmzmp01.dmz.contoso.test", ["443"]) == "portqry -n dmzmp01.dmz.contoso.test -e 443"
    assert portqry("172.16.20.21", ["445", "135"]) == "portqry -n 172.16.20.21 -o 445,135"
    assert portqry("10.0.0.1", ["135"], "UDP") == "portqry -n 10.0.0.1 -p udp -e 135"


def test_rules_label_agrees_with_the_count(cen: SitePlan) -> None:
    assert rules_label("FW-CORE", cen.network.rules_for("FW-CORE")) == "FW-CORE rules 1–4"
    assert rules_label("FW-CORE", cen.network.rules_for("FW-CORE")[3:]) == "FW-CORE rule 4"


def test_a_site_without_a_change_record_still_names_one() -> None:
    data = site_dict(set_path("site.client_ports", {"http": 8080, "https": 8443}))
    data.pop("change", None)
    plan, diagnostics = plan_site_text(site_yaml(data), "site_inputs/t.yaml")
    assert plan is not None, [d.format() for d in diagnostics]
    evidence = "\n".join(work_of(plan, "network-infrastructure").evidence)
    assert "recorded in the change record" in evidence
    urls = [i.command for i in work_of(plan, "mp-internet").verification if i.command and "sms_aut" in i.command]
    assert urls and all(":8443/sms_mp/" in url for url in urls)


# --- the order of work: every requirement has a provider ----------------------------------------------------------

VARIATIONS = ROOT / "tests" / "data" / "variations"


def test_every_requirement_is_provided_by_an_included_step(plans: list[tuple[str, SitePlan]]) -> None:
    """Nothing a step requires is left to chance: an included step provides it (the order check rests on it)."""
    missing = []
    for name, plan in plans:
        provided = set().union(*(s.work.provides for s in plan.steps))
        missing += [(name, s.id, sorted(s.work.requires - provided)) for s in plan.steps if s.work.requires - provided]
    assert missing == []


def test_nlb_sup_roles_come_from_sup_internet_before_the_cluster_and_the_sync() -> None:
    plan = example_plan(VARIATIONS / "nlb-internet-sup.yaml")
    order = [s.id for s in plan.steps]
    assert order.index("sup-internet") < order.index("nlb-sup-internet-fqdn")
    assert order.index("sup-internet") < order.index("sup-sync-export-import")
    work = work_of(plan, "sup-internet")
    members = ("NWSUP01", "NWSUP02")
    assert {f"role:software_update_point:{m}" for m in members} == set(work.provides)
    for m in members:
        assert {f"site-system:{m}", f"wsus:{m}", f"certificate:{m}"} <= work.requires
        assert any(i.text.startswith(f"Remove the software update point role from {m}") for i in work.rollback)
    assert not any("Software Update Point Component shows NW-SUP-NLB with" in i.text for i in work.verification)


def test_next_steps_waits_for_bits_and_the_reverse_proxy() -> None:
    plan = example_plan(ROOT / "site_inputs" / "tailspin-reverse-proxy.yaml")
    requires = work_of(plan, "next-steps").requires
    assert "proxy:TS-ISA01" in requires
    dps = [s.name for s in plan.site.topology.internet_dps]
    assert dps and {f"bits:{dp}" for dp in dps} <= requires


def test_pilot_client_checks_are_in_next_steps_only(plans: list[tuple[str, SitePlan]]) -> None:
    """Each phase's gate needs its checks passed: nothing before phase 5 waits for a pilot client."""
    early = [
        (name, step.id, i.text)
        for name, plan in plans
        for step in plan.steps
        if step.phase < 5
        for i in step.work.verification
        if re.search(r"pilot|Internet clients receive policy|Inventory that Internet clients send", i.text)
    ]
    assert early == []


def test_cen_pilot_checks_cover_bits_the_replica_and_fetched_data(cen: SitePlan) -> None:
    checks = plain(work_of(cen, "next-steps").verification)
    assert "downloads from the distribution point DMZDP01 (https://dp.ibcm.contoso.example:443/) with BITS" in checks
    assert "receives policy from DMZMP01 and DMZMP02, which read the replica on DMZSQL01" in checks
    assert "this proves that CM01 fetches the client data from them" in checks
    assert "bits:DMZDP01" in work_of(cen, "next-steps").requires
    dp = plain(work_of(cen, "dp-internet").verification)
    assert "BITS" not in dp
    assert "BITS, HTTP, and HTTPS checked" in plain(work_of(cen, "dp-bits").verification)
    replica = plain(work_of(cen, "sql-replica").verification)
    assert "Use a database replica" not in replica
    assert "DMZMP01 and DMZMP02 each reach the replica on DMZSQL01 on SQL Server TCP 1433" in replica


def test_cen_database_server_resolves_the_replica_in_the_other_forest(cen: SitePlan) -> None:
    work = work_of(cen, "register-dns")
    check = next(i for i in work.verification if i.where == "SQL01")
    assert check.command == "nslookup dmzsql01.dmz.contoso.test"
    assert "dmzsql01.dmz.contoso.test to 172.16.20.51" in check.text
    assert (
        "The site database server SQL01 resolves the intranet FQDN dmzsql01.dmz.contoso.test of the replica DMZSQL01 "
        "(forest dmz.contoso.test)." in work.gate
    )
    (phase,) = [p for p in cen.phases if p.number == 2]
    assert set(work.gate) <= set(phase.gate)


def test_site_server_initiated_rollback_leaves_the_option_with_the_site_system() -> None:
    plan = example_plan(ROOT / "site_inputs" / "woodgrove-intranet-sup.yaml")
    undo = [i.text for i in work_of(plan, "site-server-initiated-transfers").rollback]
    assert undo[0].startswith("Nothing to undo on its own: the option goes with WGDMZ01")
    assert "unless WG-INTERNAL-FW allows WGDMZ01 to open connections to WGCM01 (SMB TCP 445)" in undo[1]
    assert "a rule this change does not open" in undo[1]
    assert not any("must allow" in t or t.startswith("Clear ") for t in undo)
    view = step_of(plan, "install-site-systems").view
    assert view.site_server_initiated == ("WGDMZ01",)
    assert [s.name for s in view.servers if s.site_server_initiated] == ["WGDMZ01"]
