"""Design review of a site plan: conflicts that only show once the flows are derived.

Validation (``generator.validate``) checks the input field by field; some
designs are only wrong as a whole, e.g. a flow that would have to start in the
perimeter while the back firewall forbids it.  These rules are registered in
:data:`PLAN_RULES` with the codes they declare, run on the plan and still
report ``file:line:column``, through the input path each flow records.
"""

from __future__ import annotations

from collections.abc import Iterator

from generator.derive.network.flows import perimeter_initiated_flows
from generator.diagnostics import Code, Diagnostic, Severity
from generator.plan import SitePlan
from generator.validate import locate
from generator.validate.registry import Finding, RuleRegistry

PLAN_RULES: RuleRegistry[SitePlan] = RuleRegistry()
"""The design rules of a site plan, run after validation on the derived flows."""

PERIMETER_INITIATED_FLOW = Code(
    "perimeter-initiated-flow",
    Severity.ERROR,
    "a derived flow would start in the perimeter while the back firewall forbids it",
)


@PLAN_RULES.rule(PERIMETER_INITIATED_FLOW)
def check_perimeter_initiated_flows(plan: SitePlan) -> Iterator[Finding]:
    """No derived flow may open from the perimeter into the intranet when the back firewall forbids it.

    Catches what the field rules cannot name one by one, e.g. ``site_server_initiated: false``
    on a perimeter server behind such a firewall.
    """
    if plan.site.topology.perimeter_may_initiate:
        return
    for flow in perimeter_initiated_flows(list(plan.network.flows)):
        yield Finding(
            PERIMETER_INITIATED_FLOW,
            flow.origin,
            f"{flow.source} (perimeter) would open {flow.protocol} {flow.port} to {flow.destination} (intranet) "
            f"for {flow.purpose!r}, but network.back_firewall.perimeter_may_initiate is false",
        )


def review_plan(plan: SitePlan) -> list[Diagnostic]:
    """Every design conflict of the plan, located in its input file."""
    return locate(plan.site.document, [f for rule in PLAN_RULES for f in rule(plan)])
