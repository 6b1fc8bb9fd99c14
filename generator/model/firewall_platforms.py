"""The firewall platforms a site input may name in ``network.*_firewall.platform``, and what the generator must know
of each to give its team a configuration that says what the rule tables say.

The names are Aerleon's target names (https://github.com/aerleon/aerleon), so a
team that runs Aerleon itself reads the same word in the exported policy.  Only
stateful, zone- or interface-based firewall targets are offered: router ACL
targets (``cisco``, ``juniper``) would need return-traffic terms, and
``iptables`` one file per address family.  This module is plain data: Aerleon
itself is imported only where a configuration is generated
(:mod:`generator.derive.network.aclgen`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from generator.model.fields import JsonSchemaKeywords, SingleLine


@dataclass(frozen=True)
class FirewallPlatform:
    """One Aerleon target as this generator uses it."""

    name: str
    """The Aerleon target name, as written in the site input."""
    title: str
    """The product, as the runbook names it."""
    suffix: str
    """The file name ending Aerleon gives the configuration (its generator's ``SUFFIX``)."""
    ipv6: bool
    """Whether Aerleon renders IPv6 addresses for the target (its ``ciscoasa`` generator renders IPv4 only)."""
    layout: Literal["per-direction", "single"]
    """``per-direction``: one filter per pair of zones (an ACL per ingress interface, a zone-pair rulebase);
    ``single``: one filter for both directions (nftables: two base chains on the forward hook would each drop
    the other's traffic)."""
    nat_destination: Literal["translated", "original"]
    """Which destination address the platform's security rules match for a flow the front firewall translates:
    the private one after destination NAT (ASA 8.3 and later, SRX, nftables' forward hook), or the public one
    before it (PAN-OS matches the pre-NAT address, in the post-NAT zone)."""
    comment_limit: int | None
    """The longest term comment the target keeps (PAN-OS descriptions, FortiGate comments, nftables comments);
    None: no limit, one comment line per line."""
    note: str = ""
    """What the firewall team must know beyond the generated text (shown with the configuration)."""


FIREWALL_PLATFORMS: Mapping[str, FirewallPlatform] = {
    p.name: p
    for p in (
        FirewallPlatform(
            "ciscoasa",
            "Cisco ASA",
            ".asa",
            ipv6=False,
            layout="per-direction",
            nat_destination="translated",
            comment_limit=None,
            note=(
                "One access list per direction: bind the list from the less trusted zone to the interface on that "
                "side (access-group … in interface …) and the other to the interface on the more trusted side. The "
                "access lists use the real (private) addresses of translated hosts, as ASA 8.3 and later expect."
            ),
        ),
        FirewallPlatform(
            "srx",
            "Juniper SRX",
            ".srx",
            ipv6=True,
            layout="per-direction",
            nat_destination="translated",
            comment_limit=None,
            note=(
                "Security policies per zone pair, named after this runbook's zones (internet, perimeter, intranet): "
                "rename them to the firewall's security zones. Policies match the translated (private) addresses."
            ),
        ),
        FirewallPlatform(
            "paloalto",
            "Palo Alto Networks PAN-OS",
            ".xml",
            ipv6=True,
            layout="per-direction",
            nat_destination="original",
            comment_limit=1024,
            note=(
                "Security rules per zone pair, named after this runbook's zones (internet, perimeter, intranet): "
                "rename them to the firewall's zones. For a translated host the rules match its public (pre-NAT) "
                "address, as PAN-OS expects; the NAT policy itself is not part of this file."
            ),
        ),
        FirewallPlatform(
            "fortigate",
            "Fortinet FortiGate",
            ".fgacl",
            ipv6=True,
            layout="per-direction",
            nat_destination="translated",
            comment_limit=1023,
            note=(
                "Policies per interface pair, named after this runbook's zones (internet, perimeter, intranet): "
                "rename them to the firewall's interfaces or zones. A translated host is reached through a virtual "
                "IP (VIP) on FortiGate: use the VIP object as the destination of the policies that name its "
                "private address."
            ),
        ),
        FirewallPlatform(
            "nftables",
            "Linux nftables",
            ".nft",
            ipv6=True,
            layout="single",
            nat_destination="translated",
            comment_limit=128,
            note=(
                "One base chain on the forward hook for both directions, with return traffic allowed by connection "
                "tracking; destination NAT (prerouting) happens before it, so it matches the private addresses."
            ),
        ),
    )
}
"""The supported platforms, by Aerleon target name, in the order the documentation lists them."""

PLATFORM_NAMES: tuple[str, ...] = tuple(FIREWALL_PLATFORMS)


PlatformName = Annotated[SingleLine, JsonSchemaKeywords(enum=list(PLATFORM_NAMES))]
"""A platform name: any text to the model, so that ``check`` answers an unknown one with a "did you mean"
(``generator.validate.rules``); editors get the list from the JSON Schema."""

PLATFORM_ALIASES: Mapping[str, str] = {
    "asa": "ciscoasa",
    "cisco": "ciscoasa",
    "juniper": "srx",
    "junipersrx": "srx",
    "panos": "paloalto",
    "pan-os": "paloalto",
    "palo-alto": "paloalto",
    "fortinet": "fortigate",
    "fortios": "fortigate",
    "iptables": "nftables",
    "nft": "nftables",
}
"""What people write for a supported platform (vendor names, Aerleon targets not offered here), for the
"did you mean" of an unknown one."""


def suggest_platform(value: str) -> str | None:
    """The supported platform ``value`` most likely means, or None when nothing is close."""
    wanted = "-".join(value.lower().split())
    if wanted in FIREWALL_PLATFORMS:
        return wanted
    if wanted in PLATFORM_ALIASES:
        return PLATFORM_ALIASES[wanted]
    close = difflib.get_close_matches(wanted, [*PLATFORM_NAMES, *PLATFORM_ALIASES], n=1, cutoff=0.6)
    return PLATFORM_ALIASES.get(close[0], close[0]) if close else None
