"""The runbook as a change plan: order from resources, phases and gates, owners, acknowledgements, the summary.

Spec: ../shared/spec/steps.md, "Additions: the runbook as a change plan".
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from helpers import Mutation, set_path, site_dict, site_yaml
from test_checklist import CASES

from generator.derive.checklist import Checklist, Step
from generator.derive.checklist.conditions import always
from generator.derive.checklist.order import OrderError, Unordered, order_steps, unprovided, violations
from generator.derive.checklist.work import StepWork
from generator.pipeline import plan_site_file, plan_site_text
from generator.plan import SitePlan
from generator.render.escape import escape_myst
from generator.render.pages import render_site
from generator.render.templates import create_environment

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "site_inputs").glob("*.yaml")) + sorted((ROOT / "tests/data/variations").glob("*.yaml"))


def example_plan(path: Path) -> SitePlan:
    plan, diagnostics = plan_site_file(path)
    assert plan is not None, [d.format() for d in diagnostics]
    return plan


def text_plan(*mutations: Mutation) -> tuple[SitePlan | None, list[str]]:
    plan, diagnostics = plan_site_text(site_yaml(site_dict(*mutations)), "site_inputs/t.yaml")
    return plan, [d.format() for d in diagnostics]


def generated_variations() -> list[tuple[str, list[Mutation]]]:
    """Every pair of the checklist cases' including mutations that still gives a valid site."""
    cases = [(name, included) for name, (included, _) in CASES.items() if included]
    found = [(name, list(included)) for name, included in cases]
    for (a, first), (b, second) in itertools.combinations(cases, 2):
        found.append((f"{a}+{b}", [*first, *second]))
    return found


def unordered(plan: SitePlan) -> list[Unordered]:
    positions = {step_id: i for i, step_id in enumerate(plan.checklist.ids)}
    return [Unordered(s.decision.step, positions[s.id], s.work) for s in plan.steps]


def assert_ordered(plan: SitePlan) -> None:
    assert violations(unordered(plan)) == []
    assert unprovided(unordered(plan)) == [], "every requirement is provided by a step of the runbook"
    phases = [s.phase for s in plan.steps]
    assert phases == sorted(phases), "the phases follow one another"
    assert [s.number for s in plan.steps] == list(range(1, len(plan.steps) + 1))


# --- order ------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_no_example_step_requires_what_a_later_step_provides(path: Path) -> None:
    assert_ordered(example_plan(path))


def test_no_generated_variation_step_requires_what_a_later_step_provides() -> None:
    checked = 0
    for name, mutations in generated_variations():
        plan, _ = text_plan(*mutations)
        if plan is None:
            continue  # some pairs contradict each other (e.g. two different SUP placements)
        assert violations(unordered(plan)) == [], name
        assert_ordered(plan)
        checked += 1
    assert checked >= 30


def test_the_order_follows_the_work_not_the_topics() -> None:
    ids: list[str] = [s.id for s in example_plan(ROOT / "site_inputs/contoso-perimeter-forest.yaml").steps]

    def before(first: str, second: str) -> bool:
        return ids.index(first) < ids.index(second)

    assert before("sql-replica", "mp-internet"), "the MP reads a replica that must exist"
    assert before("sup-internet", "sup-sync-export-import"), "WSUS data is imported onto a SUP that exists"
    assert before("site-server-initiated-transfers", "install-site-systems"), "the option is set in the wizard"
    assert before("network-infrastructure", "install-site-systems")
    assert before("backup", "network-infrastructure"), "the backup comes before the first change"
    assert before("server-prerequisites", "install-site-systems")
    assert before("mp-internet", "nlb-mp-internet-fqdn"), "the cluster FQDN follows the MP role on its members"
    assert ids[-1] == "next-steps"


def test_requires_and_provides_name_this_sites_resources() -> None:
    plan = example_plan(ROOT / "site_inputs/contoso-perimeter-forest.yaml")
    works = {s.id: s.work for s in plan.steps}
    assert "replica" in works["mp-internet"].requires
    assert "replica" in works["sql-replica"].provides
    assert {"firewall:FW-EDGE", "firewall:FW-CORE"} <= works["network-infrastructure"].provides
    assert "dns:mp.ibcm.contoso.example" in works["register-dns"].provides
    assert "site-system:DMZSUP01" in works["install-site-systems"].provides
    assert "certificate:DMZSUP01" in works["certificates"].provides  # issued by the PKI team in phase 1
    assert "certificate:DMZSUP01" in works["install-site-systems"].requires
    assert "wsus:DMZSUP01" in works["server-prerequisites"].provides
    assert "role:software_update_point:DMZSUP01" in works["sup-sync-export-import"].requires


