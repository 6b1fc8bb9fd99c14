"""The steps the change plan adds: backup, accounts and server-prerequisites (docs/steps.md).

Their conditions, the accounts each kind of site needs, what each server gets installed first (WebDAV per operating
system, WSUS before the software update point role, the WSUS console on the site server, custom-port bindings, host
firewall rules), their work, and their rendering into the runbook with this site's names.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import add_server, delete_path, load, load_valid, set_path, site_dict

from generator.derive.accounts import account_needs
from generator.derive.checklist import IBCM_CHECKLIST
from generator.derive.checklist.steps import accounts, backup, server_prerequisites
from generator.plan import PlannedStep, SitePlan, build_site_plan
from generator.render.pages import render_site
from generator.render.templates import create_environment
from generator.validate import ValidSite

ROOT = Path(__file__).resolve().parent.parent
CONTOSO = ROOT / "site_inputs" / "contoso-perimeter-forest.yaml"
FABRIKAM = ROOT / "site_inputs" / "fabrikam-perimeter-direct.yaml"
DP_ONLY = ROOT / "tests" / "data" / "variations" / "dp-only.yaml"
NLB_SUP = ROOT / "tests" / "data" / "variations" / "nlb-internet-sup.yaml"

SUP_INTERNET = {"software_update_point": {"connections": "internet"}}
NO_INTERNET_ROLES = (
    set_path("servers[DMZ01].roles.management_point.connections", "intranet"),
    set_path("servers[DMZ01].roles.distribution_point.connections", "intranet"),
)
OTHER_FOREST_SUP = add_server(
    name="SUP1",
    forest="dmz.example.test",
    intranet_fqdn="sup1.dmz.example.test",
    install_account="DMZ\\cm-install",
    internet_fqdn="sup.example.com",
    public_ip="203.0.113.20",
    roles=SUP_INTERNET,
)
"""An Internet-only software update point in an untrusted perimeter forest."""
MP_OTHER_FOREST = (
    set_path("servers[DMZ01].forest", "dmz.example.test"),
    set_path("servers[DMZ01].intranet_fqdn", "dmz01.dmz.example.test"),
    set_path("servers[DMZ01].install_account", "DMZ\\cm-install"),
)
"""The perimeter management point moves to another forest and still reads the site database on SQL01."""
REMOTE_ACTIVE_SUP = (
    delete_path("servers[CM01].roles.software_update_point"),
    add_server(
        name="WSUS01",
        zone="intranet",
        intranet_fqdn="wsus01.corp.example.test",
        roles={"software_update_point": {"connections": "intranet"}},
    ),
    add_server(name="SUP1", internet_fqdn="sup.example.com", public_ip="203.0.113.20", roles=SUP_INTERNET),
)
"""The active software update point is on WSUS01, not on the site server CM01."""


def site_file(path: Path) -> ValidSite:
    site, diagnostics = load(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert site is not None, [d.format() for d in diagnostics]
    return site


def plan_of(site: ValidSite) -> SitePlan:
    return build_site_plan(site, IBCM_CHECKLIST)


def planned(plan: SitePlan, step_id: str) -> PlannedStep:
    return next(s for s in plan.steps if s.id == step_id)


def included(site: ValidSite) -> list[str]:
    return [d.id for d in IBCM_CHECKLIST.decide(site.topology) if d.included]


def step_view(plan: SitePlan, step_id: str) -> Any:
    return planned(plan, step_id).view


def rendered(plan: SitePlan) -> str:
    files = render_site(create_environment(ROOT / "templates"), plan)
    page = files[f"{plan.code}/index.md"]
    assert isinstance(page, str)
    return page


def section(page: str, code: str, step_id: str) -> str:
    """The runbook text of one step: from its anchor to the next step's or gate's anchor."""
    start = page.index(f"({code.lower()}-{step_id})=")
    ends = [i for i in (page.find(f"\n({code.lower()}-", start + 1),) if i != -1]
    return page[start : min(ends)] if ends else page[start:]


# --- conditions ---------------------------------------------------------------------------------------------------


def test_backup_is_always_included_and_changes_nothing() -> None:
    assert "backup" in included(load_valid())
    assert "backup" in included(load_valid(*NO_INTERNET_ROLES))
    assert backup.STEP.changes is False


def test_accounts_included_for_contoso_excluded_for_fabrikam() -> None:
    assert "accounts" in included(site_file(CONTOSO))
    decision = next(d for d in IBCM_CHECKLIST.decide(site_file(FABRIKAM).topology) if d.id == "accounts")
    assert not decision.included
    assert "no site system is in another forest" in decision.reasons[0]


def test_accounts_reasons_name_each_account() -> None:
    decision = next(d for d in IBCM_CHECKLIST.decide(site_file(CONTOSO).topology) if d.id == "accounts")
    assert [r.split(":")[0] for r in decision.reasons] == [
        "Site system installation account",
        "Software update point connection account",
        "Replication agent account",
    ]


def test_server_prerequisites_excluded_without_internet_roles() -> None:
    assert "server-prerequisites" in included(load_valid())
    site = load_valid(*NO_INTERNET_ROLES)
    decision = next(d for d in IBCM_CHECKLIST.decide(site.topology) if d.id == "server-prerequisites")
    assert not decision.included
    assert decision.reasons == ("no server has a role that accepts Internet connections",)


# --- account derivation -------------------------------------------------------------------------------------------


def test_untrusted_forest_sup_needs_installation_and_connection_accounts() -> None:
    site = load_valid(OTHER_FOREST_SUP)
    needs = {n.kind: n for n in account_needs(site.topology)}
    assert set(needs) == {"site_system_installation", "sup_connection"}
    assert needs["site_system_installation"].holders == ("SUP1",)
    assert needs["site_system_installation"].name == "DMZ\\cm-install"
    assert needs["sup_connection"].holders == ("SUP1",)
    assert needs["sup_connection"].name is None
    view = step_view(plan_of(site), "accounts")
    sup = next(a for a in view.accounts if a.kind == "sup_connection")
    assert (sup.forests, sup.rights_on, sup.check_on, sup.clusters) == (("dmz.example.test",), ("SUP1",), "SUP1", ())


def test_nlb_sup_needs_a_connection_account_on_every_member() -> None:
    site = site_file(NLB_SUP)
    needs = account_needs(site.topology)
    assert [(n.kind, n.holders, n.name) for n in needs] == [("sup_connection", ("NW-SUP-NLB",), None)]
    entry = step_view(plan_of(site), "accounts").accounts[0]
    assert entry.clusters == ("NW-SUP-NLB",)
    assert entry.rights_on == ("NWSUP01", "NWSUP02")
    assert entry.forests == ("corp.northwind.test",)


def test_cross_forest_mp_reading_the_site_database_needs_a_database_connection_account() -> None:
    site = load_valid(*MP_OTHER_FOREST, set_path("accounts", {"mp_database_connection": "CORP\\svc-mpdb"}))
    needs = {n.kind: n for n in account_needs(site.topology)}
    assert set(needs) == {"site_system_installation", "mp_database_connection"}
    assert needs["mp_database_connection"].holders == ("DMZ01",)
    assert needs["mp_database_connection"].name == "CORP\\svc-mpdb"
    plan = plan_of(site)
    entry = next(a for a in step_view(plan, "accounts").accounts if a.kind == "mp_database_connection")
    assert entry.rights_on == ("SQL01",)
    assert entry.forests == ("corp.example.test",)
    assert [(d.server, d.database, d.replica, d.default_name) for d in entry.databases] == [
        ("SQL01", "SMS_TST", False, True)
    ]
    commands = [i.command for i in planned(plan, "accounts").work.verification]
    assert "sqlcmd -S SQL01 -E -d SMS_TST -Q \"EXEC sp_helprolemember N'smsdbrole_MP'\"" in commands
    assert "net user svc-mpdb /domain" in commands


def test_push_subscription_into_another_forest_needs_a_replication_account() -> None:
    """Reference 16.1 ([U]): SQL authentication to the subscriber, used by the site database server (the publisher
    and distributor); a SQL Server login on the replica that the database team creates, not an AD account."""
    site = site_file(CONTOSO)
    needs = {n.kind: n for n in account_needs(site.topology)}
    assert needs["replication"].holders == ("SQL01",)
    reason = needs["replication"].reason
    assert "SQL01" in reason and "DMZSQL01" in reason
    assert "to confirm" in reason and "expected" in reason and "cannot" not in reason
    assert "mp_database_connection" not in needs  # the MPs read the replica in their own forest
    plan = plan_of(site)
    entry = next(a for a in step_view(plan, "accounts").accounts if a.kind == "replication")
    assert (entry.rights_on, entry.forests) == (("DMZSQL01",), ("dmz.contoso.test",))
    assert (entry.check_on, entry.created_by, entry.sql_login) == ("SQL01", "Database Services", True)
    work = planned(plan, "accounts").work
    logon = next(i for i in work.verification if i.command and "SUSER_SNAME()" in i.command)
    assert (logon.where, logon.command) == ("SQL01", 'sqlcmd -S DMZSQL01 -U <account> -Q "SELECT SUSER_SNAME()"')
    assert not any(i.command and "net user <account>" in i.command for i in (*work.verification, *work.rollback))
    (drop,) = [i for i in work.rollback if i.command and "DROP LOGIN" in i.command]
    assert (drop.where, drop.command) == ("DMZSQL01", 'sqlcmd -S DMZSQL01 -E -Q "DROP LOGIN [<account>]"')
    text = " ".join(section(rendered(plan), "CEN", "accounts").split())
    assert "Created by: the Database Services, as a SQL Server login on **DMZSQL01**" in text
    assert "Created by: the Active Directory team, as a user account of forest" in text


def test_accounts_work_provides_each_kind_and_gates_on_names() -> None:
    plan = plan_of(site_file(CONTOSO))
    work = planned(plan, "accounts").work
    kinds = [a.kind for a in plan.accounts]
    assert work.provides == frozenset(f"account:{k}" for k in kinds)
    unnamed = [a.title for a in plan.accounts if a.name is None]
    assert work.gate[0].startswith("Every account is created and its name recorded")
    assert all(title in work.gate[0] for title in unnamed)
    assert any(i.command == "net localgroup Administrators" for i in work.verification)
    assert any(i.command and "/active:no /domain" in i.command for i in work.rollback)
    assert work.rollback[0].text.startswith("Only for the accounts this change created")


# --- server prerequisites -----------------------------------------------------------------------------------------


def prerequisites_of(plan: SitePlan, server: str) -> server_prerequisites.ServerPrerequisites:
    view: server_prerequisites.ServerPrerequisitesView = step_view(plan, "server-prerequisites")
    return next(s for s in view.prerequisites if s.name == server)


def test_webdav_is_a_download_on_2008_and_a_role_service_on_2008_r2() -> None:
    contoso = plan_of(site_file(CONTOSO))
    dp_only = plan_of(site_file(DP_ONLY))
    assert prerequisites_of(contoso, "DMZMP01").webdav == "download"
    assert prerequisites_of(dp_only, "ADDP01").webdav == "role-service"
    assert prerequisites_of(dp_only, "ADMP01").webdav is None  # Windows Server 2003
    r2 = section(rendered(dp_only), "DPO", "server-prerequisites")
    assert "ADDP01 runs Windows Server 2008 R2, where WebDAV is an IIS role service, not a download" in r2
    assert "**WebDAV Publishing**" in r2
    r2008 = section(rendered(contoso), "CEN", "server-prerequisites")
    assert "DMZMP01 runs Windows Server 2008, where WebDAV is a separate download for IIS 7.0" in r2008


def test_wsus_comes_before_the_software_update_point_role() -> None:
    plan = plan_of(site_file(CONTOSO))
    sup = prerequisites_of(plan, "DMZSUP01")
    assert (sup.wsus, sup.wsus_custom_website, sup.wsus_cluster) == (True, True, None)
    assert step_view(plan, "server-prerequisites").wsus_version == "WSUS 3.0 SP1"  # R2 implies SP1
    assert "wsus:DMZSUP01" in planned(plan, "server-prerequisites").work.provides
    assert "wsus:DMZSUP01" in planned(plan, "sup-internet").work.requires
    order = [s.id for s in plan.steps]
    assert order.index("server-prerequisites") < order.index("install-site-systems") < order.index("sup-internet")
    text = section(rendered(plan), "CEN", "server-prerequisites")
    assert "**WSUS 3.0 SP1** or later, before the software update point role" in text
    assert "its own WSUS web site \\(ports 8530 and 8531\\)" in text


def test_nlb_sup_members_install_wsus_against_the_shared_database() -> None:
    plan = plan_of(site_file(NLB_SUP))
    for member in ("NWSUP01", "NWSUP02"):
        entry = prerequisites_of(plan, member)
        assert (entry.wsus, entry.wsus_cluster, entry.wsus_database) == (True, "NW-SUP-NLB", "NWCM01")
    assert step_view(plan, "server-prerequisites").wsus_console_for == ()  # the active SUP is on the site server
    text = section(rendered(plan), "NSP", "server-prerequisites")
    assert "use the SQL Server **NWCM01**, which holds the shared WSUS database" in text


def test_remote_active_sup_needs_the_wsus_console_on_the_site_server() -> None:
    plan = plan_of(load_valid(*REMOTE_ACTIVE_SUP))
    view = step_view(plan, "server-prerequisites")
    assert view.wsus_console_for == ("WSUS01", "SUP1")
    work = planned(plan, "server-prerequisites").work
    assert "The WSUS 3.0 administration console is installed on CM01." in work.gate
    assert any(i.where == "CM01" and "Update Services console" in i.text for i in work.verification)
    text = section(rendered(plan), "TST", "server-prerequisites")
    assert "#### CM01" in text
    assert "needs the **WSUS 3.0\nadministration console**" in text
    assert step_view(plan_of(site_file(CONTOSO)), "server-prerequisites").wsus_console_for == ()


def test_custom_client_ports_bind_the_iis_site() -> None:
    plan = plan_of(
        load_valid(set_path("site.client_ports", {"https": 8443}), set_path("servers[DMZ01].os", "windows_server_2008"))
    )
    view = step_view(plan, "server-prerequisites")
    assert view.custom_ports == (("https", 8443),)
    (binding,) = prerequisites_of(plan, "DMZ01").bindings
    command = (
        '%windir%\\system32\\inetsrv\\appcmd set site /site.name:"Default Web Site" '
        "/+bindings.[protocol='https',bindingInformation='*:8443:']"
    )
    assert (binding.scheme, binding.port, binding.add_command) == ("https", 8443, command)
    assert binding.remove_command == command.replace("/+bindings", "/-bindings")
    work = planned(plan, "server-prerequisites").work
    assert "The IIS web sites of DMZ01 are bound to the client ports https 8443." in work.gate
    assert any(i.command == binding.remove_command for i in work.rollback)
    text = section(rendered(plan), "TST", "server-prerequisites")
    assert f"```bat\n{command}\n```" in text
    assert "to https port 8443" in text


def test_default_ports_need_no_binding_and_2003_uses_iis_manager() -> None:
    assert prerequisites_of(plan_of(load_valid()), "DMZ01").bindings == ()
    plan = plan_of(load_valid(set_path("site.client_ports", {"http": 8080, "https": 8443})))
    bindings = prerequisites_of(plan, "DMZ01").bindings  # Windows Server 2003
    assert [(b.scheme, b.port, b.add_command) for b in bindings] == [("https", 8443, None), ("http", 8080, None)]
    text = flat(section(rendered(plan), "TST", "server-prerequisites"))
    # Windows Server 2003 has no appcmd: the bindings are set in IIS Manager, and undone there.
    assert "appcmd set site" not in text
    assert (
        "to https port 8443 and http port 8080: in IIS Manager, the web site → **Properties** → **Web Site** tab, "
        "**TCP port** and **SSL port**." in text
    )
    undo = [i for i in planned(plan, "server-prerequisites").work.rollback if "binding" in i.text]
    assert [(i.text, i.command) for i in undo] == [
        (
            f"Remove the {scheme} binding on port {port} from the Default Web Site of DMZ01 (IIS Manager, web site "
            "properties).",
            None,
        )
        for scheme, port in (("https", 8443), ("http", 8080))
    ]


def test_host_firewall_rules_come_from_the_flows_that_end_at_the_server() -> None:
    plan = plan_of(site_file(CONTOSO))
    mp = prerequisites_of(plan, "DMZMP01")  # a member of the NLB cluster CEN-MP-NLB
    assert mp.host_firewall and mp.host_rules is not None
    rules = {(r.protocol, r.local_ports, r.sources) for r in mp.host_rules.rules}
    assert rules == {
        ("TCP", ("443",), ("Internet clients",)),
        ("TCP", ("445", "135", "49152-65535"), ("CM01",)),
        ("UDP", ("135",), ("CM01",)),
        ("TCP", ("443",), ("CM01",)),
    }
    assert mp.host_rules.netsh is not None and "netsh advfirewall firewall add rule" in mp.host_rules.netsh
    sup = prerequisites_of(plan, "DMZSUP01")
    assert sup.host_rules is not None
    assert sup.host_rules.rules[0].local_ports == ("8531", "8530")
    base = prerequisites_of(plan_of(load_valid()), "DMZ01")  # Windows Server 2003
    assert base.host_rules is None and not base.host_firewall


def test_host_firewall_rules_are_deleted_by_their_generated_names() -> None:
    plan = plan_of(site_file(CONTOSO))
    mp = prerequisites_of(plan, "DMZMP01")
    assert mp.host_rules is not None and mp.host_rules.netsh is not None
    undo = next(
        i for i in planned(plan, "server-prerequisites").work.rollback if i.text.startswith("Delete the inbound rules")
    )
    assert undo.where == "DMZMP01" and undo.command is not None
    assert undo.command.splitlines() == [
        f'netsh advfirewall firewall delete rule name="i_{r.name}" dir=in' for r in mp.host_rules.rules
    ]
    assert all(f"name=i_{r.name} " in mp.host_rules.netsh for r in mp.host_rules.rules)
    assert server_prerequisites.host_rule_names(replace(mp.host_rules, netsh=None)) == tuple(
        r.name for r in mp.host_rules.rules
    )


def test_directory_team_comes_from_teams() -> None:
    plan = plan_of(load_valid(*MP_OTHER_FOREST, set_path("teams", {"directory": "Identity Services"})))
    assert planned(plan, "accounts").owner == "Identity Services"
    assert step_view(plan, "accounts").created_by == "Identity Services"
    assert "Created by: the Identity Services" in section(rendered(plan), "TST", "accounts")


@pytest.mark.parametrize("path", [CONTOSO, FABRIKAM, DP_ONLY, NLB_SUP], ids=lambda p: p.stem)
def test_server_prerequisites_render_every_server(path: Path) -> None:
    plan = plan_of(site_file(path))
    text = section(rendered(plan), plan.code, "server-prerequisites")
    for entry in step_view(plan, "server-prerequisites").prerequisites:
        assert f"#### {entry.name}" in text
        assert entry.os_title in text
        for rule in entry.host_rules.rules if entry.host_rules else ():
            ports = ", ".join(rule.local_ports).replace("-", chr(92) + "-")
            assert f"`{rule.name}`: {rule.protocol} {ports} from" in text
        if entry.host_rules and entry.host_rules.netsh:
            assert entry.host_rules.netsh.splitlines()[-1] in text


def test_the_views_are_frozen() -> None:
    plan = plan_of(site_file(CONTOSO))
    for step_id in ("backup", "accounts", "server-prerequisites"):
        view = step_view(plan, step_id)
        with pytest.raises(AttributeError):
            view.site_server = "X"


def test_site_dict_without_internet_roles_is_valid() -> None:
    """The variation the exclusion test uses is a valid site of its own (rule 15 does not apply without Internet
    roles)."""
    site, diagnostics = load(site_dict(*NO_INTERNET_ROLES))
    assert site is not None, [d.format() for d in diagnostics]
    assert accounts.condition(site.topology)[0] is False


# --- wording that follows the order of work -------------------------------------------------------------------------


def flat(text: str) -> str:
    return " ".join(text.split())


def test_site_server_initiated_option_is_chosen_in_the_installation_wizard() -> None:
    """The option step comes before install-site-systems: it says where the option is chosen, and the installation
    step ticks it in the wizard for the servers concerned (the wizard page is to confirm)."""
    plan = plan_of(site_file(CONTOSO))
    page = rendered(plan)
    option = flat(section(page, "CEN", "site-server-initiated-transfers"))
    assert "The option is chosen when **DMZMP01** is installed as a site system in [](#cen-install-site-systems)" in (
        option
    )
    assert "on the **General** page of the New Site System Server Wizard" in option
    assert "If **DMZMP01** is already a site system, set it in its properties instead" in option
    assert "page of the New Site System Server Wizard, and on the **General** tab" in option  # to confirm
    install = flat(section(page, "CEN", "install-site-systems"))
    assert install.count("Check **Allow only site server initiated data transfers from this site system** on the") == 4
    assert "that the wizard shows it there is not confirmed" in install
    assert step_view(plan, "install-site-systems").site_server_initiated == (
        "DMZMP01",
        "DMZMP02",
        "DMZDP01",
        "DMZSUP01",
    )


def test_sql_replica_leaves_pointing_the_management_points_to_mp_internet() -> None:
    text = flat(section(rendered(plan_of(site_file(CONTOSO))), "CEN", "sql-replica"))
    assert "are pointed at the replica later, in [](#cen-mp-internet)" in text
    assert '"Use a database replica"' not in text


def test_register_dns_has_the_database_server_resolve_the_replica() -> None:
    plan = plan_of(site_file(CONTOSO))
    replica = step_view(plan, "register-dns").replica_name
    assert (replica.replica, replica.fqdn, replica.database_server) == (
        "DMZSQL01",
        "dmzsql01.dmz.contoso.test",
        "SQL01",
    )
    text = flat(section(rendered(plan), "CEN", "register-dns"))
    assert "The site database server **SQL01** pushes the subscription to the replica **DMZSQL01**" in text
    assert step_view(plan_of(site_file(FABRIKAM)), "register-dns").replica_name is None


def test_nlb_sup_roles_are_added_in_sup_internet_and_the_cluster_named_later() -> None:
    text = flat(section(rendered(plan_of(site_file(NLB_SUP))), "NSP", "sup-internet"))
    assert "Add the software update point role to **every** member of the NLB cluster **NW\\-SUP\\-NLB**" in text
    assert "Leave the **Internet-based** tab for now" in text
    assert "[](#nsp-nlb-sup-internet-fqdn)" in text


# --- accounts where they are used -----------------------------------------------------------------------------------

USING_STEP = {
    "site_system_installation": "install-site-systems",
    "mp_database_connection": "mp-internet",
    "replication": "sql-replica",
}
"""The step that enters each kind of account (the software update point connection account: that of the software
update point, or of its NLB cluster)."""


def using_step(plan: SitePlan, kind: str, holders: tuple[str, ...]) -> str:
    if kind != "sup_connection":
        return USING_STEP[kind]
    clusters = {c.name for c in plan.site.model.nlb_clusters}
    return "nlb-sup-internet-fqdn" if set(holders) & clusters else "sup-internet"


ACCOUNT_SITES = {
    "contoso": lambda: site_file(CONTOSO),
    "nlb-sup": lambda: site_file(NLB_SUP),
    "nlb-sup-named": lambda: load_site_file_with(NLB_SUP, "accounts", {"sup_connection": "CORP\\svc-supconn"}),
    "other-forest-sup": lambda: load_valid(OTHER_FOREST_SUP),
    "other-forest-sup-named": lambda: load_valid(
        OTHER_FOREST_SUP, set_path("accounts", {"sup_connection": "DMZ\\svc-sup"})
    ),
    "mp-other-forest": lambda: load_valid(
        *MP_OTHER_FOREST, set_path("accounts", {"mp_database_connection": "CORP\\svc-mpdb"})
    ),
    "mp-other-forest-unnamed": lambda: load_valid(*MP_OTHER_FOREST),
}


def load_site_file_with(path: Path, key: str, value: Any) -> ValidSite:
    """A site file with one top-level key replaced (e.g. naming an account the file leaves unnamed)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[key] = value
    site, diagnostics = load(data)
    assert site is not None, [d.format() for d in diagnostics]
    return site


