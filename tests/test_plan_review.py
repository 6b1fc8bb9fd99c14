"""The design review (generator.plan.review) on sites whose back firewall forbids perimeter-initiated connections.

Each case is a whole input and every diagnostic it prints, exactly (``file:line:col: severity: message [code]``):
one per server and need, located at the input path that makes the flows exist.
"""

from __future__ import annotations

import pytest

from generator.diagnostics import Severity
from generator.pipeline import plan_site_text
from generator.plan.review import PERIMETER_CRL_CHECK, PERIMETER_INITIATED_FLOW, PLAN_RULES

HEAD = """\
schema: 1
site: {code: TST, name: Test, type: primary, mode: native, version: SP2, forest: corp.test,
       site_server: CM01, database_server: SQL01}
servers:
  - {name: CM01, zone: intranet, os: windows_server_2003, intranet_fqdn: cm01.corp.test,
     roles: {software_update_point: {connections: intranet}}}
  - {name: SQL01, zone: intranet, os: windows_server_2003}
"""
NETWORK = """\
network:
  front_firewall: {name: FW-FRONT}
  back_firewall: {name: FW-BACK, perimeter_may_initiate: %s}
"""
PUBLISHED = "pki: {crl_published_on_internet: true}\n"

SITE_FOREST = """\
  - name: DMZ01
    zone: perimeter
    os: windows_server_2003
    internet_fqdn: ibcm.example.com
    roles: {management_point: {connections: internet, database: replica}}
  - name: DMZSQL
    zone: perimeter
    os: windows_server_2003
database_replica: {server: DMZSQL, database: SMS_TST_replica}
"""
"""Perimeter servers in the site's own forest (lines 8-16): they need the intranet's domain controllers."""
CORP_DIRECTORY = """\
directory:
  corp.test:
    - {name: DC01, address: 10.0.0.5}
    - {name: DC02, address: 10.0.0.6, os: windows_server_2003}
"""

PERIMETER_FOREST = """\
  - {name: DMZMP, zone: perimeter, forest: dmz.test, os: windows_server_2003, install_account: DMZ\\svc,
     intranet_fqdn: dmzmp.dmz.test, internet_fqdn: mp.example.com,
     roles: {management_point: {connections: internet, database: replica}}}
  - {name: DMZSQL, zone: perimeter, forest: dmz.test, os: windows_server_2003, install_account: DMZ\\svc,
     intranet_fqdn: dmzsql.dmz.test}
"""
"""An untrusted perimeter forest (lines 8-12) whose domain controllers ``DMZ_TAIL`` places in the perimeter."""
NLB_SUP = """\
  - {name: SUPA, zone: perimeter, forest: dmz.test, os: windows_server_2003, install_account: DMZ\\svc,
     intranet_fqdn: supa.dmz.test, roles: {software_update_point: {connections: internet}}}
  - {name: SUPB, zone: perimeter, forest: dmz.test, os: windows_server_2003, install_account: DMZ\\svc,
     intranet_fqdn: supb.dmz.test, roles: {software_update_point: {connections: internet}}}
nlb_clusters:
  - {name: SUPNLB, role: software_update_point, internet_fqdn: sup.example.com, members: [SUPA, SUPB],
     wsus_database: SQL01}
"""
DMZ_TAIL = """\
database_replica: {server: DMZSQL, database: SMS_TST_replica}
directory:
  dmz.test:
    - {name: DMZDC01, address: 172.16.0.5}
"""

FORBIDDEN = "network.back_firewall.perimeter_may_initiate is false"


def dc_error(location: str, server: str, controllers: str = "") -> str:
    return (
        f"site.yaml:{location}: error: {server} (perimeter) is a member of the intranet forest corp.test and needs "
        f"its domain controllers {controllers}(DNS, Kerberos, LDAP, SMB, RPC, time), but {FORBIDDEN}; open these "
        f"flows through FW-BACK as an exception, or put {server} in a perimeter forest with its own domain "
        "controllers [perimeter-initiated-flow]"
    )


def wsus_error(server: str) -> str:
    return (
        f"site.yaml:19:21: error: {server} (perimeter) is a member of the NLB software update point SUPNLB and "
        f"needs its shared WSUS database on SQL01 (intranet, SQL TCP 1433), but {FORBIDDEN}; put the WSUS database "
        "in the perimeter, or open SQL from the members as an exception [perimeter-initiated-flow]"
    )


