"""Every validation and design rule, table-driven: the exact diagnostic of each code, at its place in the input.

The cases are checked against the rule registries: every code a rule declares
has a case, and each rule emits exactly the codes it declares.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers import (
    Mutation,
    add_server,
    code_of,
    codes,
    delete_path,
    formatted,
    load,
    set_path,
    site_dict,
    site_yaml,
)

from generator.codes import diagnostic_codes
from generator.derive.checklist import IBCM_CHECKLIST
from generator.diagnostics import Code, Severity
from generator.load.codes import LOAD_CODES
from generator.load.loader import parse_site_text
from generator.model.topology import Topology
from generator.plan import build_site_plan
from generator.plan.acknowledgements import ACKNOWLEDGEMENT_CODES
from generator.plan.review import PLAN_RULES
from generator.sphinx_ext.reference import codes_table
from generator.validate import rules, validate_site
from generator.validate.registry import Finding, RuleRegistry, UndeclaredCodeError
from generator.validate.rules import SITE_RULES, UNKNOWN_SERVER

MP_INTERNET = {"management_point": {"connections": "internet"}}
SUP_INTERNET = {"software_update_point": {"connections": "internet"}}
NLB_MPS = [
    add_server(name="DMZ02", internet_fqdn="mp2.example.com", roles=MP_INTERNET),
    set_path(
        "nlb_clusters",
        [
            {
                "name": "MPNLB",
                "role": "management_point",
                "internet_fqdn": "mp.example.com",
                "members": ["DMZ01", "DMZ02"],
            }
        ],
    ),
]


def cluster(members: list[str], **fields: Any) -> Mutation:
    """One management point NLB cluster ``N`` with an Internet FQDN."""
    return set_path(
        "nlb_clusters",
        [{"name": "N", "role": "management_point", "internet_fqdn": "n.example.com", "members": members, **fields}],
    )


def sup_cluster(count: int, **fields: Any) -> list[Mutation]:
    """``count`` intranet SUP servers ``SUP0``… in one software update point NLB cluster ``S``."""

    def servers(data: dict[str, Any]) -> None:
        data["servers"][0]["roles"] = {}
        for i in range(count):
            data["servers"].append(
                {
                    "name": f"SUP{i}",
                    "zone": "intranet",
                    "os": "windows_server_2003",
                    "roles": {"software_update_point": {"connections": "intranet"}},
                }
            )

    members = [f"SUP{i}" for i in range(count)]
    nlb = {"name": "S", "role": "software_update_point", "intranet_fqdn": "s.corp.example.test", "members": members}
    return [servers, set_path("nlb_clusters", [{**nlb, **fields}])]


RULE_CASES: dict[str, tuple[list[Mutation], list[str]]] = {
    "secondary-site": (
        [set_path("site.type", "secondary")],
        [
            (
                "site_inputs/t.yaml:5:9: error: site.type: Internet-based client management needs a primary site (got "
                "'secondary') [secondary-site]"
            ),
        ],
    ),
    "mixed-mode-site": (
        [set_path("site.mode", "mixed")],
        [
            (
                "site_inputs/t.yaml:6:9: error: site.mode: Internet-based client management needs native mode (got "
                "'mixed'); migrate the site to native mode first [mixed-mode-site]"
            ),
        ],
    ),
    "unknown-server/database": (
        [set_path("site.database_server", "NOPE")],
        [
            (
                "site_inputs/t.yaml:10:20: error: site.database_server: server 'NOPE' is not in servers (known: CM01, "
                "DMZ01, SQL01) [unknown-server]"
            ),
        ],
    ),
    "unknown-server/replica": (
        [set_path("database_replica", {"server": "GHOST", "database": "r"})],
        [
            (
                "site_inputs/t.yaml:40:11: error: database_replica.server: server 'GHOST' is not in servers (known: "
                "CM01, DMZ01, SQL01) [unknown-server]"
            ),
        ],
    ),
    "unknown-server/proxy": (
        [set_path("network.reverse_proxy", {"name": "P", "mode": "ssl_bridging", "publishes": ["GHOST"]})],
        [
            (
                "site_inputs/t.yaml:41:7: error: network.reverse_proxy.publishes[0]: server 'GHOST' is not in servers "
                "(known: CM01, DMZ01, SQL01) [unknown-server]"
            ),
        ],
    ),
    "unknown-server/nlb": (
        [cluster(["DMZ01", "GHOST"])],
        [
            (
                "site_inputs/t.yaml:45:5: error: nlb_clusters[0].members[1]: server 'GHOST' is not in servers (known: "
                "CM01, DMZ01, SQL01) [unknown-server]"
            ),
        ],
    ),
    "missing-internet-fqdn": (
        [delete_path("servers[DMZ01].internet_fqdn")],
        [
            (
                "site_inputs/t.yaml:22:9: error: servers[2] (DMZ01): the management point, distribution point accepts "
                "Internet connections but the server has no internet_fqdn [missing-internet-fqdn]"
            ),
        ],
    ),
    "nlb-missing-internet-fqdn": (
        [
            add_server(name="DMZ02", internet_fqdn="mp2.example.com", roles=MP_INTERNET),
            set_path("nlb_clusters", [{"name": "MPNLB", "role": "management_point", "members": ["DMZ01", "DMZ02"]}]),
        ],
        [
            (
                "site_inputs/t.yaml:47:9: error: nlb_clusters[0] (MPNLB): members accept Internet connections but the "
                "cluster has no internet_fqdn [nlb-missing-internet-fqdn]"
            ),
        ],
    ),
    "nlb-missing-intranet-fqdn": (
        [
            add_server(name="CM02", zone="intranet", roles={"management_point": {"connections": "intranet"}}),
            set_path(
                "servers[CM01].roles",
                {"management_point": {"connections": "intranet"}, "software_update_point": {"connections": "intranet"}},
            ),
            set_path("nlb_clusters", [{"name": "INTRA", "role": "management_point", "members": ["CM01", "CM02"]}]),
        ],
        [
            (
                "site_inputs/t.yaml:48:9: error: nlb_clusters[0] (INTRA): members accept intranet connections but the "
                "cluster has no intranet_fqdn [nlb-missing-intranet-fqdn]"
            ),
        ],
    ),
    "nlb-duplicate-member": (
        [add_server(name="DMZ02", roles=MP_INTERNET), cluster(["DMZ01", "DMZ02", "dmz02"])],
        [
            (
                "site_inputs/t.yaml:52:5: error: nlb_clusters[0].members[2]: dmz02 is listed twice "
                "[nlb-duplicate-member]"
            ),
        ],
    ),
    "nlb-mixed-zones": (
        [add_server(name="MP2", zone="intranet", roles=MP_INTERNET), cluster(["DMZ01", "MP2"])],
        [
            (
                "site_inputs/t.yaml:32:9: warning: servers[3] (MP2): an intranet server accepts Internet connections "
                "directly (no reverse proxy publishes it); this bridges the perimeter and is only suitable for tests "
                "[intranet-server-internet-facing]"
            ),
            (
                "site_inputs/t.yaml:50:3: error: nlb_clusters[0] (N): members sit in different zones (intranet, "
                "perimeter); an NLB cluster shares one virtual address in one network [nlb-mixed-zones]"
            ),
        ],
    ),
    "nlb-member-count": (
        [cluster(["DMZ01"])],
        [
            (
                "site_inputs/t.yaml:44:3: error: nlb_clusters[0].members: an NLB cluster has 2 to 32 members (got 1) "
                "[nlb-member-count]"
            ),
        ],
    ),
    "nlb-member-role": (
        [add_server(name="DMZ02"), cluster(["DMZ01", "DMZ02"])],
        [
            (
                "site_inputs/t.yaml:48:5: error: nlb_clusters[0].members[1]: DMZ02 does not carry the cluster's role "
                "management_point [nlb-member-role]"
            ),
        ],
    ),
    "internet-dp-branch": (
        [set_path("servers[DMZ01].roles.distribution_point.branch", True)],
        [
            (
                "site_inputs/t.yaml:32:15: error: servers[2] (DMZ01): a branch distribution point cannot accept "
                "Internet connections [internet-dp-branch]"
            ),
        ],
    ),
    "internet-dp-no-bits": (
        [set_path("servers[DMZ01].roles.distribution_point.bits", False)],
        [
            (
                "site_inputs/t.yaml:32:13: error: servers[2] (DMZ01): a distribution point that accepts Internet "
                "connections needs bits: true (BITS, HTTP, and HTTPS) [internet-dp-no-bits]"
            ),
        ],
    ),
    "missing-install-account": (
        [set_path("servers[DMZ01].forest", "dmz.example.test")],
        [
            (
                "site_inputs/t.yaml:29:7: warning: servers[2] (DMZ01): the management point in forest dmz.example.test "
                "reads the site database on SQL01 in forest corp.example.test (database: site); it needs a management "
                "point database connection account, or a SQL Server replica (database: replica), which the checklist "
                "suggests [mp-other-forest-site-database]"
            ),
            (
                "site_inputs/t.yaml:32:11: error: servers[2] (DMZ01): forest dmz.example.test differs from "
                "site.forest corp.example.test; set install_account (DOMAIN\\user) [missing-install-account]"
            ),
            (
                "site_inputs/t.yaml:32:11: warning: servers[2] (DMZ01): the server is in forest dmz.example.test, "
                "not in site.forest corp.example.test, and has no intranet_fqdn; give the FQDN the site server "
                "resolves it by, through a conditional forwarder or a stub zone for dmz.example.test in the DNS of "
                "corp.example.test [other-forest-without-intranet-fqdn]"
            ),
        ],
    ),
    "multiple-internet-mps": (
        [add_server(name="DMZ02", internet_fqdn="mp2.example.com", roles=MP_INTERNET)],
        [
            (
                "site_inputs/t.yaml:38:20: error: more than one management point accepts Internet connections (DMZ01, "
                "DMZ02); Internet clients use one assigned Internet MP [multiple-internet-mps]"
            ),
        ],
    ),
    "multiple-active-sups": (
        [set_path("servers[SQL01].roles", {"software_update_point": {"connections": "intranet"}})],
        [
            (
                "site_inputs/t.yaml:24:20: error: more than one active software update point (CM01, SQL01); a site "
                "has one active SUP [multiple-active-sups]"
            ),
        ],
    ),
    "multiple-internet-sups": (
        [
            add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
            add_server(name="SUP2", internet_fqdn="s2.example.com", roles=SUP_INTERNET),
        ],
        [
            (
                "site_inputs/t.yaml:45:20: error: more than one Internet-only software update point (SUP1, SUP2) "
                "[multiple-internet-sups]"
            ),
        ],
    ),
    "internet-sup-with-dual-active-sup": (
        [
            set_path("servers[CM01].roles.software_update_point.connections", "both"),
            set_path("servers[CM01].internet_fqdn", "cm01.example.com"),
            add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
        ],
        [
            (
                "site_inputs/t.yaml:13:9: warning: servers[0] (CM01): an intranet server accepts Internet connections "
                "directly (no reverse proxy publishes it); this bridges the perimeter and is only suitable for tests "
                "[intranet-server-internet-facing]"
            ),
            (
                "site_inputs/t.yaml:39:20: error: SUP1 is an Internet-only SUP while the active SUP CM01 already "
                "accepts Internet connections (both); make the active SUP intranet-only or drop the Internet-only SUP "
                "[internet-sup-with-dual-active-sup]"
            ),
        ],
    ),
    "internet-sup-without-active-sup": (
        [
            set_path("servers[CM01].roles", {}),
            add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
        ],
        [
            (
                "site_inputs/t.yaml:36:20: error: SUP1 is an Internet-only SUP but the site has no active SUP "
                "(connections intranet or both) to synchronise from [internet-sup-without-active-sup]"
            ),
        ],
    ),
    "internet-sup-on-site-server": (
        [
            set_path("servers[CM01].roles", SUP_INTERNET),
            set_path("servers[CM01].internet_fqdn", "cm01.example.com"),
            set_path("servers[SQL01].roles", {"software_update_point": {"connections": "intranet"}}),
        ],
        [
            (
                "site_inputs/t.yaml:13:9: warning: servers[0] (CM01): an intranet server accepts Internet connections "
                "directly (no reverse proxy publishes it); this bridges the perimeter and is only suitable for tests "
                "[intranet-server-internet-facing]"
            ),
            (
                "site_inputs/t.yaml:18:20: error: the Internet-only SUP cannot be on the site server CM01; use a "
                "remote site system [internet-sup-on-site-server]"
            ),
        ],
    ),
    "replica-not-defined": (
        [set_path("servers[DMZ01].roles.management_point.database", "replica")],
        [
            (
                "site_inputs/t.yaml:30:17: error: servers[2] (DMZ01): the management point uses database: replica but "
                "there is no database_replica [replica-not-defined]"
            ),
        ],
    ),
    "replica-on-database-server": (
        [
            set_path("servers[DMZ01].roles.management_point.database", "replica"),
            set_path("database_replica", {"server": "SQL01", "database": "SMS_TST_r"}),
        ],
        [
            (
                "site_inputs/t.yaml:41:11: error: database_replica.server: the replica must be on another server than "
                "the site database server SQL01 [replica-on-database-server]"
            ),
        ],
    ),
    "replica-needs-perimeter-initiation": (
        [
            set_path("servers[DMZ01].roles.management_point.database", "replica"),
            add_server(name="SQL02", zone="intranet"),
            set_path("database_replica", {"server": "SQL02", "database": "SMS_TST_r"}),
            set_path("network.back_firewall.perimeter_may_initiate", False),
        ],
        [
            (
                "site_inputs/t.yaml:30:17: error: servers[2] (DMZ01): the perimeter MP would open SQL TCP 1433 to the "
                "intranet replica SQL02, but network.back_firewall.perimeter_may_initiate is false; put the replica "
                "in the perimeter [replica-needs-perimeter-initiation]"
            ),
        ],
    ),
    "database-needs-perimeter-initiation": (
        [set_path("network.back_firewall.perimeter_may_initiate", False)],
        [
            (
                "site_inputs/t.yaml:29:7: error: servers[2] (DMZ01): the perimeter MP would open SQL TCP 1433 to the "
                "site database on SQL01 in the intranet, but network.back_firewall.perimeter_may_initiate is false; "
                "use a database replica in the perimeter (database: replica) [database-needs-perimeter-initiation]"
            ),
        ],
    ),
    "proxy-outside-perimeter": (
        [
            set_path(
                "network.reverse_proxy",
                {"name": "P", "zone": "intranet", "mode": "ssl_bridging", "publishes": ["DMZ01"]},
            )
        ],
        [
            (
                "site_inputs/t.yaml:39:11: error: network.reverse_proxy.zone: the reverse proxy must be in the "
                "perimeter (got 'intranet') [proxy-outside-perimeter]"
            ),
        ],
    ),
    "proxy-publishes-non-internet-server": (
        [set_path("network.reverse_proxy", {"name": "P", "mode": "ssl_tunneling", "publishes": ["SQL01"]})],
        [
            (
                "site_inputs/t.yaml:41:7: error: network.reverse_proxy.publishes[0]: SQL01 has no role that accepts "
                "Internet connections [proxy-publishes-non-internet-server]"
            ),
        ],
    ),
    "duplicate-server-name": (
        [add_server(name="cm01", zone="intranet")],
        [
            (
                "site_inputs/t.yaml:34:9: error: servers[3].name: 'cm01' is already used by servers[0].name "
                "[duplicate-server-name]"
            ),
        ],
    ),
    "duplicate-cluster-name": (
        [
            *NLB_MPS,
            add_server(name="SUP1", roles=SUP_INTERNET),
            add_server(name="SUP2", roles=SUP_INTERNET),
            lambda data: data["nlb_clusters"].append(
                {
                    "name": "mpnlb",
                    "role": "software_update_point",
                    "internet_fqdn": "sup.example.com",
                    "members": ["SUP1", "SUP2"],
                    "wsus_database": "SQL01",
                }
            ),
        ],
        [
            (
                "site_inputs/t.yaml:65:9: error: nlb_clusters[1].name: 'mpnlb' is already used by "
                "nlb_clusters[0].name [duplicate-cluster-name]"
            ),
        ],
    ),
    "duplicate-firewall-name": (
        [set_path("network.back_firewall.name", "fw-front")],
        [
            (
                "site_inputs/t.yaml:36:11: error: network.back_firewall.name: 'fw-front' is already used by "
                "network.front_firewall.name [duplicate-firewall-name]"
            ),
        ],
    ),
    "duplicate-fqdn": (
        [set_path("servers[DMZ01].intranet_fqdn", "CM01.corp.example.test")],
        [
            (
                "site_inputs/t.yaml:32:18: error: servers[2].intranet_fqdn: 'CM01.corp.example.test' is already used "
                "by servers[0].intranet_fqdn [duplicate-fqdn]"
            ),
        ],
    ),
    "internet-sup-sync-blocked": (
        [
            add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET, site_server_initiated=True),
            set_path("software_updates", {"internet_sup_sync": "automatic"}),
            set_path("network.back_firewall.perimeter_may_initiate", False),
            set_path("database_replica", {"server": "SUP1", "database": "r"}),
            set_path("servers[DMZ01].roles.management_point.database", "replica"),
        ],
        [
            (
                "site_inputs/t.yaml:50:22: error: internet_sup_sync is automatic for the perimeter Internet SUP SUP1, "
                "but network.back_firewall.perimeter_may_initiate is false; use export_import "
                "[internet-sup-sync-blocked]"
            ),
        ],
    ),
    "unknown-server/wsus-database": (
        sup_cluster(2, wsus_database="GHOST"),
        [
            (
                "site_inputs/t.yaml:56:18: error: nlb_clusters[0].wsus_database: server 'GHOST' is not in servers "
                "(known: CM01, DMZ01, SQL01, SUP0, SUP1) [unknown-server]"
            ),
        ],
    ),
    "unused-directory-forest": (
        [set_path("directory", {"corp.example.test": [{"name": "DC1"}], "typo.example.test": [{"name": "DC9"}]})],
        [
            (
                "site_inputs/t.yaml:42:3: error: directory: forest 'typo.example.test' is not site.forest and no "
                "server is in it (forests: corp.example.test) [unused-directory-forest]"
            ),
        ],
    ),
    "nlb-sup-member-count": (
        sup_cluster(5, wsus_database="SQL01"),
        [
            (
                "site_inputs/t.yaml:72:3: error: nlb_clusters[0] (S): an NLB software update point has at most 4 "
                "members (got 5) [nlb-sup-member-count]"
            ),
        ],
    ),
    "nlb-sup-missing-wsus-database": (
        sup_cluster(2),
        [
            (
                "site_inputs/t.yaml:50:9: error: nlb_clusters[0] (S): set wsus_database, the SQL Server holding the "
                "WSUS database that every member shares [nlb-sup-missing-wsus-database]"
            ),
        ],
    ),
    "no-internet-mp": (
        [set_path("servers[DMZ01].roles.management_point.connections", "intranet")],
        [
            (
                "site_inputs/t.yaml:31:20: error: servers[2] (DMZ01): the distribution point accepts Internet "
                "connections but no management point does; Internet clients could not get policy (give a management "
                "point connections: internet or both) [no-internet-mp]"
            ),
        ],
    ),
    "unknown-firewall-platform": (
        [
            set_path("network.front_firewall.platform", "cisco-asa"),
            set_path("network.back_firewall.platform", "pfsense"),
        ],
        [
            (
                "site_inputs/t.yaml:35:15: error: network.front_firewall.platform: 'cisco-asa' is not a platform this "
                "generator writes configurations for; did you mean 'ciscoasa'? [unknown-firewall-platform]"
            ),
            (
                "site_inputs/t.yaml:38:15: error: network.back_firewall.platform: 'pfsense' is not a platform this "
                "generator writes configurations for (supported: ciscoasa, srx, paloalto, fortigate, nftables) "
                "[unknown-firewall-platform]"
            ),
        ],
    ),
    "intranet-server-internet-facing": (
        [
            set_path("servers[CM01].roles.software_update_point.connections", "both"),
            set_path("servers[CM01].internet_fqdn", "cm01.example.com"),
        ],
        [
            (
                "site_inputs/t.yaml:13:9: warning: servers[0] (CM01): an intranet server accepts Internet connections "
                "directly (no reverse proxy publishes it); this bridges the perimeter and is only suitable for tests "
                "[intranet-server-internet-facing]"
            ),
        ],
    ),
    "crl-not-published": (
        [set_path("pki.crl_published_on_internet", False)],
        [
            (
                "site_inputs/t.yaml:38:3: warning: pki: client_crl_checking is true but crl_published_on_internet is "
                "false; Internet clients will fail revocation checks [crl-not-published]"
            ),
        ],
    ),
    "fsp-not-dedicated": (
        [set_path("servers[DMZ01].roles.fallback_status_point", {"connections": "both"})],
        [
            (
                "site_inputs/t.yaml:33:7: warning: servers[2] (DMZ01): the fallback status point shares the server "
                "with a role that takes HTTPS client traffic; it should be dedicated [fsp-not-dedicated]"
            ),
        ],
    ),
    "internet-sup-sync-automatic-perimeter": (
        [
            add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
            set_path("software_updates", {"internet_sup_sync": "automatic"}),
        ],
        [
            (
                "site_inputs/t.yaml:47:22: warning: internet_sup_sync is automatic for the perimeter Internet SUP "
                "SUP1: the back firewall must allow a WSUS connection from the perimeter into the intranet "
                "[internet-sup-sync-automatic-perimeter]"
            ),
        ],
    ),
    "feature-unsupported-on-internet": (
        [set_path("clients", {"internet_features": ["inventory", "nap"]})],
        [
            (
                "site_inputs/t.yaml:42:5: warning: clients.internet_features[1]: Network Access Protection (NAP) is "
                "not available to clients on the Internet; use a VPN for clients that need it "
                "[feature-unsupported-on-internet]"
            ),
        ],
    ),
    "perimeter-server-initiates": (
        [
            set_path("servers[DMZ01].forest", "dmz.example.test"),
            set_path("servers[DMZ01].install_account", "DMZ\\svc-install"),
            set_path("servers[DMZ01].site_server_initiated", False),
        ],
        [
            (
                "site_inputs/t.yaml:29:7: warning: servers[2] (DMZ01): the management point in forest dmz.example.test "
                "reads the site database on SQL01 in forest corp.example.test (database: site); it needs a management "
                "point database connection account, or a SQL Server replica (database: replica), which the checklist "
                "suggests [mp-other-forest-site-database]"
            ),
            (
                "site_inputs/t.yaml:32:11: warning: servers[2] (DMZ01): the server is in forest dmz.example.test, "
                "not in site.forest corp.example.test, and has no intranet_fqdn; give the FQDN the site server "
                "resolves it by, through a conditional forwarder or a stub zone for dmz.example.test in the DNS of "
                "corp.example.test [other-forest-without-intranet-fqdn]"
            ),
            (
                "site_inputs/t.yaml:34:26: warning: servers[2] (DMZ01): site_server_initiated is false for a "
                "perimeter server in forest dmz.example.test; it will open connections to the site server "
                "[perimeter-server-initiates]"
            ),
        ],
    ),
    "webdav-manual": (
        [set_path("servers[DMZ01].os", "windows_server_2008")],
        [
            (
                "site_inputs/t.yaml:24:7: warning: servers[2] (DMZ01): the Internet management point and distribution "
                "point on Windows Server 2008 need WebDAV, which is set up by hand: download and install WebDAV for "
                "IIS 7.0, then enable WebDAV and its authoring rules [webdav-manual]"
            ),
        ],
    ),
    "webdav-manual/2008 R2": (
        [set_path("servers[DMZ01].os", "windows_server_2008_r2")],
        [
            (
                "site_inputs/t.yaml:24:7: warning: servers[2] (DMZ01): the Internet management point and distribution "
                "point on Windows Server 2008 R2 need WebDAV, which is set up by hand: add the WebDAV role service "
                "(WebDAV Publishing, in Web Server (IIS)), then enable WebDAV and its authoring rules [webdav-manual]"
            ),
        ],
    ),
    "webdav-manual/not for an intranet MP the change leaves alone": (
        [
            set_path("servers[CM01].os", "windows_server_2008"),
            set_path("servers[CM01].roles.management_point", {"connections": "intranet"}),
            set_path("servers[CM01].roles.distribution_point", {"connections": "intranet"}),
        ],
        [],
    ),
    "internet-sup-without-internet-dp": (
        [
            set_path("servers[DMZ01].roles.distribution_point.connections", "intranet"),
            add_server(name="SUP1", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
        ],
        [
            (
                "site_inputs/t.yaml:38:20: warning: servers[3] (SUP1): the software update point accepts Internet "
                "connections but no distribution point does; Internet clients can scan for updates but cannot "
                "download them [internet-sup-without-internet-dp]"
            ),
        ],
    ),
    "os-needs-newer-version": (
        [set_path("site.version", "RTM"), set_path("servers[SQL01].os", "windows_server_2008")],
        [
            (
                "site_inputs/t.yaml:21:7: warning: servers[1] (SQL01): a site system on Windows Server 2008 needs "
                "ConfigMgr 2007 SP1 or later, but site.version is RTM [os-needs-newer-version]"
            ),
        ],
    ),
    "os-needs-newer-version/R2 implies only SP1": (
        [set_path("site.version", "R2"), set_path("servers[SQL01].os", "windows_server_2008_r2")],
        [
            (
                "site_inputs/t.yaml:21:7: warning: servers[1] (SQL01): a site system on Windows Server 2008 R2 needs "
                "ConfigMgr 2007 SP2 or later, but site.version is R2 (R2 implies only SP1) [os-needs-newer-version]"
            ),
        ],
    ),
    "os-needs-newer-version/not for a server that is no site system": (
        [set_path("site.version", "RTM"), add_server(name="OTHER", zone="intranet", os="windows_server_2008")],
        [],
    ),
    "other-forest-without-intranet-fqdn": (
        [add_server(name="DMZ02", forest="dmz.example.test", install_account="DMZ\\svc-install")],
        [
            (
                "site_inputs/t.yaml:35:11: warning: servers[3] (DMZ02): the server is in forest dmz.example.test, "
                "not in site.forest corp.example.test, and has no intranet_fqdn; give the FQDN the site server "
                "resolves it by, through a conditional forwarder or a stub zone for dmz.example.test in the DNS of "
                "corp.example.test [other-forest-without-intranet-fqdn]"
            ),
        ],
    ),
    "mp-other-forest-site-database": (
        [
            set_path("servers[DMZ01].forest", "dmz.example.test"),
            set_path("servers[DMZ01].install_account", "DMZ\\svc-install"),
            set_path("servers[DMZ01].intranet_fqdn", "dmz01.dmz.example.test"),
        ],
        [
            (
                "site_inputs/t.yaml:29:7: warning: servers[2] (DMZ01): the management point in forest dmz.example.test "
                "reads the site database on SQL01 in forest corp.example.test (database: site); it needs a management "
                "point database connection account, or a SQL Server replica (database: replica), which the checklist "
                "suggests [mp-other-forest-site-database]"
            ),
        ],
    ),
    "intranet-internet-sup-export-import": (
        [
            add_server(name="SUP1", zone="intranet", internet_fqdn="s1.example.com", roles=SUP_INTERNET),
            set_path("software_updates", {"internet_sup_sync": "export_import"}),
        ],
        [
            (
                "site_inputs/t.yaml:32:9: warning: servers[3] (SUP1): an intranet server accepts Internet connections "
                "directly (no reverse proxy publishes it); this bridges the perimeter and is only suitable for tests "
                "[intranet-server-internet-facing]"
            ),
            (
                "site_inputs/t.yaml:47:22: warning: software_updates.internet_sup_sync: export_import for the "
                "Internet-only SUP SUP1 in the intranet; the checklist has an Internet-based SUP in the intranet "
                "synchronise automatically (set automatic or leave the key out) [intranet-internet-sup-export-import]"
            ),
        ],
    ),
    "public-name-ipv6-only": (
        [set_path("servers[DMZ01].public_ip", "2001:db8::10")],
        [
            (
                "site_inputs/t.yaml:26:14: warning: servers[2] (DMZ01): the public name ibcm.example.com has only the "
                "IPv6 address 2001:db8::10; IPv4-only clients on the Internet cannot reach it (publish it on an IPv4 "
                "address too) [public-name-ipv6-only]"
            ),
        ],
    ),
    "public-name-ipv6-only/the reverse proxy's address": (
        [
            set_path(
                "network.reverse_proxy",
                {"name": "P", "mode": "ssl_bridging", "public_ip": "2001:db8::80", "publishes": ["DMZ01"]},
            )
        ],
        [
            (
                "site_inputs/t.yaml:40:16: warning: servers[2] (DMZ01): the public name ibcm.example.com has only the "
                "IPv6 address 2001:db8::80; IPv4-only clients on the Internet cannot reach it (publish it on an IPv4 "
                "address too) [public-name-ipv6-only]"
            ),
        ],
    ),
    "public-name-ipv6-only/an NLB cluster": (
        [*NLB_MPS, lambda data: data["nlb_clusters"][0].update(public_ip="2001:db8::20")],
        [
            (
                "site_inputs/t.yaml:53:14: warning: nlb_clusters[0] (MPNLB): the public name mp.example.com has only "
                "the IPv6 address 2001:db8::20; IPv4-only clients on the Internet cannot reach it (publish it on an "
                "IPv4 address too) [public-name-ipv6-only]"
            ),
        ],
    ),
    "perimeter-initiated-flow": (
        [
            set_path("network.back_firewall.perimeter_may_initiate", False),
            add_server(name="DMZSQL"),
            set_path("database_replica", {"server": "DMZSQL", "database": "r"}),
            set_path("servers[DMZ01].roles.management_point.database", "replica"),
            set_path("servers[DMZ01].site_server_initiated", False),
        ],
        [
            (
                "site_inputs/t.yaml:23:9: error: DMZ01 (perimeter) is a member of the intranet forest "
                "corp.example.test and needs its domain controllers (DNS, Kerberos, LDAP, SMB, RPC, time), but "
                "network.back_firewall.perimeter_may_initiate is false; open these flows through FW-BACK as an "
                "exception, or put DMZ01 in a perimeter forest with its own domain controllers "
                "[perimeter-initiated-flow]"
            ),
            (
                "site_inputs/t.yaml:33:26: error: DMZ01 (perimeter) sends data and status to the site server CM01 "
                "(SMB TCP 445) because its site_server_initiated is false, but "
                "network.back_firewall.perimeter_may_initiate is false; set site_server_initiated to true "
                "[perimeter-initiated-flow]"
            ),
            (
                "site_inputs/t.yaml:34:9: error: DMZSQL (perimeter) is a member of the intranet forest "
                "corp.example.test and needs its domain controllers (DNS, Kerberos, LDAP, SMB, RPC, time), but "
                "network.back_firewall.perimeter_may_initiate is false; open these flows through FW-BACK as an "
                "exception, or put DMZSQL in a perimeter forest with its own domain controllers "
                "[perimeter-initiated-flow]"
            ),
        ],
    ),
    "perimeter-crl-check": (
        [
            set_path("network.back_firewall.perimeter_may_initiate", False),
            set_path("servers[DMZ01].forest", "dmz.example.test"),
            set_path("servers[DMZ01].install_account", "DMZ\\svc-install"),
            add_server(name="DMZSQL", forest="dmz.example.test", install_account="DMZ\\svc-install"),
            set_path("database_replica", {"server": "DMZSQL", "database": "r"}),
            set_path("servers[DMZ01].roles.management_point.database", "replica"),
            set_path("pki.crl_url", "http://pki.corp.example.test/ca.crl"),
            set_path("pki.crl_published_on_internet", False),
        ],
        [
            (
                "site_inputs/t.yaml:23:9: warning: DMZ01 (perimeter) may need the CRL distribution point "
                "pki.corp.example.test (intranet, TCP 80) to check client certificates (IIS checks them against it; "
                "to confirm), but network.back_firewall.perimeter_may_initiate is false and "
                "pki.crl_published_on_internet is false; confirm with the PKI team and publish the CRL where the "
                "perimeter can reach it [perimeter-crl-check]"
            ),
            (
                "site_inputs/t.yaml:33:11: warning: servers[2] (DMZ01): the server is in forest dmz.example.test, "
                "not in site.forest corp.example.test, and has no intranet_fqdn; give the FQDN the site server "
                "resolves it by, through a conditional forwarder or a stub zone for dmz.example.test in the DNS of "
                "corp.example.test [other-forest-without-intranet-fqdn]"
            ),
            (
                "site_inputs/t.yaml:38:11: warning: servers[3] (DMZSQL): the server is in forest dmz.example.test, "
                "not in site.forest corp.example.test, and has no intranet_fqdn; give the FQDN the site server "
                "resolves it by, through a conditional forwarder or a stub zone for dmz.example.test in the DNS of "
                "corp.example.test [other-forest-without-intranet-fqdn]"
            ),
            (
                "site_inputs/t.yaml:47:3: warning: pki: client_crl_checking is true but crl_published_on_internet is "
                "false; Internet clients will fail revocation checks [crl-not-published]"
            ),
        ],
    ),
}
"""Case id (the code it exercises, then ``/variant``) -> (mutations of the base site, every diagnostic it prints).

