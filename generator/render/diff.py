"""Views of a plan diff (:mod:`generator.plan.diff`): text for the terminal, JSON for tools, MyST for the runbook.

All three list the same sections in the same order (:data:`generator.plan.diff.COMPARATORS`),
each change marked ``+`` added, ``-`` removed or ``~`` changed in the text
view.  The JSON has sorted keys and the plan's stable list order, so the same
inputs give the same bytes.  The MyST view escapes every value like every
other generated page: user text goes into table cells and escaped paragraphs,
never into a directive argument.
"""

from __future__ import annotations

from typing import Any

from generator.plan.diff import CHANGE_KINDS, Baseline, Entry, FieldChange, PlanDiff, SectionDiff, Side, Value
from generator.render.escape import Myst, escape_myst, myst_code
from generator.render.myst import list_table

DIFF_SCHEMA = 1
MARKERS = {"added": "+", "removed": "-", "changed": "~"}
NOUNS = {
    "steps": "Step",
    "flows": "Flow",
    "firewall_rules": "Rule",
    "dns_records": "Record",
    "certificates": "Certificate",
    "accounts": "Account",
    "warnings": "Warning",
}
"""The table header naming one item of a section (MyST view)."""
NOTHING = "—"


def value_text(value: Value) -> str:
    """A compared value as one line: lists joined with commas, nothing as a dash."""
    if value is None or value == "" or value == ():
        return NOTHING
    return ", ".join(value) if isinstance(value, tuple) else value


def counts_text(section: SectionDiff) -> str:
    """``1 added, 2 changed``."""
    return ", ".join(f"{section.count(kind)} {kind}" for kind in CHANGE_KINDS if section.count(kind))


def section_heading(section: SectionDiff, group: str | None) -> str:
    """``Flows``, or ``Grouped firewall rules on FW-EDGE`` for a group."""
    return f"{section.title} on {group}" if group is not None else section.title


def change_text(change: FieldChange) -> str:
    """``value: 203.0.113.21 (was 203.0.113.11)``, the new value first as the change board approves it; for lists
    what was added and removed: ``services: added TCP 8443; removed TCP 443``."""
    old, new = change.old, change.new
    if isinstance(old, tuple) and isinstance(new, tuple):
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        parts = [f"{word} {', '.join(values)}" for word, values in (("added", added), ("removed", removed)) if values]
        if parts:
            return f"{change.field}: {'; '.join(parts)}"
    return f"{change.field}: {value_text(new)} (was {value_text(old)})"


def entry_details(entry: Entry) -> list[str]:
    """What an entry says besides its label: the changed values, or the item's summary."""
    if entry.change == "changed":
        return [change_text(c) for c in entry.changes]
    return [entry.item.summary] if entry.item.summary else []


def _unchanged(diff: PlanDiff) -> list[str]:
    return [s.title for s in diff.sections if not s.entries]


# --- text ---------------------------------------------------------------------------------------


def format_diff_text(diff: PlanDiff) -> str:
    """The diff for a terminal: one block per section with changes, ``+``/``-``/``~`` per item."""
    out = [f"Changes from {diff.old.source} to {diff.new.source} ({_site(diff.new)})"]
    if diff.old.code != diff.new.code:
        out.append(f"Note: the old input is {_site(diff.old)}.")
    if diff.identical:
        out += [
            "",
            "No changes: the steps, flows, firewall rules, DNS records, certificates, accounts and "
            "warnings are the same.",
        ]
        return "\n".join(out) + "\n"
    for section in diff.sections:
        for group, entries in section.groups():
            part = SectionDiff(section.id, section.title, entries, section.grouped_by)
            out += ["", f"{section_heading(section, group)}: {counts_text(part)}"]
            for entry in entries:
                out.append(f"  {MARKERS[entry.change]} {entry.item.label}")
                out += [f"      {line}" for line in entry_details(entry)]
    unchanged = _unchanged(diff)
    if unchanged:
        out += ["", f"Unchanged: {', '.join(unchanged)}."]
    return "\n".join(out) + "\n"


def _site(side: Side) -> str:
    return f"site {side.code} – {side.name}"


# --- JSON ---------------------------------------------------------------------------------------


def _json_value(value: Value) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _json_fields(pairs: tuple[tuple[str, Value], ...]) -> dict[str, Any]:
    return {name.replace(" ", "_"): _json_value(value) for name, value in pairs}


def entry_json(entry: Entry) -> dict[str, Any]:
    """One change: the item's identity, label, values and numbers; for a change, the old and new values."""
    item = entry.item
    data: dict[str, Any] = {
        "label": item.label,
        "summary": item.summary,
        "identity": _json_fields(item.identity),
        "values": _json_fields(item.values),
        "info": _json_fields(item.info),
    }
    if entry.change == "changed":
        data["changes"] = {
            c.field.replace(" ", "_"): {"old": _json_value(c.old), "new": _json_value(c.new)} for c in entry.changes
        }
    return data


def diff_to_json(diff: PlanDiff) -> dict[str, Any]:
    """The diff for tools (docs/usage.md, "ibcm-runbook diff"); dump it with ``plan_json.dump_json``."""

    def side(s: Side) -> dict[str, Any]:
        return {"source": s.source, "site": {"code": s.code, "name": s.name}}

    return {
        "schema": DIFF_SCHEMA,
        "old": side(diff.old),
        "new": side(diff.new),
        "identical": diff.identical,
        "sections": {
            section.id: {
                "title": section.title,
                **{kind: [entry_json(e) for e in section.entries if e.change == kind] for kind in CHANGE_KINDS},
            }
            for section in diff.sections
        },
    }


# --- MyST ---------------------------------------------------------------------------------------


def diff_myst(diff: PlanDiff) -> Myst:
    """The diff as MyST: a summary paragraph, then a table per section (and per firewall) with changes."""
    lines = [
        f"Compared with {myst_code(diff.old.source)} ({escape_myst(_site(diff.old))}), "
        f"{myst_code(diff.new.source)} has these changes."
    ]
    if diff.identical:
        lines = [
            f"Nothing this runbook lists changed since {myst_code(diff.old.source)}: the steps, flows, firewall "
            "rules, DNS records, certificates, accounts and warnings are the same."
        ]
    for section in diff.sections:
        for group, entries in section.groups():
            part = SectionDiff(section.id, section.title, entries, section.grouped_by)
            heading = escape_myst(section_heading(section, group))
            lines += ["", f"**{heading}**: {escape_myst(counts_text(part))}.", ""]
            rows = [[entry.change, entry.item.label, "; ".join(entry_details(entry))] for entry in entries]
            table = list_table(
                ["Change", NOUNS.get(section.id, "Item"), "Details"], rows, widths=[10, 40, 50], long=True
            )
            lines.append(table.rstrip("\n"))
    unchanged = _unchanged(diff)
    if unchanged and not diff.identical:
        lines += ["", f"Unchanged: {escape_myst(', '.join(unchanged))}."]
    return Myst("\n".join(lines) + "\n")


def baseline_myst(baseline: Baseline) -> Myst:
    """The body of the runbook's "Changes since the approved revision" section: the diff, or why it is missing."""
    if baseline.diff is None:
        return Myst(
            f"The approved revision {myst_code(baseline.revision)} could not be read: "
            f"{escape_myst((baseline.problem or 'unknown reason').rstrip('.'))}. The changes since it are not shown.\n"
        )
    return diff_myst(baseline.diff)
