"""Design review of a site plan: conflicts that only show once the flows are derived.

Validation (``generator.validate``) checks the input field by field; some
designs are only wrong as a whole, e.g. a flow that would have to start in the
perimeter while the back firewall forbids it.  These rules run on the plan and
still report ``file:line:column``, through the input path each flow records.
"""

from __future__ import annotations

from generator.derive.network.flows import perimeter_initiated_flows
from generator.diagnostics import Diagnostic
from generator.plan import SitePlan
from generator.validate import locate
from generator.validate.rules import Finding, _error


def perimeter_initiated_flow_findings(plan: SitePlan) -> list[Finding]:
    """No derived flow may open from the perimeter into the intranet when the back firewall forbids it.

    Catches what the field rules cannot name one by one, e.g. ``site_server_initiated: false``
    on a perimeter server behind such a firewall.
    """
    if plan.site.topology.perimeter_may_initiate:
        return []
    return [
        _error(
            flow.origin,
            "perimeter-initiated-flow",
            f"{flow.source} (perimeter) would open {flow.protocol} {flow.port} to {flow.destination} (intranet) "
            f"for {flow.purpose!r}, but network.back_firewall.perimeter_may_initiate is false",
        )
        for flow in perimeter_initiated_flows(list(plan.network.flows))
    ]


def review_plan(plan: SitePlan) -> list[Diagnostic]:
    """Every design conflict of the plan, located in its input file."""
    return locate(plan.site.document, perimeter_initiated_flow_findings(plan))
