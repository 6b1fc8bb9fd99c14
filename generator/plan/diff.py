"""What changed between two plans of a site, for the change board (``ibcm-runbook diff``, ``change.baseline``).

Data only: the views (text, JSON, MyST) are in :mod:`generator.render.diff`.

Each kind of thing a runbook lists is one :class:`Comparator` in
:data:`COMPARATORS`: it turns a plan into :class:`Item` values, each with a
stable identity (its ``key``) and the values compared under that identity.  An
item whose key is only in the new plan is *added*, only in the old one
*removed*, in both with other values *changed*.  Identities never use what
moves when something else changes (flow and rule numbers, input line numbers),
so one edit to a site input shows as the few changes it makes.  A grouped rule
whose sources or destinations changed (a server joined an object group) has no
exact match; it is paired, as *changed*, with the one rule of the other plan on
the same firewall, for the same purpose, with the same other side:

| Section | Identity | Compared |
|---|---|---|
| steps | step id | (added or removed only) |
| flows | source, destination (what they are, not only their names), protocol, port | firewalls, zones, purpose, addresses, NAT |
| grouped rules, per firewall | firewall, sources, destinations, purpose family | services, object group names, addresses and NAT |
|   … else | firewall, purpose family, and the same sources or the same destinations | also the other side |
| DNS records | scope, name, type | value, holder |
| certificates | holder, kind | names |
| accounts | kind (installation accounts: kind and the servers that use it) | name (and holders) |
| warnings | code, message (not the location: lines move) | (added or removed only) |

A new collection is one more comparator in the list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from generator.derive.network.flows import Flow
from generator.derive.network.rules import FirewallRule, RuleEndpoint, address_text, nat_text
from generator.plan import SitePlan

Value = str | tuple[str, ...] | None
"""A compared value: text, a list of texts, or nothing (shown as a dash)."""
ChangeKind = Literal["added", "removed", "changed"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("added", "removed", "changed")
"""The kinds of change, in the order every view lists them."""


@dataclass(frozen=True)
class Item:
    """One thing of a plan as the diff compares it."""

    key: tuple[str, ...]
    """The identity, normalised for matching (names compared as the pipeline compares them)."""
    identity: tuple[tuple[str, Value], ...]
    """The identity as the reader knows it: (field, value) with names as written."""
    label: str
    """How the views name it in one line."""
    summary: str = ""
    """What the views say of it when it is added or removed, in one line."""
    values: tuple[tuple[str, Value], ...] = ()
    """(field, value) compared under the same identity, in display order."""
    info: tuple[tuple[str, Value], ...] = ()
    """(field, value) shown but not compared (numbers and locations that move when other things change)."""
    group: str | None = None
    """The firewall of a grouped rule; None elsewhere."""
    aliases: tuple[tuple[str, ...], ...] = ()
    """Looser identities, tried in order for items without an exact match: an unmatched item pairs with the one
    unmatched item of the other plan that has the same alias, if there is exactly one."""


@dataclass(frozen=True)
class FieldChange:
    """One compared value that differs between the old and the new item."""

    field: str
    old: Value
    new: Value


@dataclass(frozen=True)
class Entry:
    """One change: an item added or removed, or changed with the values that differ."""

    change: ChangeKind
    item: Item
    """The new item; the old one when it was removed."""
    changes: tuple[FieldChange, ...] = ()
    """For ``changed``: the values that differ, in display order."""


@dataclass(frozen=True)
class SectionDiff:
    """The changes of one kind of thing (flows, DNS records, …), in a stable order."""

    id: str
    title: str
    entries: tuple[Entry, ...]
    grouped_by: str | None = None
    """What :attr:`Item.group` names (``firewall``), when the section is shown per group."""

    def count(self, change: ChangeKind) -> int:
        return sum(1 for e in self.entries if e.change == change)

    def groups(self) -> list[tuple[str | None, tuple[Entry, ...]]]:
        """The entries per group, in entry order (one group, None, when the section is not grouped)."""
        found: dict[str | None, list[Entry]] = {}
        for entry in self.entries:
            found.setdefault(entry.item.group, []).append(entry)
        return [(group, tuple(entries)) for group, entries in found.items()]


@dataclass(frozen=True)
class Side:
    """Where one of the two plans came from."""

    source: str
    """The input as diagnostics name it: a path, or ``REV:path`` for a git revision."""
    code: str
    name: str


@dataclass(frozen=True)
class PlanDiff:
    """Every change from the old plan to the new one, per section (:data:`COMPARATORS` order)."""

    old: Side
    new: Side
    sections: tuple[SectionDiff, ...]

    @property
    def identical(self) -> bool:
        """Nothing the runbook lists changed (the input text may still differ, for example in comments)."""
        return not any(s.entries for s in self.sections)

    def section(self, section_id: str) -> SectionDiff:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)


@dataclass(frozen=True)
class Baseline:
    """The approved revision a site's ``change.baseline`` names, and what changed since (or why that is unknown)."""

    revision: str
    diff: PlanDiff | None
    """None when the revision could not be read or planned; :attr:`problem` says why."""
    problem: str | None = None


