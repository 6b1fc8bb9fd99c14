"""CSV exports of the plan for the firewall, DNS and PKI teams.

Teams paste these into spreadsheets and change tickets, so every cell goes
through :func:`generator.render.escape.neutralise_csv_cell` (no formula injection) and
the files are plain ``\\n``-terminated CSV with a header row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from generator.derive.network.plan import NetworkPlan
from generator.plan import SitePlan
from generator.render.escape import neutralise_csv_cell

FIREWALL_HEADER = (
    "rule",
    "source",
    "source_zone",
    "destination",
    "destination_zone",
    "protocol",
    "port",
    "direction",
    "purpose",
    "step",
    "note",
    "flow_id",
)
DNS_HEADER = ("scope", "name", "type", "value", "holder", "purpose", "note")
CERTIFICATE_HEADER = ("holder", "kind", "names", "purpose", "eku", "bound_to", "note")
UNASSIGNED = "to be assigned"


def safe_filename_part(name: str) -> str:
    """Keep letters, digits, ``.``, ``_`` and ``-``; everything else becomes ``-``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "firewall"


def firewall_csv_filenames(site_code: str, plan: NetworkPlan) -> dict[str, str]:
    """``<site-code>-<firewall-name>.csv`` per firewall name (a role suffix only if two would clash)."""
    result: dict[str, str] = {}
    for fw in plan.firewall_infos:
        filename = f"{site_code}-{safe_filename_part(fw.name)}.csv"
        if filename.lower() in {f.lower() for f in result.values()}:
            filename = f"{site_code}-{safe_filename_part(fw.name)}-{fw.role}.csv"
        result.setdefault(fw.name, filename)
    return result


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
    """The rule table of one firewall as CSV."""
    network = plan.network
    rows = [
        (
            n,
            f.source,
            f.source_zone,
            f.destination,
            f.destination_zone,
            f.protocol,
            f.port,
            network.direction(f, firewall_name),
            f.purpose,
            plan.step_of(f),
            f.note or "",
            f.id,
        )
        for n, f in enumerate(network.firewall_rules(firewall_name), start=1)
    ]
    return _csv_text(FIREWALL_HEADER, rows)


def dns_csv(plan: NetworkPlan) -> str:
    rows = [
        (r.scope, r.name, r.type, r.value or UNASSIGNED, r.holder, r.purpose, r.note or "") for r in plan.dns_records
    ]
    return _csv_text(DNS_HEADER, rows)


def certificates_csv(plan: NetworkPlan) -> str:
    rows = [
        (c.holder, c.kind, "; ".join(c.names), c.purpose, c.eku, c.bound_to, c.note or "") for c in plan.certificates
    ]
    return _csv_text(CERTIFICATE_HEADER, rows)


def csv_files(plan: SitePlan) -> dict[str, str]:
    """File name to CSV text: one per firewall, then DNS and certificates."""
    names = firewall_csv_filenames(plan.code, plan.network)
    files = {filename: firewall_csv(plan, name) for name, filename in names.items()}
    files[dns_csv_filename(plan.code)] = dns_csv(plan.network)
    files[certificates_csv_filename(plan.code)] = certificates_csv(plan.network)
    return files
