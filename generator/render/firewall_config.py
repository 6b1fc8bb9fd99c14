"""The vendor configuration of each firewall that names a ``platform``: generated and checked by Aerleon, offered
as a download next to its rule table, shown in the runbook's appendix and written by ``ibcm-runbook export``.

A configuration is a view of the firewall's grouped rules
(:mod:`generator.derive.network.policy`).  It is written only when the policy is
complete and Aerleon's check permits every flow of the firewall and denies every
probe the plan does not contain (:mod:`generator.derive.network.probes`); a
contradiction is a bug and stops the run with Aerleon's answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.network import aclgen
from generator.derive.network.aclgen import Proof
from generator.derive.network.policy import FirewallPolicy, firewall_policies
from generator.derive.network.probes import firewall_probes
from generator.plan import SitePlan
from generator.render.csv_export import firewall_file_parts
from generator.render.escape import Myst, escape_myst, myst_code, myst_fence
from generator.render.myst import download_link

SECTION = "firewall-configs"
"""The appendix's anchor, after the site code: ``cen-firewall-configs``."""


@dataclass(frozen=True)
class FirewallConfig:
    """One firewall's configuration, or why there is none yet."""

    policy: FirewallPolicy
    text: str | None
    """What Aerleon generated; None when the policy is incomplete or no flow crosses the firewall."""
    proof: Proof | None
    filename: str

    @property
    def firewall(self) -> str:
        return self.policy.firewall

    @property
    def title(self) -> str:
        return self.policy.platform.title


def firewall_configs(plan: SitePlan) -> tuple[FirewallConfig, ...]:
    """The configuration of every firewall of ``plan`` with a ``platform``, front firewall first, each proved.

    Raises :class:`~generator.derive.network.aclgen.AerleonMissingError` when Aerleon is not installed, and
    :class:`~generator.derive.network.aclgen.AerleonError` when it fails or its check contradicts the plan.
    """
    configs = []
    parts = firewall_file_parts(plan.code, plan.network)
    for policy in firewall_policies(plan.network):
        aclgen.require_aerleon(
            f"network.{policy.role}_firewall.platform {policy.platform.name!r} of {plan.site.source}"
        )
        filename = f"{file_stem(policy, parts[policy.firewall])}{policy.platform.suffix}"
        if not policy.complete or not policy.filters:
            configs.append(FirewallConfig(policy, None, None, filename))
            continue
        text = aclgen.generate_policy(policy)
        proof = aclgen.prove(policy, firewall_probes(plan.network, plan.site.topology, policy))
        if not proof.holds:
            raise aclgen.AerleonError(
                f"the {policy.platform.title} configuration of {policy.firewall} contradicts its rule table: "
                + "; ".join(proof.failures)
            )
        configs.append(FirewallConfig(policy, text, proof, filename))
    return tuple(configs)


def file_stem(policy: FirewallPolicy, part: str) -> str:
    """``<SITE>-<firewall part>-<platform>``: the stem of a firewall's configuration, policy and definitions, from
    the part its CSV files use (:func:`generator.render.csv_export.firewall_file_parts`)."""
    return f"{policy.site_code}-{part}-{policy.platform.name}"


def config_files(configs: tuple[FirewallConfig, ...]) -> dict[str, str]:
    """File name to configuration text, for the generated configurations."""
    return {c.filename: c.text for c in configs if c.text is not None}


def export_files(configs: tuple[FirewallConfig, ...]) -> dict[str, str]:
    """What ``ibcm-runbook export`` writes per generated configuration: it, the Aerleon policy and definitions."""
    files: dict[str, str] = {}
    for c in configs:
        if c.text is None:
            continue
        stem = c.filename.removesuffix(c.policy.platform.suffix)
        files[c.filename] = c.text
        policy_text = aclgen.policy_yaml(c.policy)
        files[f"{stem}.pol.yaml"] = policy_text.replace(aclgen.definitions_filename(c.policy), f"{stem}.def.yaml", 1)
        files[f"{stem}.def.yaml"] = aclgen.definitions_yaml(c.policy)
    return files


def section_label(site_code: str) -> str:
    return f"{site_code.lower()}-{SECTION}"


