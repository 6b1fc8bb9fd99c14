"""Domain vocabularies: the fixed names, titles and lists of ConfigMgr 2007 that every stage shares.

They used to be dict literals scattered over rules and templates; here each
exists once.  The facts behind them (with their sources) are in
``docs/domain-facts.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.model.schema import InternetFeature, OperatingSystem, RoleKey

OS_TITLES: Mapping[OperatingSystem, str] = {
    "windows_server_2003": "Windows Server 2003",
    "windows_server_2008": "Windows Server 2008",
    "windows_server_2008_r2": "Windows Server 2008 R2",
}
"""Operating systems as the runbook names them."""

SERVICE_PACK_OF_VERSION: Mapping[str, int] = {"RTM": 0, "SP1": 1, "SP2": 2, "R2": 1, "R3": 2}
"""The ConfigMgr 2007 service pack a product level implies: R2 needs SP1 (and implies only SP1), R3 needs SP2."""

SERVICE_PACK_NEEDED: Mapping[OperatingSystem, int] = {"windows_server_2008": 1, "windows_server_2008_r2": 2}
"""The ConfigMgr 2007 service pack a site system on this OS needs (docs/domain-facts.md, Prerequisites)."""

ROLE_TITLES: Mapping[RoleKey, str] = {
    "management_point": "management point",
    "distribution_point": "distribution point",
    "fallback_status_point": "fallback status point",
    "software_update_point": "software update point",
}
"""The site system roles that support Internet clients, in catalog order, as prose names."""

ROLE_ABBREVIATIONS: Mapping[RoleKey, str] = {
    "management_point": "MP",
    "distribution_point": "DP",
    "fallback_status_point": "FSP",
    "software_update_point": "SUP",
}

ROLE_CONSOLE_NODES: Mapping[RoleKey, str] = {
    "management_point": "ConfigMgr management point",
    "distribution_point": "ConfigMgr distribution point",
    "fallback_status_point": "ConfigMgr fallback status point",
    "software_update_point": "ConfigMgr software update point",
}
"""The results-pane node of each role under a site system in the console."""

RPC_RANGES: Mapping[OperatingSystem, str] = {
    "windows_server_2003": "1024-5000",
    "windows_server_2008": "49152-65535",
    "windows_server_2008_r2": "49152-65535",
}
"""Default dynamic RPC range per operating system (domain facts, "Ports")."""

UNSUPPORTED_FEATURES: Mapping[InternetFeature, str] = {
    "user_targeted_distribution": "user-targeted software distribution",
    "branch_distribution_points": "branch distribution points",
    "client_push": "client push installation",
    "auto_site_assignment": "automatic site assignment",
    "nap": "Network Access Protection (NAP)",
    "wake_on_lan": "Wake On LAN",
    "os_deployment": "operating system deployment",
    "task_sequences": "task sequences",
    "remote_control": "remote control",
    "out_of_band_management": "out of band management",
    "client_status_ping": "the client status ping of client status reporting",
}
"""Features Internet clients cannot use, with their display names (domain facts, "Unsupported features")."""

UNSUPPORTED_FEATURE_NOTES: Mapping[InternetFeature, str] = {
    "user_targeted_distribution": "directly or through Windows security groups",
    "branch_distribution_points": (
        "a branch DP cannot serve Internet clients, and a client on the Internet cannot act as one"
    ),
    "client_push": "and any other client deployment over the Internet",
    "auto_site_assignment": "the site code must be given explicitly",
    "task_sequences": "in Configuration Manager 2007, all task sequences",
    "out_of_band_management": "SP1 and later",
}
"""What an unsupported feature means in practice, where that needs saying."""

SUPPORTED_FEATURES: Mapping[InternetFeature, str] = {
    "inventory": "Hardware and software inventory",
    "software_metering": "Software metering",
    "software_distribution": "Computer-targeted software distribution from Internet distribution points",
    "software_updates": (
        "Software updates (scan against the Internet software update point, content from an Internet "
        "distribution point)"
    ),
    "desired_configuration": "Desired configuration management",
}
"""Features that remain for Internet clients (to confirm for 2007: what the unsupported list leaves)."""

SCENARIO_DESCRIPTIONS: Mapping[str, str] = {
    "perimeter-direct": (
        "The Internet-based site systems sit in the perimeter network and the site server in the intranet, "
        "so the site server is shielded from Internet traffic and there is no SQL Server replica to build or "
        "wait for."
    ),
    "perimeter-replica": (
        "The Internet-based site systems sit in the perimeter network and the site server in the intranet, and "
        "the Internet management point reads a SQL Server replica of the site database instead of the site "
        "database itself: with the replica in the perimeter, client traffic opens no SQL Server connection from "
        "the perimeter into the intranet. You must build and monitor SQL Server replication, and changes reach "
        "the replica with a delay."
    ),
    "reverse-proxy": "Site systems in the intranet are published to the Internet by a web proxy in the perimeter.",
    "intranet-direct": (
        "Intranet site systems accept Internet connections with no proxy in front of them. This bridges the "
        "perimeter security boundary: it is suitable only for tests, never for production."
    ),
}
"""What each placement scenario (``generator.model.topology.Scenario`` id) means, for the placement step."""

HTTP_VERBS: Mapping[RoleKey, tuple[str, str]] = {
    "management_point": (
        "HEAD, CCM_POST, BITS_POST, GET, PROPFIND",
        "Range, CCMClientID, CCMClientIDSignature, CCMClientTimestamp, CCMClientTimestampsSignature",
    ),
    "distribution_point": ("HEAD, GET, PROPFIND", "Range"),
    "fallback_status_point": ("POST", "none listed"),
}
"""(verbs, headers) a proxy must allow per role; the SUP follows the WSUS documentation instead."""

CONSOLE_ROOT: tuple[str, ...] = ("System Center Configuration Manager", "Site Database", "Site Management")
"""The console tree above a site's node (domain facts, "Console paths")."""


@dataclass(frozen=True)
class ConsolePaths:
    """Console tree paths of one site, as lists of node names (templates join and format them)."""

    site_node: str
    """The site's own node, "CODE - Name"."""
    site_management: list[str]
    site_settings: list[str]
    site_systems: list[str]
    component_configuration: list[str]
    sup_component: list[str]
    mp_component: list[str]

    def site_system(self, server: str) -> list[str]:
        """The path to one site system server under Site Systems."""
        return [*self.site_systems, server]


def console_paths(code: str, name: str) -> ConsolePaths:
    """The console paths of the site ``code`` named ``name``."""
    site_node = f"{code} - {name}"
    site_management = [*CONSOLE_ROOT, site_node]
    site_settings = [*site_management, "Site Settings"]
    components = [*site_settings, "Component Configuration"]
    return ConsolePaths(
        site_node=site_node,
        site_management=site_management,
        site_settings=site_settings,
        site_systems=[*site_settings, "Site Systems"],
        component_configuration=components,
        sup_component=[*components, "Software Update Point Component"],
        mp_component=[*components, "Management Point Component"],
    )