Ordered like the registries: the site rules in the order of docs/site-inputs.md (Validation rules), then the plan rules.
"""


def test_base_site_is_valid_without_warnings() -> None:
    site, diagnostics = load(site_dict())
    assert site is not None
    assert diagnostics == []


@pytest.mark.parametrize("case", list(RULE_CASES), ids=list(RULE_CASES))
def test_rule_diagnostic(case: str) -> None:
    mutations, expected = RULE_CASES[case]
    site, diagnostics = load(site_dict(*mutations))
    assert formatted(diagnostics) == expected
    assert (site is None) == any(d.is_error for d in diagnostics)
    if site is not None:  # the design review's warnings join the plan, not the valid site
        review = {code.name for code in PLAN_RULES.codes}
        assert site.warnings == [d for d in diagnostics if d.code not in review]


def test_every_rule_code_has_an_exact_case() -> None:
    declared = {code.name for code in (*SITE_RULES.codes, *PLAN_RULES.codes)}
    covered = {code_of(line) for _, expected in RULE_CASES.values() for line in expected}
    assert covered == declared


def test_rules_emit_exactly_their_declared_codes() -> None:
    """Run each rule on its own over every case: it may only yield its codes, and yields each of them somewhere."""
    emitted: dict[str, set[str]] = {rule.name: set() for rule in [*SITE_RULES, *PLAN_RULES]}
    for mutations, _ in RULE_CASES.values():
        parsed, _ = parse_site_text(site_yaml(site_dict(*mutations)), "t.yaml")
        assert parsed is not None
        topo = Topology(parsed.model)
        found = {rule.name: list(rule(topo)) for rule in SITE_RULES if not rule.lookups}
        if not any(f.code is UNKNOWN_SERVER for findings in found.values() for f in findings):
            found |= {rule.name: list(rule(topo)) for rule in SITE_RULES if rule.lookups}
        site, _ = validate_site(parsed)
        if site is not None:
            plan = build_site_plan(site, IBCM_CHECKLIST)
            found |= {rule.name: list(rule(plan)) for rule in PLAN_RULES}
        for name, findings in found.items():
            emitted[name] |= {f.code.name for f in findings}
    assert emitted == {rule.name: {code.name for code in rule.codes} for rule in [*SITE_RULES, *PLAN_RULES]}


def test_a_rule_cannot_emit_an_undeclared_code() -> None:
    registry: RuleRegistry[str] = RuleRegistry()
    declared = Code("declared-code", Severity.ERROR, "declared")
    other = Code("other-code", Severity.ERROR, "not declared by the rule")

    @registry.rule(declared)
    def sloppy(subject: str) -> Iterator[Finding]:
        yield Finding(declared, ("site",), subject)
        yield Finding(other, ("site",), subject)

    findings = sloppy("x")
    assert next(findings) == Finding(declared, ("site",), "x")
    with pytest.raises(UndeclaredCodeError, match="rule sloppy emitted 'other-code', which it does not declare"):
        next(findings)


def test_a_code_belongs_to_one_rule_and_a_rule_declares_one_at_least() -> None:
    registry: RuleRegistry[str] = RuleRegistry()
    code = Code("some-code", Severity.WARNING, "a code")
    registry.rule(code)(lambda _subject: ())
    with pytest.raises(ValueError, match="diagnostic code 'some-code' is declared twice"):
        registry.rule(Code("some-code", Severity.ERROR, "the same name again"))
    with pytest.raises(ValueError, match="a rule declares at least one code"):
        registry.rule()
    assert registry.codes == (code,)


def test_every_code_of_the_rules_module_is_registered() -> None:
    assert {value for value in vars(rules).values() if isinstance(value, Code)} == set(SITE_RULES.codes)


def test_docs_list_every_code_once_in_registry_order() -> None:
    everything = diagnostic_codes()
    assert [code.name for code in everything] == [
        *(code.name for code in LOAD_CODES),
        *(code.name for code in SITE_RULES.codes),
        *(code.name for code in PLAN_RULES.codes),
        *(code.name for code in ACKNOWLEDGEMENT_CODES),
    ]
    assert len({code.name for code in everything}) == len(everything)
    table = codes_table()
    positions = [table.index(f"* - `{code.name}`\n  - {code.severity.value}\n") for code in everything]
    assert positions == sorted(positions)


def test_one_warning_per_unsupported_feature() -> None:
    site, diagnostics = load(site_dict(set_path("clients.internet_features", ["nap", "remote_control", "inventory"])))
    assert site is not None
    assert [d.message.split(":")[0] for d in diagnostics] == [
        "clients.internet_features[0]",
        "clients.internet_features[1]",
    ]


def test_nlb_cluster_counts_as_one_internet_mp() -> None:
    site, diagnostics = load(site_dict(*NLB_MPS))
    assert site is not None, formatted(diagnostics)


def test_internet_fqdn_may_come_from_the_nlb_cluster() -> None:
    site, diagnostics = load(site_dict(*NLB_MPS, delete_path("servers[DMZ02].internet_fqdn")))
    assert site is not None, formatted(diagnostics)


def test_all_problems_of_a_file_are_reported_together() -> None:
    _, diagnostics = load(
        site_dict(
            set_path("site.mode", "mixed"),
            set_path("site.type", "secondary"),
            delete_path("servers[DMZ01].internet_fqdn"),
        )
    )
    assert codes(diagnostics) == ["secondary-site", "mixed-mode-site", "missing-internet-fqdn"]


def test_one_owner_may_use_one_fqdn_on_both_sides() -> None:
    site, diagnostics = load(site_dict(set_path("servers[DMZ01].intranet_fqdn", "ibcm.example.com")))
    assert site is not None, formatted(diagnostics)


def test_lookup_free_rules_still_run_when_a_reference_is_broken() -> None:
    _, diagnostics = load(
        site_dict(
            set_path("site.type", "secondary"),
            set_path("site.database_server", "NOPE"),
            delete_path("servers[DMZ01].internet_fqdn"),
        )
    )
    # The rule behind missing-internet-fqdn looks servers up by name: it waits until every reference resolves.
    assert codes(diagnostics) == ["secondary-site", "unknown-server"]


def test_intranet_servers_do_not_default_to_site_server_initiated() -> None:
    # The design review rejects this site (DMZ01 and DMZSQL, members of the site forest, need the intranet's
    # domain controllers), so the defaults are checked on the topology alone.
    parsed, _ = parse_site_text(
        site_yaml(
            site_dict(
                set_path("network.back_firewall.perimeter_may_initiate", False),
                add_server(name="DMZSQL"),
                set_path("database_replica", {"server": "DMZSQL", "database": "r"}),
                set_path("servers[DMZ01].roles.management_point.database", "replica"),
                set_path("servers[CM01].roles.software_update_point.connections", "both"),
                set_path("servers[CM01].internet_fqdn", "cm01.example.com"),
            )
        ),
        "t.yaml",
    )
    assert parsed is not None
    topo = Topology(parsed.model)
    assert [s.name for s in topo.site_server_initiated_servers] == ["DMZ01"]
    step = next(d for d in IBCM_CHECKLIST.decide(topo) if d.id == "site-server-initiated-transfers")
    assert step.reasons == (
        "DMZ01 (perimeter) hosts Internet-based roles and network.back_firewall.perimeter_may_initiate is false",
    )