def _step(step_id: str, phase: int, requires: set[str], provides: set[str]) -> Unordered:
    work = StepWork(requires=frozenset(requires), provides=frozenset(provides))
    step = Step(id=step_id, title=step_id, condition=always("test"), phase=phase)  # type: ignore[arg-type]
    return Unordered(step, 0, work)


def test_a_cycle_is_a_programming_error() -> None:
    with pytest.raises(OrderError, match="require each other"):
        order_steps([_step("backup", 1, {"a"}, {"b"}), _step("accounts", 1, {"b"}, {"a"})])


def test_a_dependency_against_the_phases_is_a_programming_error() -> None:
    with pytest.raises(OrderError, match="phase 1"):
        order_steps([_step("backup", 1, {"x"}, set()), _step("accounts", 2, set(), {"x"})])


def test_ties_keep_the_phase_then_the_checklist_order() -> None:
    free = [_step("next-steps", 5, set(), set()), _step("backup", 1, set(), set()), _step("accounts", 1, set(), set())]
    free = [Unordered(u.step, i, u.work) for i, u in enumerate(free)]
    assert [u.step.id for u in order_steps(free)] == ["backup", "accounts", "next-steps"]


def test_a_plugged_in_checklist_without_work_keeps_its_order() -> None:
    checklist = Checklist(
        steps=(
            Step(id="next-steps", title="Last", condition=always("x"), phase=1),
            Step(id="confirm-decision", title="First", condition=always("x"), phase=1),
        ),
        fallback="next-steps",
    )
    plan, _ = plan_site_text(site_yaml(site_dict()), "site_inputs/t.yaml", checklist)
    assert plan is not None
    assert [s.id for s in plan.steps] == ["next-steps", "confirm-decision"]


# --- phases, owners, work ---------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_has_five_phases_with_gates(path: Path) -> None:
    plan = example_plan(path)
    assert [p.number for p in plan.phases] == [1, 2, 3, 4, 5]
    for phase in plan.phases:
        assert phase.steps
        assert phase.gate[-1].startswith(f"Every step of phase {phase.number} is signed off")
    assert [s for p in plan.phases for s in p.steps] == list(plan.steps)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_step_has_an_owner_and_a_duration(path: Path) -> None:
    plan = example_plan(path)
    teams = plan.site.model.teams
    for step in plan.steps:
        assert step.owner == getattr(teams, step.decision.step.owner)
        assert step.work.minutes > 0


def test_owners_come_from_teams_with_defaults() -> None:
    plan, _ = text_plan(set_path("teams", {"firewall": "NetSec (J. Doe)"}))
    assert plan is not None
    owners = {s.id: s.owner for s in plan.steps}
    assert owners["network-infrastructure"] == "NetSec (J. Doe)"
    assert owners["register-dns"] == "DNS team"
    assert owners["install-site-systems"] == "ConfigMgr administrators"


def test_phase_times_follow_the_window() -> None:
    plan = example_plan(ROOT / "site_inputs/contoso-perimeter-forest.yaml")
    change = plan.site.model.change
    assert change is not None and change.window is not None
    window = change.window
    first, second, *rest = plan.phases
    assert first.end == window.start, "phase 1 prepares before the window opens"
    assert second.start == window.start
    for earlier, later in itertools.pairwise([second, *rest]):
        assert later.start == earlier.end


# --- acknowledged warnings -----------------------------------------------------------

TWO_WEBDAV = (
    set_path("servers[DMZ01].os", "windows_server_2008"),
    set_path("site.version", "SP2"),
)


def test_an_acknowledgement_accepts_every_warning_of_its_code() -> None:
    ack = {"code": "webdav-manual", "reason": "Packages staged", "by": "CAB 2026-11-20"}
    plan, diagnostics = text_plan(*TWO_WEBDAV, set_path("acknowledged_warnings", [ack]))
    assert plan is not None, diagnostics
    assert [(r.warning.code, r.reason, r.by) for r in plan.accepted] == [
        ("webdav-manual", "Packages staged", "CAB 2026-11-20")
    ]
    assert [w.code for w in plan.open_warnings] == []


def test_a_subject_narrows_an_acknowledgement_to_one_occurrence() -> None:
    features = set_path("clients.internet_features", ["remote_control", "wake_on_lan"])
    ack = {"code": "feature-unsupported-on-internet", "subject": "wake_on_lan", "reason": "VPN", "by": "G. Liu"}
    plan, diagnostics = text_plan(features, set_path("acknowledged_warnings", [ack]))
    assert plan is not None, diagnostics
    assert [r.warning.subject for r in plan.accepted] == ["wake_on_lan"]
    assert [(w.code, w.subject) for w in plan.open_warnings] == [("feature-unsupported-on-internet", "remote_control")]