@pytest.mark.parametrize("name", sorted(ACCOUNT_SITES))
def test_each_account_is_named_and_checked_in_the_step_that_uses_it(name: str) -> None:
    plan = plan_of(ACCOUNT_SITES[name]())
    page = rendered(plan)
    kinds = set()
    for need in plan.accounts:
        kinds.add(need.kind)
        step_id = using_step(plan, need.kind, need.holders)
        text = flat(section(page, plan.code, step_id))
        if need.name:
            assert f"`{need.name}`" in text, (name, need.kind, step_id)
        else:
            assert "\\(still to be named\\)" in text, (name, need.kind, step_id)
        if need.kind == "site_system_installation":
            continue  # entered in the wizard, checked by the accounts step (net localgroup)
        assert f"[](#{plan.code.lower()}-accounts)" in text, (name, need.kind)
        work = planned(plan, step_id).work
        title = need.title[0].lower() + need.title[1:]
        label = need.name or "(still to be named)"
        if need.kind == "replication":
            assert any(label in i.text and i.command and "dm_exec_sessions" in i.command for i in work.verification)
        else:
            assert any(f"{title} {label}" in i.text for i in work.verification), (name, need.kind, step_id)
        assert res_account(need.kind) in work.requires, (name, need.kind)
    assert kinds, name


