"""The network plan of a site: flows, DNS records and certificates, derived from its topology.

One list of flows feeds every view (tables, CSV, diagram, JSON), so they cannot
disagree; see ``docs/architecture.md``.  Nothing here knows the checklist:
each flow says what it is needed for, and the checklist maps that to a step.
"""
