"""MyST renderers of the network plan: grouped firewall rules, flows, connectivity matrix, DNS, certificates.

Every user value goes through :func:`generator.render.escape.escape_myst`; the
results are :class:`generator.render.escape.Myst` so templates insert them verbatim.
Tables are ``{list-table}`` with ``longtable`` and explicit widths so they
break across pages and fit A4 portrait in the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.derive.network.certificates import VERSION_3_TEMPLATE_NOTE, CertificateKind, CertificateRequest
from generator.derive.network.flows import Flow
from generator.derive.network.plan import NetworkPlan
from generator.derive.network.rules import (
    TO_BE_NAMED,
    UNASSIGNED,
    RuleEndpoint,
    address_text,
    flow_numbers,
    nat_at,
    nat_text,
    number_ranges,
)
from generator.plan import SitePlan
from generator.render.escape import Myst, escape_myst
from generator.render.myst import download_link, label, list_table

NO_FIREWALL = "—"

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


def _address(name: str, ref: str, address: str | None) -> str:
    """The address cell: the address, ``any``, or *to be assigned* (italic: a value still missing)."""
    text = address_text(name, ref, address)
    return f"*{escape_myst(text)}*" if text in (UNASSIGNED, TO_BE_NAMED) else escape_myst(text)


def _source_address(flow: Flow) -> str:
    return _address(flow.source, flow.source_ref, flow.source_address)


def _destination_address(flow: Flow) -> str:
    return _address(flow.destination, flow.destination_ref, flow.destination_address)


def _purpose_and_step(site: SitePlan, flow: Flow) -> str:
    """The purpose, the step that opens the flow and the note, in one cell so the tables fit A4 portrait."""
    text = f"{escape_myst(flow.purpose)} — step {step_link(site.code, site.step_of(flow))}"
    return f"{text}. *Note:* {escape_myst(flow.note)}" if flow.note else text


def _service(protocol: str, port: str, direction: str | None = None) -> str:
    text = f"{protocol} {escape_myst(port)}"
    return f"{text}, {direction}" if direction else text


def _title(plan: NetworkPlan, firewall_name: str, what: str) -> str:
    fw = plan.firewall(firewall_name)
    return f"{what} {escape_myst(firewall_name)} ({fw.role} firewall, {fw.zones[0]} to {fw.zones[1]})"


def firewall_rules_table(site: SitePlan, firewall_name: str, csv_filename: str) -> Myst:
    """The grouped rules of one firewall, as its team writes them, preceded by a link to their CSV.

    Each rule lists the numbers of the flows it covers in the flow table (:func:`firewall_table`).
    """
    plan = site.network
    rules = plan.rules_for(firewall_name)
    parts = [download_link(f"CSV of the rules for {firewall_name}", csv_filename), ""]
    if not rules:
        parts.append(f"No flow crosses {escape_myst(firewall_name)}.")
        return Myst("\n".join(parts) + "\n")
    header = ["Rule", "Source", "Destination", "Service, direction", "Purpose", "Flows"]
    rows = [
        [
            str(r.number),
            _rule_side(r.sources, r.source_zone, r.source_group),
            _rule_side(r.destinations, r.destination_zone, r.destination_group),
            f"{escape_myst(r.service_summary)}, {r.direction}",
            escape_myst(r.purpose),
            number_ranges(flow_numbers(r, plan.flows)),
        ]
        for r in rules
    ]
    parts.append(_list_table(_title(plan, firewall_name, "Rules for"), (6, 24, 28, 16, 17, 9), header, rows))
    return Myst("\n".join(parts) + "\n")


def _rule_side(endpoints: Sequence[RuleEndpoint], zone: str, group: str | None) -> str:
    """One host with its zone and address, or an object group: its name, zone and members with their addresses."""
    if group is None:
        (e,) = endpoints
        return f"{_endpoint(e.name, e.zone)}: {_member_address(e)}"
    members = ", ".join(f"{escape_myst(e.name)} ({_member_address(e)})" for e in endpoints)
    return f"**{escape_myst(group)}** ({escape_myst(zone)}): {members}"


def _member_address(e: RuleEndpoint) -> str:
    return escape_myst(nat_text(e.nat)) if e.nat else _address(e.name, e.ref, e.address)


def firewall_table(site: SitePlan, firewall_name: str, csv_filename: str) -> Myst:
    """The flows through one firewall, one per protocol and port (the detail of its rules), preceded by a CSV link.

    The front firewall's table has a NAT column (``public → private``) for destinations that have both addresses.
    """
    plan = site.network
    fw = plan.firewall(firewall_name)
    flows = plan.firewall_rules(firewall_name)
    parts = [download_link(f"CSV of the flows through {firewall_name}", csv_filename), ""]
    if not flows:
        parts.append(f"No flow crosses {escape_myst(firewall_name)}.")
        return Myst("\n".join(parts) + "\n")
    front = fw.role == "front"
    header = ["No.", "Source", "Source address", "Destination", "Destination address"]
    header += ["NAT"] if front else []
    header += ["Service", "Purpose and step"]
    rows = []
    for n, f in enumerate(flows, start=1):
        row = [
            str(n),
            _endpoint(f.source, f.source_zone),
            _source_address(f),
            _endpoint(f.destination, f.destination_zone),
            _destination_address(f),
        ]
        row += [escape_myst(nat_text(nat_at(f, firewall_name)))] if front else []
        row += [_service(f.protocol, f.port, plan.direction(f, firewall_name)), _purpose_and_step(site, f)]
        rows.append(row)
    widths = (4, 11, 15, 11, 15, 15, 9, 20) if front else (4, 14, 15, 14, 15, 10, 28)
    parts.append(_list_table(_title(plan, firewall_name, "Flows through"), widths, header, rows))
    return Myst("\n".join(parts) + "\n")


def _firewalls(flow: Flow) -> str:
    """The firewalls a flow crosses, with the front firewall's translation when there is one."""
    names = []
    for name in flow.firewalls:
        text = escape_myst(name)
        if flow.nat and name == flow.firewalls[0]:  # the front firewall, which translates
            text += f" (NAT {escape_myst(nat_text(flow.nat))})"
        names.append(text)
    return ", ".join(names) or NO_FIREWALL