@dataclass(frozen=True)
class Comparator:
    """One kind of thing the runbook lists, as the diff compares it."""

    id: str
    """The section id (the JSON key)."""
    title: str
    items: Callable[[SitePlan], Sequence[Item]]
    grouped_by: str | None = None


# --- the comparators ----------------------------------------------------------------------------


def step_items(plan: SitePlan) -> list[Item]:
    """The included steps: added or removed, by id."""
    return [
        Item(
            key=(step.id,),
            identity=(("id", step.id),),
            label=f"{step.title} [{step.id}]",
            summary=f"step {step.number}",
            info=(("step", str(step.number)),),
        )
        for step in plan.steps
    ]


def _nat(flow: Flow) -> str | None:
    return nat_text(flow.nat) or None


def _flow_summary(flow: Flow) -> str:
    addresses = (
        f"{address_text(flow.source, flow.source_ref, flow.source_address)} → "
        f"{address_text(flow.destination, flow.destination_ref, flow.destination_address)}"
    )
    nat = f", NAT {nat_text(flow.nat)}" if flow.nat else ""
    return f"{', '.join(flow.firewalls) or 'no firewall'}: {flow.purpose} ({addresses}{nat})"


def flow_items(plan: SitePlan) -> list[Item]:
    """Every flow, by what its ends are (``source_ref``, ``destination_ref``), protocol and port."""
    return [
        Item(
            key=(_ref(f.source_ref, f.source), _ref(f.destination_ref, f.destination), f.protocol, f.port),
            identity=(
                ("source", f.source),
                ("destination", f.destination),
                ("protocol", f.protocol),
                ("port", f.port),
            ),
            label=f"{f.source} → {f.destination} {f.protocol} {f.port}".rstrip(),
            summary=_flow_summary(f),
            values=(
                ("firewalls", f.firewalls),
                ("source zone", f.source_zone),
                ("destination zone", f.destination_zone),
                ("purpose", f.purpose),
                ("source address", address_text(f.source, f.source_ref, f.source_address)),
                ("destination address", address_text(f.destination, f.destination_ref, f.destination_address)),
                ("nat", _nat(f)),
            ),
            info=(("id", f.id),),
        )
        for f in plan.network.flows
    ]


def _ref(ref: str, name: str) -> str:
    """As the flow builder folds flows: by ref, case-insensitively."""
    return (ref or f"name:{name}").upper()


def _names(endpoints: Sequence[RuleEndpoint]) -> tuple[str, ...]:
    return tuple(e.name for e in endpoints)


def _addresses(endpoints: Sequence[RuleEndpoint]) -> tuple[str, ...]:
    return tuple(f"{e.name} {e.address_text}" + (f" (NAT {nat_text(e.nat)})" if e.nat else "") for e in endpoints)


