"""The plan of one site as plain text, for `ibcm-runbook plan`: a readable summary of the JSON plan (phases and steps
with owners, accounts, flows, DNS, certificates, warnings); `--format json` has everything, checks, rollback,
grouped rules and addresses included."""

from __future__ import annotations

from generator.plan import SitePlan
from generator.render.plan_json import plan_to_json


def format_plan_text(plan: SitePlan) -> str:
    """The plan as readable text: phases with their steps (owner, reasons) and gates, accounts, flows, DNS records,
    certificates and warnings."""
    data = plan_to_json(plan)
    out = [f"Site {data['site']['code']} – {data['site']['name']}", ""]
    out.append(f"Steps in this runbook ({len(data['steps'])}), in the order of the work:")
    steps = {step["id"]: step for step in data["steps"]}
    for phase in data["phases"]:
        out.append(f"  Phase {phase['number']}: {phase['title']} (about {phase['minutes']} min)")
        for step in (steps[step_id] for step_id in phase["steps"]):
            out.append(f"  {step['number']:2}. {step['title']} [{step['id']}] ({step['owner']})")
            out += [f"        - {reason}" for reason in step["reasons"]]
        out.append("      Go/no-go:")
        out += [f"        - {criterion}" for criterion in phase["gate"]]
    if data["accounts"]:
        out += ["", f"Accounts ({len(data['accounts'])}):"]
        for account in data["accounts"]:
            out.append(f"  {account['kind']}: {account['name'] or 'to be named'} for {', '.join(account['holders'])}")
    out += ["", f"Steps not needed ({len(data['excluded_steps'])}):"]
    for step in data["excluded_steps"]:
        out.append(f"  -   {step['title']} [{step['id']}]")
        out += [f"        - {reason}" for reason in step["reasons"]]
    out += ["", f"Flows ({len(data['flows'])}):"]
    for flow in data["flows"]:
        firewalls = ", ".join(flow["firewalls"]) or "no firewall"
        out.append(
            f"  {flow['source']} ({flow['source_zone']}) -> {flow['destination']} ({flow['destination_zone']}) "
            f"{flow['protocol']} {flow['port']} via {firewalls}: {flow['purpose']} [{flow['step']}]"
        )
    out += ["", f"DNS records ({len(data['dns_records'])}):"]
    for record in data["dns_records"]:
        out.append(
            f"  {record['scope']:8} {record['type']:4} {record['name']} -> {record['value'] or 'to be assigned'}"
        )
    out += ["", f"Certificates ({len(data['certificates'])}):"]
    for cert in data["certificates"]:
        out.append(f"  {cert['holder']}: {cert['kind']} for {', '.join(cert['names']) or '(no names)'}")
    out += ["", f"Warnings ({len(data['warnings'])}):"]
    out += [f"  {w['location']}: {w['message']} [{w['code']}]" for w in data["warnings"]]
    return "\n".join(out) + "\n"