def config_link(config: FirewallConfig) -> Myst:
    """The line next to a firewall's rule table: the download, or why there is none yet."""
    where = f"[the appendix](#{section_label(config.policy.site_code)})"
    if config.text is not None:
        link = download_link(f"{config.title} configuration of {config.firewall}", config.filename)
        return Myst(f"{link} (generated and checked by Aerleon; shown in {where}).")
    if not config.policy.filters:
        return Myst("")
    names = ", ".join(escape_myst(u.name) for u in config.policy.unresolved)
    return Myst(f"No {escape_myst(config.title)} configuration yet: no usable address for {names} (see {where}).")


def default_pass_note(policy: FirewallPolicy) -> str:
    """What a platform passes in a direction this configuration has no access list for (ASA's security levels).

    Said rather than fixed with a deny-only access list: binding one would also cut the traffic the firewall
    already carries in that direction, which this change knows nothing of."""
    unlisted = aclgen.unlisted_directions(policy)
    if not unlisted:
        return ""
    directions = " and ".join(f"{a} to {b}" for a, b in unlisted)
    return (
        f"This configuration has no access list for {directions}: {policy.platform.title} passes traffic from a "
        "higher to a lower security level when no access list is bound to the interface it enters, so that "
        "direction is not restricted by this change; the firewall's own access lists there, if any, decide."
    )


def appendix(plan: SitePlan, configs: tuple[FirewallConfig, ...]) -> Myst:
    """The appendix body: per firewall, what was generated and how it was checked, then the configuration."""
    parts: list[str] = []
    server = plan.site.topology.site_server.name
    for c in configs:
        policy = c.policy
        parts.append(f"### {escape_myst(c.firewall)}: {escape_myst(c.title)} ({myst_code(policy.platform.name)})\n")
        if not policy.filters:
            parts.append(f"No flow crosses {escape_myst(c.firewall)}: there is nothing to configure.\n")
            continue
        if c.text is None or c.proof is None:
            parts.append(
                "Not generated: a configuration must name every host of the rules, and these have no address "
                "Aerleon can write yet:\n"
            )
            parts += [f"- {escape_myst(u.name)} ({u.zone}): {escape_myst(u.reason)}" for u in policy.unresolved]
            parts.append("\nGive the addresses in the site input; the configuration appears with the next build.\n")
            continue
        rules = len({t.rule for t in policy.rule_terms})
        terms = len(policy.rule_terms)
        flows = len(plan.network.firewall_rules(c.firewall))
        parts.append(
            f"{download_link(c.filename, c.filename)}: generated by Aerleon from the {rules} "
            f"{'rule' if rules == 1 else 'rules'} of {escape_myst(c.firewall)} ({terms} "
            f"{'term' if terms == 1 else 'terms'}: one per rule and protocol, named after the rule, with the flow "
            "ids in its comment), and a final deny in each filter. Aerleon's check (aclcheck) permits each of the "
            f"{flows} flows of its table ({c.proof.permitted} packets: both ends of each port range), each by the "
            f"term of its own rule, and denies "
            f"{c.proof.denied} packets the plan does not contain: TCP 4022, the Internet to the site server "
            f"{escape_myst(server)}, each flow's port under the other protocol, and each flow's port from and to "
            "an address outside the plan.\n"
        )
        note = " ".join(n for n in (policy.platform.note, default_pass_note(policy)) if n)
        if note:
            parts.append(f"{escape_myst(note)}\n")
        if policy.translations:
            nat = ", ".join(
                f"{escape_myst(public)} → {escape_myst(private)}" for public, private in policy.translations
            )
            parts.append(f"Destination NAT the rules rely on (public → private): {nat}.\n")
        parts.append(
            "It holds only what this change needs, ending in a deny: merge it into the firewall's policy rather "
            "than loading it over the existing one (Aerleon's output replaces whole access lists, address books "
            "or rulebases). `ibcm-runbook export` also writes the Aerleon policy and definitions for teams who "
            "run Aerleon themselves.\n"
        )
        parts.append(myst_fence(c.text) + "\n")
    return Myst("\n".join(parts))