CASES = {
    "site-forest-member-without-directory": (
        HEAD + SITE_FOREST + NETWORK % "false" + PUBLISHED,
        [dc_error("9:11", "DMZ01"), dc_error("14:11", "DMZSQL")],
    ),
    "site-forest-member-names-the-listed-dcs": (
        HEAD + SITE_FOREST + CORP_DIRECTORY + NETWORK % "false" + PUBLISHED,
        [dc_error("9:11", "DMZ01", "DC01, DC02 "), dc_error("14:11", "DMZSQL", "DC01, DC02 ")],
    ),
    "site-forest-member-with-explicit-forest-is-located-at-it": (
        HEAD
        + SITE_FOREST.replace("  - name: DMZSQL\n", "  - name: DMZSQL\n    forest: corp.test\n")
        + NETWORK % "false"
        + PUBLISHED,
        [dc_error("9:11", "DMZ01"), dc_error("14:13", "DMZSQL")],
    ),
    "site-forest-member-one-diagnostic-per-need": (
        HEAD
        + SITE_FOREST.replace("    internet_fqdn:", "    site_server_initiated: false\n    internet_fqdn:")
        + NETWORK % "false"
        + PUBLISHED,
        [
            dc_error("9:11", "DMZ01"),
            (
                "site.yaml:11:28: error: DMZ01 (perimeter) sends data and status to the site server CM01 (SMB TCP 445) "
                f"because its site_server_initiated is false, but {FORBIDDEN}; set site_server_initiated to true "
                "[perimeter-initiated-flow]"
            ),
            dc_error("15:11", "DMZSQL"),
        ],
    ),
    "forest-with-intranet-servers-has-its-dcs-in-the-intranet": (
        HEAD
        + "  - {name: APP01, zone: intranet, forest: dmz.test, os: windows_server_2003, install_account: DMZ\\svc,"
        + " intranet_fqdn: app01.dmz.test}\n"
        + PERIMETER_FOREST
        + DMZ_TAIL
        + NETWORK % "false"
        + PUBLISHED,
        [
            (
                f"site.yaml:{location}: error: {server} (perimeter) is a member of the forest dmz.test, whose domain "
                "controllers are in the intranet, and needs its domain controllers DMZDC01 (DNS, Kerberos, LDAP, SMB, "
                f"RPC, time), but {FORBIDDEN}; open these flows through FW-BACK as an exception, or put {server} in a "
                "perimeter forest with its own domain controllers [perimeter-initiated-flow]"
            )
            for location, server in (("9:44", "DMZMP"), ("12:45", "DMZSQL"))
        ],
    ),
    "nlb-sup-members-with-intranet-wsus-database": (
        HEAD + PERIMETER_FOREST + NLB_SUP + DMZ_TAIL + NETWORK % "false" + PUBLISHED,
        [
            (
                "site.yaml:14:81: warning: servers[4] (SUPA): the software update point (NLB cluster SUPNLB) accepts "
                "Internet connections but no distribution point does; Internet clients can scan for updates but "
                "cannot download them [internet-sup-without-internet-dp]"
            ),
            wsus_error("SUPA"),
            wsus_error("SUPB"),
        ],
    ),
    "crl-not-published-is-a-warning-to-confirm": (
        HEAD
        + PERIMETER_FOREST
        + DMZ_TAIL
        + NETWORK % "false"
        + "pki: {crl_published_on_internet: false, crl_url: 'http://pki.corp.test/ca.crl'}\n",
        [
            (
                "site.yaml:8:25: warning: DMZMP (perimeter) may need the CRL distribution point pki.corp.test "
                "(intranet, TCP 80) to check client certificates (IIS checks them against it; to confirm), but "
                f"{FORBIDDEN} and pki.crl_published_on_internet is false; confirm with the PKI team and publish the "
                "CRL where the perimeter can reach it [perimeter-crl-check]"
            ),
            (
                "site.yaml:20:6: warning: pki: client_crl_checking is true but crl_published_on_internet is false; "
                "Internet clients will fail revocation checks [crl-not-published]"
            ),
        ],
    ),
    "crl-placeholder-not-published": (
        HEAD + PERIMETER_FOREST + DMZ_TAIL + NETWORK % "false" + "pki: {crl_published_on_internet: false}\n",
        [
            (
                "site.yaml:8:25: warning: DMZMP (perimeter) may need the CRL distribution point (intranet, TCP 80) to "
                "check client certificates (IIS checks them against it; to confirm), but "
                f"{FORBIDDEN} and pki.crl_published_on_internet is false; confirm with the PKI team and publish the "
                "CRL where the perimeter can reach it [perimeter-crl-check]"
            ),
            (
                "site.yaml:20:6: warning: pki: client_crl_checking is true but crl_published_on_internet is false; "
                "Internet clients will fail revocation checks [crl-not-published]"
            ),
        ],
    ),
    "untrusted-perimeter-forest-with-its-dcs-in-the-perimeter": (
        HEAD + PERIMETER_FOREST + DMZ_TAIL + NETWORK % "false" + PUBLISHED,
        [],
    ),
    "untrusted-perimeter-forest-without-directory": (
        HEAD + PERIMETER_FOREST + DMZ_TAIL.split("directory:")[0] + NETWORK % "false" + PUBLISHED,
        [],
    ),
    "perimeter-may-initiate": (
        HEAD + SITE_FOREST + NETWORK % "true" + "pki: {crl_published_on_internet: false}\n",
        [
            (
                "site.yaml:20:6: warning: pki: client_crl_checking is true but crl_published_on_internet is false; "
                "Internet clients will fail revocation checks [crl-not-published]"
            ),
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_review_diagnostics(case: str) -> None:
    text, expected = CASES[case]
    plan, diagnostics = plan_site_text(text, "site.yaml")
    assert [d.format() for d in diagnostics] == expected
    assert (plan is None) == any(d.is_error for d in diagnostics)
    if plan is not None:
        assert [d.format() for d in plan.review] == [line for line in expected if "[perimeter-crl-check]" in line]


def test_the_codes_are_declared_once_with_their_severity() -> None:
    assert [code.name for code in PLAN_RULES.codes] == ["perimeter-initiated-flow", "perimeter-crl-check"]
    assert PERIMETER_INITIATED_FLOW.severity is Severity.ERROR
    assert PERIMETER_CRL_CHECK.severity is Severity.WARNING


def test_the_crl_warning_joins_the_plan_and_its_flow_stays() -> None:
    text, _ = CASES["crl-not-published-is-a-warning-to-confirm"]
    plan, _ = plan_site_text(text, "site.yaml")
    assert plan is not None
    crl = [f for f in plan.network.flows if f.kind == "site-system-crl"]
    assert [(f.source, f.destination, f.firewalls) for f in crl] == [("DMZMP", "pki.corp.test", ("FW-BACK",))]