def test_an_acknowledgement_about_the_subject_wins_and_subjects_ignore_case() -> None:
    features = set_path("clients.internet_features", ["remote_control", "wake_on_lan"])
    acks = [
        {"code": "feature-unsupported-on-internet", "reason": "VPN for all", "by": "CAB"},
        {"code": "feature-unsupported-on-internet", "subject": "WAKE_ON_LAN", "reason": "No WoL", "by": "G. Liu"},
    ]
    plan, diagnostics = text_plan(features, set_path("acknowledged_warnings", acks))
    assert plan is not None, diagnostics
    assert sorted((r.warning.subject, r.reason) for r in plan.accepted) == [
        ("remote_control", "VPN for all"),
        ("wake_on_lan", "No WoL"),
    ]
    assert not any("stale-acknowledgement" in d for d in diagnostics)
    page = render_site(create_environment(ROOT / "templates"), plan)["TST/index.md"]
    assert isinstance(page, str)
    accepted = page[page.index("### Accepted risks") : page.index("### Open warnings")]
    assert (
        ":::{admonition} A requested feature Internet clients cannot use\n:class: note accepted-risk\n\n"
        "About **Wake On LAN**. Accepted by G. Liu. Reason: No WoL\n"
    ) in accepted


def test_a_stale_acknowledgement_is_a_located_warning() -> None:
    acks = [
        {"code": "fsp-not-dedicated", "reason": "Until Q1", "by": "G. Liu"},
        {"code": "feature-unsupported-on-internet", "subject": "nap", "reason": "VPN", "by": "G. Liu"},
    ]
    plan, diagnostics = text_plan(
        set_path("clients.internet_features", ["remote_control"]), set_path("acknowledged_warnings", acks)
    )
    assert plan is not None
    stale = [d for d in diagnostics if "stale-acknowledgement" in d]
    assert stale == [
        "site_inputs/t.yaml:43:3: warning: acknowledged_warnings[0]: no warning 'fsp-not-dedicated' remains to "
        "accept (this site's warnings: feature-unsupported-on-internet); remove the acknowledgement or correct it "
        "[stale-acknowledgement]",
        "site_inputs/t.yaml:46:3: warning: acknowledged_warnings[1]: no warning 'feature-unsupported-on-internet' "
        "about 'nap' remains to accept (this site's warnings: feature-unsupported-on-internet); remove the "
        "acknowledgement or correct it [stale-acknowledgement]",
    ]
    assert plan.accepted == ()
    assert {w.code for w in plan.open_warnings} == {"feature-unsupported-on-internet", "stale-acknowledgement"}


# --- the change-board summary and the runbook page -------------------------------------


@pytest.fixture(scope="module")
def cen_page() -> tuple[SitePlan, str]:
    plan = example_plan(ROOT / "site_inputs/contoso-perimeter-forest.yaml")
    files = render_site(create_environment(ROOT / "templates"), plan)
    page = files["CEN/index.md"]
    assert isinstance(page, str)
    return plan, page


def summary_of(page: str, code: str = "CEN") -> str:
    start = page.index("## Change-board summary")
    return page[start : page.index(f"({code.lower()}-scope)=")]


SITE_INPUTS = sorted((ROOT / "site_inputs").glob("*.yaml"))


def rendered_page(plan: SitePlan) -> str:
    page = render_site(create_environment(ROOT / "templates"), plan)[f"{plan.code}/index.md"]
    assert isinstance(page, str)
    return page


@pytest.mark.parametrize("path", SITE_INPUTS, ids=lambda p: p.stem)
def test_the_summary_counts_what_the_plan_holds(path: Path) -> None:
    plan = example_plan(path)
    code = plan.code
    summary = summary_of(rendered_page(plan), code)
    firewalls = [name for name, _ in plan.network.firewalls if plan.network.rules_for(name)]
    assert firewalls, code
    for name in firewalls:
        rules = plan.network.rules_for(name)
        flows = plan.network.firewall_rules(name)
        noun = "rule" if len(rules) == 1 else "rules"
        assert f"{len(rules)} {noun} on {escape_myst(name)} \\({len(flows)} flows\\)" in summary, code
    new = sum(c.status == "new" for c in plan.network.certificates)
    existing = sum(c.status == "existing" for c in plan.network.certificates)
    assert f"{new} new certificates, {existing} existing ones to verify" in summary, code
    holders = {s.name for s in plan.site.model.servers} | {c.name for c in plan.site.model.nlb_clusters}
    public = [r for r in plan.network.dns_records if r.scope == "public"]
    assert f"{sum(r.holder in holders for r in public)} public DNS records" in summary, code  # the CRL host: PKI
    unnamed = sum(a.name is None for a in plan.accounts)
    if plan.accounts:
        text = f"{len(plan.accounts)} accounts" + (f", {unnamed} still to be named" if unnamed else "")
        assert text in summary, code
    else:
        assert " accounts" not in summary.split("### Phases and gates")[0], code
    changed = plan.site.topology.internet_servers
    assert f"{len(changed)} site systems changed" in summary, code
    for phase in plan.phases:
        assert f"[{phase.number} {phase.title}](#{code.lower()}-phase-{phase.number})" in summary
        steps = ", ".join(f"[{s.number}](#{code.lower()}-{s.id})" for s in phase.steps)
        assert f"\n  - {steps}\n" in summary, code
    owned = sum(len(p.steps) for p in plan.phases)
    assert owned == len(plan.steps)
    if code == "CEN":
        assert "the CRL host crl.contoso.example resolves and answers from the Internet" in summary
        assert (len(plan.accounts), unnamed) == (3, 1)


