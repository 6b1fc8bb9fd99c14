"""MyST renderers for the network plan: firewall rules, connectivity matrix, DNS, certificates.

Every user value goes through :func:`generator.render.escape.escape_myst`; the
results are :class:`generator.render.escape.Myst` so templates insert them verbatim.
Tables are ``{list-table}`` with ``longtable`` and explicit widths so they
break across pages and fit A4 portrait in the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.derive.network.certificates import VERSION_3_TEMPLATE_NOTE, CertificateKind
from generator.derive.network.flows import Flow
from generator.derive.network.plan import NetworkPlan
from generator.plan import SitePlan
from generator.render.escape import Myst, escape_myst
from generator.render.myst import download_link, label, list_table

NO_FIREWALL = "—"
UNASSIGNED = "to be assigned"

CERTIFICATE_KIND_TITLES: dict[CertificateKind, str] = {
    "web_server": "Web server",
    "site_server_signing": "Site server signing",
    "client_authentication": "Client authentication",
    "proxy_client_authentication": "Proxy client authentication",
}


def step_link(site_code: str, step_id: str) -> str:
    """A MyST link to the step; flows only name steps included for the site."""
    return f"[{escape_myst(step_id)}](#{label(site_code, step_id)})"


def _list_table(title: str, widths: Sequence[int], header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A long list-table; ``title`` and every cell are already MyST-safe."""
    return list_table(header, [[Myst(c) for c in row] for row in rows], widths=widths, caption=Myst(title), long=True)


def _endpoint(name: str, zone: str) -> str:
    return f"{escape_myst(name)} ({escape_myst(zone)})"


def _purpose(flow: Flow) -> str:
    text = escape_myst(flow.purpose)
    return f"{text}. *Note:* {escape_myst(flow.note)}" if flow.note else text


def firewall_table(site: SitePlan, firewall_name: str, csv_filename: str) -> Myst:
    """The rule table of one firewall, preceded by a link to its CSV (same folder as the page)."""
    plan = site.network
    fw = plan.firewall(firewall_name)
    rules = plan.firewall_rules(firewall_name)
    parts = [download_link(f"CSV for {firewall_name}", csv_filename), ""]
    if not rules:
        parts.append(f"No flow crosses {escape_myst(firewall_name)}.")
        return Myst("\n".join(parts) + "\n")
    trusted = fw.zones[1]
    header = ["No.", "Source", "Destination", "Protocol", "Port", f"Direction (to {trusted})", "Purpose", "Step"]
    rows = [
        [
            str(n),
            _endpoint(f.source, f.source_zone),
            _endpoint(f.destination, f.destination_zone),
            f.protocol,
            escape_myst(f.port),
            plan.direction(f, firewall_name),
            _purpose(f),
            step_link(site.code, site.step_of(f)),
        ]
        for n, f in enumerate(rules, start=1)
    ]
    title = f"Rules for {escape_myst(firewall_name)} ({fw.role} firewall, {fw.zones[0]} to {fw.zones[1]})"
    parts.append(_list_table(title, (4, 15, 15, 8, 11, 10, 25, 12), header, rows))
    return Myst("\n".join(parts) + "\n")


def connectivity_matrix(site: SitePlan) -> Myst:
    """Every flow, also those that cross no firewall (shown as "—")."""
    plan = site.network
    header = ["Source", "Destination", "Protocol", "Port", "Firewalls", "Purpose", "Step"]
    rows = [
        [
            _endpoint(f.source, f.source_zone),
            _endpoint(f.destination, f.destination_zone),
            f.protocol,
            escape_myst(f.port),
            ", ".join(escape_myst(name) for name in f.firewalls) or NO_FIREWALL,
            _purpose(f),
            step_link(site.code, site.step_of(f)),
        ]
        for f in plan.flows
    ]
    return Myst(_list_table("Connectivity matrix", (15, 15, 8, 11, 13, 26, 12), header, rows) + "\n")


def dns_table(plan: NetworkPlan, csv_filename: str) -> Myst:
    """Public records first, then intranet records; unknown addresses say "to be assigned"."""
    header = ["Scope", "Name", "Type", "Value", "For", "Note"]
    rows = [
        [
            r.scope,
            escape_myst(r.name),
            r.type,
            escape_myst(r.value) if r.value else f"*{UNASSIGNED}*",
            escape_myst(r.purpose),
            escape_myst(r.note) if r.note else "",
        ]
        for r in plan.dns_records
    ]
    parts = [download_link("CSV of the DNS records", csv_filename), ""]
    parts.append(_list_table("DNS records", (10, 24, 7, 16, 23, 20), header, rows))
    return Myst("\n".join(parts) + "\n")


def certificates_table(plan: NetworkPlan, csv_filename: str | None = None) -> Myst:
    """One row per certificate to request, followed by the version 3 template note."""
    header = ["Holder", "Certificate", "Subject / SAN names", "Purpose (EKU)", "Where", "Note"]
    rows = [
        [
            escape_myst(c.holder),
            CERTIFICATE_KIND_TITLES[c.kind],
            ", ".join(escape_myst(n) for n in c.names) or "any unique name",
            escape_myst(c.eku),
            escape_myst(c.bound_to),
            " ".join(escape_myst(t) for t in (c.purpose, c.note) if t),
        ]
        for c in plan.certificates
    ]
    parts = [download_link("CSV of the certificates", csv_filename), ""] if csv_filename else []
    parts.append(_list_table("Certificates to request", (13, 13, 20, 16, 17, 21), header, rows))
    parts += ["", f"**Note:** {escape_myst(VERSION_3_TEMPLATE_NOTE)}"]
    fsp_holders = plan.fallback_status_points
    if fsp_holders:
        names = ", ".join(escape_myst(n) for n in fsp_holders)
        parts += ["", f"The fallback status point ({names}) needs no certificate: it uses HTTP."]
    return Myst("\n".join(parts) + "\n")
