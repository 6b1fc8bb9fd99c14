"""The change-board summary: what a board member approves from, in plain language.

Everything here is read off the site plan (teams, counts, phases, accounts,
warnings) or off the rendered steps (their "to confirm" notes), so the summary
can never disagree with the runbook below it.  Input paths, diagnostic codes
and ``file:line`` stay in the author's appendix.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.derive.checklist import StepId
from generator.derive.checklist.instructions import numbers
from generator.derive.checklist.work import TEAMS, Team
from generator.diagnostics import Diagnostic
from generator.model.vocabulary import SUPPORTED_FEATURES, UNSUPPORTED_FEATURES
from generator.plan import SitePlan
from generator.plan.acknowledgements import ACKNOWLEDGEMENT_CODES
from generator.plan.phases import PhasePlan
from generator.plan.review import PLAN_RULES
from generator.render.escape import Myst, escape_myst
from generator.render.myst import label, list_table
from generator.validate.rules import SITE_RULES

TO_CONFIRM = re.compile(r"^:::\{to-confirm\}\n(.*?)\n:::$", re.MULTILINE | re.DOTALL)
"""A note of ``templates/partials/to-confirm.md.j2``, as rendered in a step body."""
CODE_BLOCK = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1$", re.MULTILINE | re.DOTALL)
"""A fenced code block (the command of a to-confirm note): the summary keeps only the note's words."""

WARNING_NUMBER = re.compile(r"^warning \d+: ")


@dataclass(frozen=True)
class TeamChanges:
    """One team's part of the change."""

    team: str
    steps: tuple[Myst, ...]
    """Links to the steps the team owns."""
    changes: tuple[str, ...]
    """What the team changes, with counts."""


@dataclass(frozen=True)
class PhaseRow:
    number: int
    title: str
    link: Myst
    steps: tuple[Myst, ...]
    """Links to its steps, by number."""
    owners: tuple[str, ...]
    minutes: int
    planned: str | None
    """Planned start–end (None without a change window)."""
    gate: tuple[str, ...]
    gate_link: Myst


@dataclass(frozen=True)
class WarningGroup:
    """One kind of warning and what it is about: every server, cluster or feature it hits, one admonition."""

    text: str
    subjects: tuple[str, ...]
    step: Myst | None = None
    """A link to the step the warning concerns (:meth:`SitePlan.warning_step`), or None when it concerns only the
    site input."""


@dataclass(frozen=True)
class StepWarning:
    """One kind of warning at the top of the step it concerns, with every subject it hits there."""

    text: str
    subjects: tuple[str, ...]
    accepted_by: str | None = None
    """Who accepted it, when the change board did (then it is shown as a note, not a warning)."""
    reason: str | None = None
    """Why the change board accepted it."""


@dataclass(frozen=True)
class AcceptedRow:
    text: str
    subject: str | None
    reason: str
    by: str
    step: Myst | None = None
    """A link to the step the accepted warning concerns, or None."""


@dataclass(frozen=True)
class ConfirmItem:
    """A "to confirm" note of a step."""

    step: Myst
    text: Myst


@dataclass(frozen=True)
class SummaryView:
    window: str | None
    """The change window, ``2026-12-12 18:00 – 2026-12-13 06:00 (UTC+00:00)``."""
    teams: tuple[TeamChanges, ...]
    phases: tuple[PhaseRow, ...]
    phases_table: Myst
    """The phases with their steps, owners, estimates, planned times and a link to each gate."""
    work_duration: str
    """The estimates of the phases that run in the window (all but phase 1)."""
    window_duration: str | None
    fits_window: bool | None
    rollback_steps: tuple[Myst, ...]
    """Links to the steps that change something, last first: the order to undo them."""
    backup_step: Myst | None
    """``[step 3](#cen-backup)``: the backup to restore the site from when the step-by-step rollback fails; None when
    the runbook has no backup step (a plugged-in checklist)."""
    accepted: tuple[AcceptedRow, ...]
    open_warnings: tuple[WarningGroup, ...]
    to_confirm: tuple[ConfirmItem, ...]


def duration(minutes: int) -> str:
    """``2 h 15 min``."""
    hours, rest = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part) or "0 min"