def rule_items(plan: SitePlan) -> list[Item]:
    """The grouped rules of each firewall, by firewall, sources, destinations and purpose family."""

    def item(rule: FirewallRule) -> Item:
        firewall = rule.firewall.upper()
        sources = "|".join(sorted(e.ref.upper() for e in rule.sources))
        destinations = "|".join(sorted(e.ref.upper() for e in rule.destinations))
        groups = [
            f"{side} group {name}"
            for side, name in (("source", rule.source_group), ("destination", rule.destination_group))
            if name
        ]
        return Item(
            key=(firewall, sources, destinations, rule.family),
            identity=(
                ("firewall", rule.firewall),
                ("sources", _names(rule.sources)),
                ("destinations", _names(rule.destinations)),
                ("purpose", rule.purpose),
            ),
            label=f"{', '.join(_names(rule.sources))} → {', '.join(_names(rule.destinations))}: {rule.purpose}",
            values=(
                ("services", tuple(rule.service_texts)),
                ("source group", rule.source_group),
                ("destination group", rule.destination_group),
                ("source addresses", _addresses(rule.sources)),
                ("destination addresses", _addresses(rule.destinations)),
            ),
            summary=f"rule {rule.number}: {rule.service_summary}" + "".join(f"; {g}" for g in groups),
            info=(("rule", str(rule.number)),),
            group=rule.firewall,
            aliases=(
                (firewall, rule.family, "sources", sources),
                (firewall, rule.family, "destinations", destinations),
            ),
        )

    return [item(rule) for rule in plan.network.grouped_rules]


def dns_items(plan: SitePlan) -> list[Item]:
    """The DNS records, by scope, name and type."""
    return [
        Item(
            key=(r.scope, r.name.lower(), r.type),
            identity=(("scope", r.scope), ("name", r.name), ("type", r.type)),
            label=f"{r.name} ({r.scope} {r.type})",
            summary=f"{r.value or 'to be assigned'} ({r.holder})",
            values=(("value", r.value or "to be assigned"), ("holder", r.holder)),
        )
        for r in plan.network.dns_records
    ]


def certificate_items(plan: SitePlan) -> list[Item]:
    """The certificate requests, by holder and kind."""
    return [
        Item(
            key=(c.holder.upper(), c.kind),
            identity=(("holder", c.holder), ("kind", c.kind)),
            label=f"{c.holder}: {c.kind.replace('_', ' ')} certificate",
            summary=", ".join(c.names) or "any unique name",
            values=(("names", c.names),),
        )
        for c in plan.network.certificates
    ]


def account_items(plan: SitePlan) -> list[Item]:
    """The accounts the change needs: one of each kind by kind; installation accounts, of which a site may have
    several, by the servers that use them (so a renamed account is a change, not a new account)."""
    items = []
    for account in plan.accounts:
        several = account.kind == "site_system_installation"
        holders = ", ".join(account.holders)
        items.append(
            Item(
                key=(account.kind, *sorted(h.upper() for h in account.holders)) if several else (account.kind,),
                identity=(("kind", account.kind), ("holders", account.holders))
                if several
                else (("kind", account.kind),),
                label=f"{account.title} of {holders}" if several else account.title,
                summary=f"{account.name or 'to be named'}" + ("" if several else f", used by {holders}"),
                values=(("name", account.name),) if several else (("name", account.name), ("holders", account.holders)),
            )
        )
    return items


def warning_items(plan: SitePlan) -> list[Item]:
    """The warnings, by code and message; their location is shown, not compared (lines move)."""
    return [
        Item(
            key=(w.code, w.message),
            identity=(("code", w.code), ("message", w.message)),
            label=f"{w.message} [{w.code}]",
            summary=str(w.location),
            info=(("location", str(w.location)),),
        )
        for w in plan.warnings
    ]


COMPARATORS: tuple[Comparator, ...] = (
    Comparator("steps", "Steps", step_items),
    Comparator("flows", "Flows", flow_items),
    Comparator("firewall_rules", "Grouped firewall rules", rule_items, grouped_by="firewall"),
    Comparator("dns_records", "DNS records", dns_items),
    Comparator("certificates", "Certificates", certificate_items),
    Comparator("accounts", "Accounts", account_items),
    Comparator("warnings", "Warnings", warning_items),
)
"""The sections of a diff, in the order every view shows them."""


