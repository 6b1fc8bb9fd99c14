"""The network plan of a site: flows, firewall rules, DNS records, certificates and the diagram.

One list of flows feeds every view (tables, CSV, diagram, JSON), so they cannot
disagree; see ``shared/spec/network-plan.md``.
"""

from __future__ import annotations

from generator.derive.network.certificates import VERSION_3_TEMPLATE_NOTE, CertificateRequest, derive_certificates
from generator.render.csv_export import csv_files, firewall_csv_filenames
from generator.render.diagram import placement_dot
from generator.derive.network.dns import DnsRecord, derive_dns_records
from generator.derive.network.flows import Flow, derive_flows, perimeter_initiated_flows
from generator.derive.network.plan import NetworkPlan, build_network_plan
from generator.render.tables import certificates_table, connectivity_matrix, dns_table, firewall_table

__all__ = [
    "VERSION_3_TEMPLATE_NOTE",
    "CertificateRequest",
    "DnsRecord",
    "Flow",
    "NetworkPlan",
    "build_network_plan",
    "certificates_table",
    "connectivity_matrix",
    "csv_files",
    "derive_certificates",
    "derive_dns_records",
    "derive_flows",
    "dns_table",
    "firewall_csv_filenames",
    "firewall_table",
    "perimeter_initiated_flows",
    "placement_dot",
]