def res_account(kind: str) -> str:
    return f"account:{kind}"


def test_the_steps_enter_no_account_that_the_site_does_not_need() -> None:
    page = rendered(plan_of(site_file(FABRIKAM)))
    assert "connection account" not in flat(section(page, "FAB", "mp-internet"))
    plan = plan_of(load_valid())
    assert all(m.database_account is None for m in step_view(plan, "mp-internet").mps)


# --- the NLB software update point follows the plan ---------------------------------------------------------------


@pytest.mark.parametrize("account", [None, "CORP\\svc-supconn"])
def test_nlb_sup_step_checks_the_earlier_steps_and_takes_the_account_from_the_plan(account: str | None) -> None:
    site = (
        site_file(NLB_SUP) if account is None else load_site_file_with(NLB_SUP, "accounts", {"sup_connection": account})
    )
    plan = plan_of(site)
    text = flat(section(rendered(plan), "NSP", "nlb-sup-internet-fqdn"))
    if account:
        assert f"Set the software update point connection account `{account}`, created in [](#nsp-accounts)" in text
        assert "(to be named)" not in text.replace(
            "content location for the update files: a shared folder that every member can read and write (to be named)",
            "",
        )
    else:
        assert "Set the software update point connection account \\(still to be named\\), created in" in text
    assert "have it created now" not in text
    assert "step 7" not in text and "in item" not in text
    assert "Install WSUS 3.0" not in text
    assert "WSUS on every member first" not in text
    assert (
        "Check that WSUS 3.0 is installed on each of **NWSUP01**, **NWSUP02** ([](#nsp-server-prerequisites))" in text
    )
    assert "and that [](#nsp-sup-internet) ran on every member" in text
    assert "Create the Windows NLB cluster **NW\\-SUP\\-NLB**" in text
    work = planned(plan, "nlb-sup-internet-fqdn").work
    assert "account:sup_connection" in work.requires
    checks = [i.text for i in work.verification]
    assert any("(WSUS was installed in the server prerequisites step)" in c for c in checks)
    assert any(
        "the software update point connection account " + (account or "(still to be named)") in c for c in checks
    )
    undo = " ".join(i.text for i in work.rollback)
    assert "by the rollback of the server prerequisites step" in undo
    assert "if this change installed it" not in undo