# --- comparing ----------------------------------------------------------------------------------


def diff_plans(old: SitePlan, new: SitePlan, comparators: Sequence[Comparator] = COMPARATORS) -> PlanDiff:
    """Every change from ``old`` to ``new``, one section per comparator."""
    return PlanDiff(
        old=_side(old),
        new=_side(new),
        sections=tuple(
            SectionDiff(c.id, c.title, diff_items(c.items(old), c.items(new)), c.grouped_by) for c in comparators
        ),
    )


def _side(plan: SitePlan) -> Side:
    site = plan.site.model.site
    return Side(plan.site.source, site.code, site.name)


def diff_items(old: Sequence[Item], new: Sequence[Item]) -> tuple[Entry, ...]:
    """Added, removed and changed items, per group (new plan's order first), then per kind of change.

    Items match by key, then (those left) by each alias in turn.  Within a kind,
    added and changed items keep the new plan's order and removed ones the old
    plan's.  An identity that occurs twice in one plan is told apart by its
    occurrence.
    """
    old_keyed, new_keyed = _keyed(old), _keyed(new)
    old_by_key = dict(old_keyed)
    pairs: dict[int, int] = {}  # new position -> old position
    old_positions = {key: position for position, (key, _) in enumerate(old_keyed)}
    for position, (key, _) in enumerate(new_keyed):
        if key in old_by_key:
            pairs[position] = old_positions[key]
    for level in range(max((len(i.aliases) for i in (*old, *new)), default=0)):
        taken = set(pairs.values())
        loose_old = _by_alias([(p, item) for p, (_, item) in enumerate(old_keyed) if p not in taken], level)
        loose_new = _by_alias([(p, item) for p, (_, item) in enumerate(new_keyed) if p not in pairs], level)
        for alias, new_positions in loose_new.items():
            old_positions_left = loose_old.get(alias, [])
            if len(new_positions) == 1 and len(old_positions_left) == 1:
                pairs[new_positions[0]] = old_positions_left[0]
    entries: list[tuple[str | None, int, int, Entry]] = []
    for position, (_, item) in enumerate(new_keyed):
        if position not in pairs:
            entries.append((item.group, 0, position, Entry("added", item)))
            continue
        changes = _changes(old_keyed[pairs[position]][1], item)
        if changes:
            entries.append((item.group, 2, position, Entry("changed", item, changes)))
    matched = set(pairs.values())
    for position, (_, item) in enumerate(old_keyed):
        if position not in matched:
            entries.append((item.group, 1, position, Entry("removed", item)))
    groups = list(dict.fromkeys([i.group for i in new] + [i.group for i in old]))
    entries.sort(key=lambda e: (groups.index(e[0]), e[1], e[2]))
    return tuple(entry for *_, entry in entries)


def _keyed(items: Sequence[Item]) -> list[tuple[tuple[str, ...], Item]]:
    seen: dict[tuple[str, ...], int] = {}
    keyed = []
    for item in items:
        count = seen[item.key] = seen.get(item.key, 0) + 1
        keyed.append((item.key if count == 1 else (*item.key, f"#{count}"), item))
    return keyed


def _by_alias(items: list[tuple[int, Item]], level: int) -> dict[tuple[str, ...], list[int]]:
    found: dict[tuple[str, ...], list[int]] = {}
    for position, item in items:
        if level < len(item.aliases):
            found.setdefault(item.aliases[level], []).append(position)
    return found


def _changes(old: Item, new: Item) -> tuple[FieldChange, ...]:
    """The identity and values of ``new`` that differ from ``old`` (the identity differs only for an alias match)."""
    before = dict((*old.identity, *old.values))
    return tuple(
        FieldChange(name, before.get(name), value)
        for name, value in (*new.identity, *new.values)
        if before.get(name) != value
    )