def _time(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _planned(phase: PhasePlan) -> str | None:
    if phase.start is None or phase.end is None:
        return None
    return f"{_time(phase.start)} – {_time(phase.end)}"


def _team_changes(plan: SitePlan) -> dict[Team, list[str]]:
    """What each kind of team changes, with counts, read off the plan."""
    network = plan.network
    topo = plan.site.topology
    changes: dict[Team, list[str]] = {team: [] for team in TEAMS}
    for name, _ in network.firewalls:
        rules = network.rules_for(name)
        if rules:
            changes["firewall"].append(
                f"{len(rules)} {'rule' if len(rules) == 1 else 'rules'} on {name} "
                f"({len(network.firewall_rules(name))} flows), numbered {numbers(r.number for r in rules)}"
            )
    proxy = topo.model.network.reverse_proxy
    if proxy is not None:
        changes["firewall"].append(f"publish {len(proxy.publishes)} site systems on the reverse proxy {proxy.name}")
    holders = {s.name for s in topo.model.servers} | {c.name for c in topo.model.nlb_clusters}
    public = [r for r in network.dns_records if r.scope == "public" and r.holder in holders]
    if public:
        missing = sum(1 for r in public if r.value is None)
        changes["dns"].append(
            f"{len(public)} public DNS records" + (f", {missing} still without an address" if missing else "")
        )
    other = [r for r in network.dns_records if r.scope != "public"]
    if other:
        changes["dns"].append(f"{len(other)} intranet names to check (they must resolve from the site server)")
    new = [c for c in network.certificates if c.status == "new"]
    existing = [c for c in network.certificates if c.status == "existing"]
    if new or existing:
        changes["pki"].append(f"{len(new)} new certificates, {len(existing)} existing ones to verify")
    crl_hosts = [r.name for r in network.dns_records if r.scope == "public" and r.holder not in holders]
    if crl_hosts:
        changes["pki"].append(f"the CRL host {', '.join(crl_hosts)} resolves and answers from the Internet")
    servers = topo.internet_servers
    if servers:
        roles = sum(len(topo.internet_roles(s)) for s in servers)
        changes["configmgr"].append(
            f"{len(servers)} site systems changed ({', '.join(s.name for s in servers)}), "
            f"{roles} roles configured for Internet clients"
        )
    if plan.accounts:
        unnamed = sum(1 for a in plan.accounts if a.name is None)
        changes["directory"].append(
            f"{len(plan.accounts)} accounts" + (f", {unnamed} still to be named" if unnamed else "")
        )
    if plan.includes("sql-replica") and topo.replica_server is not None:
        changes["database"].append(f"1 SQL Server replica of the site database on {topo.replica_server.name}")
    return changes


WARNING_DESCRIPTIONS = {c.name: c.description for c in (*SITE_RULES.codes, *PLAN_RULES.codes, *ACKNOWLEDGEMENT_CODES)}


def _warning_text(warning: Diagnostic) -> str:
    """The plain-language kind of a warning: its code's description, without "warning N:"."""
    text = WARNING_NUMBER.sub("", WARNING_DESCRIPTIONS.get(warning.code, warning.message))
    return text[:1].upper() + text[1:]


def _subject(subject: str | None) -> str | None:
    """A warning's subject in words: a feature by its title, a server or cluster by its name."""
    if subject is None:
        return None
    for titles in (SUPPORTED_FEATURES, UNSUPPORTED_FEATURES):
        for key, title in titles.items():
            if key == subject:
                return title
    return subject


def summary_view(plan: SitePlan, bodies: Mapping[StepId, str]) -> SummaryView:
    """The summary of ``plan``; ``bodies``: each included step's rendered MyST, by step id."""
    code = plan.code
    teams = plan.site.model.teams
    link: dict[str, Myst] = {s.id: Myst(f"[{s.number}](#{label(code, s.id)})") for s in plan.steps}
    changes = _team_changes(plan)
    team_rows = []
    for team in TEAMS:
        owned = tuple(link[s.id] for s in plan.steps if s.decision.step.owner == team)
        if owned or changes[team]:
            team_rows.append(TeamChanges(getattr(teams, team), owned, tuple(changes[team])))
    phases = summary_phases(plan)
    table = list_table(
        ["Phase", "Steps", "Owners", "Estimate", "Planned", "Go/no-go"],
        [
            [p.link, Myst(", ".join(p.steps)), "; ".join(p.owners), duration(p.minutes), p.planned, p.gate_link]
            for p in phases
        ],
        widths=[22, 12, 22, 10, 20, 14],
    )
    window = plan.site.model.change.window if plan.site.model.change else None
    work = sum(p.minutes for p in plan.phases if p.number != 1)
    window_minutes = int((window.end - window.start).total_seconds() // 60) if window else None
    return SummaryView(
        window=f"{_time(window.start)} – {_time(window.end)} (UTC{window.start.isoformat()[-6:]})" if window else None,
        teams=tuple(team_rows),
        phases=phases,
        phases_table=table,
        work_duration=duration(work),
        window_duration=duration(window_minutes) if window_minutes is not None else None,
        fits_window=work <= window_minutes if window_minutes is not None else None,
        rollback_steps=tuple(link[s.id] for s in reversed(plan.steps) if s.changes),
        backup_step=next(
            (Myst(f"[step {s.number}](#{label(code, s.id)})") for s in plan.steps if s.id == "backup"), None
        ),
        accepted=tuple(
            AcceptedRow(
                _warning_text(r.warning), _subject(r.warning.subject), r.reason, r.by, step_link(plan, r.warning)
            )
            for r in plan.accepted
        ),
        open_warnings=warning_groups(plan, plan.open_warnings),
        to_confirm=tuple(to_confirm_items(plan, bodies, link)),
    )


def step_link(plan: SitePlan, warning: Diagnostic) -> Myst | None:
    """``[step 8](#cen-server-prerequisites)``: the step ``warning`` concerns, or None."""
    step_id = plan.warning_step(warning)
    if step_id is None:
        return None
    step = next(s for s in plan.steps if s.id == step_id)
    return Myst(f"[step {step.number}](#{label(plan.code, step.id)})")


def warning_groups(plan: SitePlan, warnings: Sequence[Diagnostic]) -> tuple[WarningGroup, ...]:
    """``warnings`` grouped by kind, in order of first appearance: one group per kind of warning (and step), with
    every subject it hits, so a warning about three servers is one admonition that names the three."""
    groups: dict[tuple[str, Myst | None], list[str]] = {}
    for warning in warnings:
        subjects = groups.setdefault((_warning_text(warning), step_link(plan, warning)), [])
        subject = _subject(warning.subject)
        if subject and subject not in subjects:
            subjects.append(subject)
    return tuple(WarningGroup(text, tuple(subjects), step) for (text, step), subjects in groups.items())


def step_warnings(plan: SitePlan) -> dict[StepId, tuple[StepWarning, ...]]:
    """Step id -> the warnings it concerns, grouped by kind (open ones apart from those accepted, which are grouped
    by who accepted them and why), in the order of the warnings."""
    accepted = {risk.warning: risk for risk in plan.accepted}
    groups: dict[tuple[StepId, str, str | None, str | None], list[str]] = {}
    for warning in plan.warnings:
        step_id = plan.warning_step(warning)
        if step_id is None:
            continue
        risk = accepted.get(warning)
        key = (step_id, _warning_text(warning), risk.by if risk else None, risk.reason if risk else None)
        subjects = groups.setdefault(key, [])
        subject = _subject(warning.subject)
        if subject and subject not in subjects:
            subjects.append(subject)
    by_step: dict[StepId, list[StepWarning]] = {}
    for (step_id, text, by, reason), subjects in groups.items():
        by_step.setdefault(step_id, []).append(StepWarning(text, tuple(subjects), by, reason))
    return {step_id: tuple(items) for step_id, items in by_step.items()}


def summary_phases(plan: SitePlan) -> tuple[PhaseRow, ...]:
    """The phases as the summary's table shows them."""
    code = plan.code.lower()
    return tuple(
        PhaseRow(
            p.number,
            p.title,
            Myst(f"[{p.number} {p.title}](#{code}-phase-{p.number})"),
            tuple(Myst(f"[{s.number}](#{label(plan.code, s.id)})") for s in p.steps),
            tuple(dict.fromkeys(s.owner for s in p.steps)),
            p.minutes,
            _planned(p),
            p.gate,
            Myst(f"[{len(p.gate)} {'criterion' if len(p.gate) == 1 else 'criteria'}](#{code}-gate-{p.number})"),
        )
        for p in plan.phases
    )


def to_confirm_items(plan: SitePlan, bodies: Mapping[StepId, str], links: Mapping[str, Myst]) -> Sequence[ConfirmItem]:
    """Every "to confirm" note of the runbook, in runbook order: the notes of the rendered step texts, then the
    checks, evidence and rollback actions of the step that say what is still to confirm."""
    items = []
    for step in plan.steps:
        items += [
            ConfirmItem(links[step.id], Myst(" ".join(CODE_BLOCK.sub("", match.group(1)).split())))
            for match in TO_CONFIRM.finditer(bodies[step.id])
        ]
        work = step.work
        texts = [i.text for i in (*work.verification, *work.rollback)] + list(work.evidence)
        items += [
            ConfirmItem(links[step.id], Myst(escape_myst(text)))
            for text in dict.fromkeys(texts)
            if "to confirm" in text.lower()
        ]
    return items
