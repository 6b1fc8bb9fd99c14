"""CSV exports of the plan for the firewall, DNS and PKI teams.

Teams paste these into spreadsheets and change tickets, so every cell goes
through :func:`generator.render.escape.neutralise_csv_cell` (no formula injection) and
the files are plain ``\\n``-terminated CSV with a header row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from generator.derive.network.plan import NetworkPlan
from generator.derive.network.rules import address_text, flow_numbers, nat_at, nat_text
from generator.plan import SitePlan
from generator.render.escape import neutralise_csv_cell
from generator.render.filenames import firewall_parts, slug

FIREWALL_HEADER = (
    "flow",
    "source",
    "source_zone",
    "source_address",
    "destination",
    "destination_zone",
    "destination_address",
    "nat",
    "protocol",
    "port",
    "direction",
    "purpose",
    "step",
    "note",
    "flow_id",
    "rule",
)
"""The flows through one firewall: ``flow`` numbers them as the flow table does, ``rule`` is the grouped rule that
covers the flow (``<code>-<firewall>-rules.csv``)."""
RULES_HEADER = (
    "rule",
    "source_group",
    "sources",
    "source_addresses",
    "source_zone",
    "destination_group",
    "destinations",
    "destination_addresses",
    "destination_zone",
    "nat",
    "services",
    "direction",
    "purpose",
    "flows",
    "flow_ids",
)
"""The grouped rules of one firewall; list cells are joined with ``; `` and ``flows`` gives the flow numbers."""
DNS_HEADER = ("scope", "name", "type", "value", "holder", "purpose", "note")
CERTIFICATE_HEADER = ("holder", "kind", "status", "names", "purpose", "eku", "bound_to", "note")
UNASSIGNED = "to be assigned"
LIST_SEPARATOR = "; "


def safe_filename_part(name: str) -> str:
    """The bare slug of ``name`` (letters, digits, ``_`` and ``-``); file names use :func:`firewall_file_parts`,
    which adds a hash whenever the slug alone could clash."""
    return slug(name) or "firewall"


def firewall_file_parts(site_code: str, plan: NetworkPlan) -> Mapping[str, str]:
    """The file-name part of each firewall (:func:`generator.render.filenames.file_part`), shared by its CSV files
    and configurations: never a clash with the site's fixed files, with each other or with a device name."""
    fixed = (dns_csv_filename(site_code), certificates_csv_filename(site_code), f"{site_code}-plan.json")
    return firewall_parts(site_code, (fw.name for fw in plan.firewall_infos), fixed)


def _csv_filenames(site_code: str, plan: NetworkPlan) -> tuple[dict[str, str], dict[str, str]]:
    """(flow CSV, grouped rules CSV) per firewall name."""
    parts = firewall_file_parts(site_code, plan)
    flows = {name: f"{site_code}-{part}.csv" for name, part in parts.items()}
    rules = {name: f"{site_code}-{part}-rules.csv" for name, part in parts.items()}
    return flows, rules


def firewall_csv_filenames(site_code: str, plan: NetworkPlan) -> dict[str, str]:
    """``<site-code>-<firewall-part>.csv`` per firewall name: its flows."""
    return _csv_filenames(site_code, plan)[0]


def firewall_rules_csv_filenames(site_code: str, plan: NetworkPlan) -> dict[str, str]:
    """``<site-code>-<firewall-part>-rules.csv`` per firewall name: its grouped rules, never clashing with a flow
    file, the DNS or the certificate file."""
    return _csv_filenames(site_code, plan)[1]


def dns_csv_filename(site_code: str) -> str:
    return f"{site_code}-dns.csv"


def certificates_csv_filename(site_code: str) -> str:
    return f"{site_code}-certificates.csv"


def _csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise_csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise_csv_cell(cell) for cell in row])
    return buffer.getvalue()


def firewall_csv(plan: SitePlan, firewall_name: str) -> str:
    """The flows through one firewall as CSV, with their addresses, NAT and the rule that covers each."""
    network = plan.network
    rule_of = {flow_id: r.number for r in network.rules_for(firewall_name) for flow_id in r.flow_ids}
    rows = [
        (
            n,
            f.source,
            f.source_zone,
            address_text(f.source, f.source_ref, f.source_address),
            f.destination,
            f.destination_zone,
            address_text(f.destination, f.destination_ref, f.destination_address),
            nat_text(nat_at(f, firewall_name)),
            f.protocol,
            f.port,
            network.direction(f, firewall_name),
            f.purpose,
            plan.step_of(f),
            f.note or "",
            f.id,
            rule_of[f.id],
        )
        for n, f in enumerate(network.firewall_rules(firewall_name), start=1)
    ]
    return _csv_text(FIREWALL_HEADER, rows)


def firewall_rules_csv(plan: SitePlan, firewall_name: str) -> str:
    """The grouped rules of one firewall as CSV, each with the flows it covers."""
    network = plan.network
    rows = [
        (
            r.number,
            r.source_group or "",
            _joined(e.name for e in r.sources),
            _joined(e.address_text for e in r.sources),
            r.source_zone,
            r.destination_group or "",
            _joined(e.name for e in r.destinations),
            _joined(e.address_text for e in r.destinations),
            r.destination_zone,
            _joined(nat_text(e.nat) for e in r.destinations if e.nat),
            _joined(r.service_texts),
            r.direction,
            r.purpose,
            _joined(str(n) for n in flow_numbers(r, network.flows)),
            _joined(r.flow_ids),
        )
        for r in network.rules_for(firewall_name)
    ]
    return _csv_text(RULES_HEADER, rows)


def _joined(items: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(items)


def dns_csv(plan: NetworkPlan) -> str:
    rows = [
        (r.scope, r.name, r.type, r.value or UNASSIGNED, r.holder, r.purpose, r.note or "") for r in plan.dns_records
    ]
    return _csv_text(DNS_HEADER, rows)


def certificates_csv(plan: NetworkPlan) -> str:
    rows = [
        (c.holder, c.kind, c.status, "; ".join(c.names), c.purpose, c.eku, c.bound_to, c.note or "")
        for c in plan.certificates
    ]
    return _csv_text(CERTIFICATE_HEADER, rows)


def csv_files(plan: SitePlan) -> dict[str, str]:
    """File name to CSV text: the flows of each firewall, the grouped rules of each firewall, DNS, certificates."""
    flow_names, rule_names = _csv_filenames(plan.code, plan.network)
    files = {filename: firewall_csv(plan, name) for name, filename in flow_names.items()}
    files.update({filename: firewall_rules_csv(plan, name) for name, filename in rule_names.items()})
    files[dns_csv_filename(plan.code)] = dns_csv(plan.network)
    files[certificates_csv_filename(plan.code)] = certificates_csv(plan.network)
    return files