@pytest.mark.parametrize("path", SITE_INPUTS, ids=lambda p: p.stem)
def test_the_summary_lists_each_phase_gate_and_falls_back_to_the_backup(path: Path) -> None:
    plan = example_plan(path)
    code = plan.code.lower()
    summary = summary_of(rendered_page(plan), plan.code)
    gates = summary.split("### Phases and gates", 1)[1].split("### Rollback", 1)[0]
    for phase in plan.phases:
        assert phase.gate, (code, phase.number)
        head = f"- **Phase {phase.number}, {phase.title}** ([{len(phase.gate)} criteria](#{code}-gate-{phase.number})):"
        assert head in gates
        listed = gates.split(head, 1)[1].split("\n- **Phase", 1)[0]
        assert [line.removeprefix("  - ") for line in listed.strip("\n").splitlines() if line] == [
            escape_myst(c) for c in phase.gate
        ]
    backup = next(s for s in plan.steps if s.id == "backup")
    rollback = " ".join(summary.split("### Rollback", 1)[1].split("### Accepted risks", 1)[0].split())
    assert (
        f"If the step-by-step rollback fails, restore site {plan.code} from the backup of "
        f"[step {backup.number}](#{code}-backup) (procedure to confirm before the window opens)."
    ) in rollback


@pytest.mark.parametrize("path", SITE_INPUTS, ids=lambda p: p.stem)
def test_the_scope_table_follows_the_run_order(path: Path) -> None:
    plan = example_plan(path)
    code = plan.code.lower()
    page = rendered_page(plan)
    scope = page[page.index(f"({code}-scope)=") : page.index(f"({code}-phase-1)=")]
    cells = re.findall(r"^\* - (.+)$", scope, re.MULTILINE)[1:]  # the header row first
    included = len(plan.steps)
    assert cells[:included] == [f"[{s.number}](#{code}-{s.id})" for s in plan.steps]
    assert cells[included:] == ["—"] * (len(plan.decisions) - included)
    assert included < len(plan.decisions), "each example leaves some step out"


def test_the_summary_is_plain_language(cen_page: tuple[SitePlan, str]) -> None:
    _, page = cen_page
    summary = summary_of(page)
    assert "yaml" not in summary.lower()
    assert not re.search(r"\[[a-z-]+\]", summary), "no diagnostic codes"
    assert not re.search(r"servers\\?\[\d", summary), "no input paths"
    assert "webdav-manual" not in summary
    assert "WebDAV must be set up by hand" in summary


def test_every_to_confirm_note_is_rolled_up(cen_page: tuple[SitePlan, str]) -> None:
    plan, page = cen_page
    notes = page.count(":::{to-confirm}")
    work = [
        text
        for s in plan.steps
        for text in dict.fromkeys([*(i.text for i in (*s.work.verification, *s.work.rollback)), *s.work.evidence])
        if "to confirm" in text.lower()
    ]
    items = summary_of(page).split("### To confirm", 1)[1]
    assert notes > 5 and work
    assert items.count("\n- ") == notes + len(work)
    for text in work:
        assert escape_myst(text) in items


def test_every_changing_step_shows_owner_checks_evidence_and_rollback(cen_page: tuple[SitePlan, str]) -> None:
    plan, page = cen_page
    for step in plan.steps:
        section = re.split(r"\n\(cen-[a-z0-9-]+\)=\n", page.split(f"(cen-{step.id})=\n", 1)[1], maxsplit=1)[0]
        assert f"**Owner:** {escape_myst(step.owner)}" in section
        assert "#### Verification" in section, step.id
        if step.changes:
            assert "#### Rollback" in section, step.id


def test_every_phase_closes_with_a_gate(cen_page: tuple[SitePlan, str]) -> None:
    plan, page = cen_page
    for phase in plan.phases:
        assert f"(cen-gate-{phase.number})=\n### Go/no-go: end of phase {phase.number}" in page