def connectivity_matrix(site: SitePlan) -> Myst:
    """Every flow, also those that cross no firewall (shown as "—")."""
    plan = site.network
    header = ["Source", "Source address", "Destination", "Destination address", "Service", "Firewalls"]
    header += ["Purpose and step"]
    rows = [
        [
            _endpoint(f.source, f.source_zone),
            _source_address(f),
            _endpoint(f.destination, f.destination_zone),
            _destination_address(f),
            _service(f.protocol, f.port),
            _firewalls(f),
            _purpose_and_step(site, f),
        ]
        for f in plan.flows
    ]
    widths = (12, 15, 12, 15, 9, 12, 25)
    return Myst(_list_table("Connectivity matrix", widths, header, rows) + "\n")


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


CERTIFICATES_TO_REQUEST = "Certificates to request"
CERTIFICATES_TO_VERIFY = "Certificates that must already exist: verify, do not request"
_CERTIFICATE_HEADER = ["Holder", "Certificate", "Subject / SAN names", "Purpose (EKU)", "Where", "Note"]
_CERTIFICATE_WIDTHS = (13, 13, 20, 16, 17, 21)


def _certificate_rows(certificates: Sequence[CertificateRequest]) -> list[list[str]]:
    return [
        [
            escape_myst(c.holder),
            CERTIFICATE_KIND_TITLES[c.kind],
            ", ".join(escape_myst(n) for n in c.names) or "any unique name",
            escape_myst(c.eku),
            escape_myst(c.bound_to),
            " ".join(escape_myst(_sentence(t)) for t in (c.purpose, c.note) if t),
        ]
        for c in certificates
    ]


def _sentence(text: str) -> str:
    """``text`` as a sentence of the Note cell: capital first letter, full stop at the end."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def certificates_table(plan: NetworkPlan, csv_filename: str | None = None) -> Myst:
    """Two tables: the certificates this change requests (``status: new``) with the version 3 template note,
    then those that must already exist and are only verified (``status: existing``)."""
    new = [c for c in plan.certificates if c.status == "new"]
    existing = [c for c in plan.certificates if c.status == "existing"]
    parts = [download_link("CSV of the certificates", csv_filename), ""] if csv_filename else []
    if new:
        parts.append(
            _list_table(CERTIFICATES_TO_REQUEST, _CERTIFICATE_WIDTHS, _CERTIFICATE_HEADER, _certificate_rows(new))
        )
    else:
        parts.append("This change requests no new certificate.")
    parts += ["", f"**Note:** {escape_myst(VERSION_3_TEMPLATE_NOTE)}"]
    if existing:
        parts += [
            "",
            "These are in place already, because the site is in native mode: check their names, validity and "
            "chain, and do not request them again.",
            "",
            _list_table(CERTIFICATES_TO_VERIFY, _CERTIFICATE_WIDTHS, _CERTIFICATE_HEADER, _certificate_rows(existing)),
        ]
    fsp_holders = plan.fallback_status_points
    if fsp_holders:
        names = ", ".join(escape_myst(n) for n in fsp_holders)
        parts += ["", f"The fallback status point ({names}) needs no certificate: it uses HTTP."]
    return Myst("\n".join(parts) + "\n")