# --- the NLB management point cluster -------------------------------------------------------------------------------


def test_nlb_mp_step_creates_the_cluster_before_the_test_urls_use_it() -> None:
    plan = plan_of(site_file(CONTOSO))
    text = flat(section(rendered(plan), "CEN", "nlb-mp-internet-fqdn"))
    assert (
        "In Network Load Balancing Manager, create the Windows NLB cluster **CEN\\-MP\\-NLB** with the members "
        "**DMZMP01**, **DMZMP02** and the virtual address `172.16.20.20` (seen from the Internet as `203.0.113.10`), "
        "with a port rule for the client HTTPS port 443." in text
    )
    work = planned(plan, "nlb-mp-internet-fqdn").work
    checks = [i.text for i in work.verification]
    assert checks[0] == (
        "Network Load Balancing Manager shows the cluster CEN-MP-NLB with DMZMP01 and DMZMP02 converged, with a port "
        "rule for TCP 443."
    )
    mplist = "https://mp.ibcm.contoso.example/sms_mp/.sms_aut?mplist"
    assert any(i.command == mplist for i in work.verification)
    assert not any(i.command == mplist for i in planned(plan, "mp-internet").work.verification)
    assert "nlb:CEN-MP-NLB" in work.provides
    assert {"role:management_point:DMZMP01", "role:management_point:DMZMP02"} <= work.requires
    undo = [i.text for i in work.rollback]
    assert undo[0].startswith("In the Management Point Component properties (General tab), clear the Internet FQDN")
    assert undo[1].startswith("If this change created the Windows NLB cluster CEN-MP-NLB, delete it in Network Load")
    assert "The NLB cluster CEN-MP-NLB is converged with DMZMP01 and DMZMP02." in work.gate
    ids = [s.id for s in plan.steps]
    assert ids.index("mp-internet") < ids.index("nlb-mp-internet-fqdn")
