"""The wording of the runbooks: corrected statements, and only what applies to each site.

Every example site, every variation and a set of generated variations (the base site of
``helpers.py`` with one change each) is rendered to its runbook page.  Then:

* statements that were wrong are gone from every page, and their corrections are there where
  they apply (``test_corrected_*``);
* phrases that belong to a subject (NLB, another forest, a replica, a proxy mode, an operating
  system...) appear only on the sites that have that subject (``OUT_OF_PLACE``);
* the text has no repeated ports, repeated names or double spaces.

Facts are taken from the plans (the topology and the step views), never from the pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import Mutation, add_server, set_path, site_dict, site_yaml

from generator.derive.checklist.steps.server_placement import IntoIntranet
from generator.model.topology import SCENARIO_PERIMETER_REPLICA, Topology, placement_scenarios
from generator.pipeline import Project, plan_site_text, render_plans
from generator.plan import SitePlan
from generator.render.escape import escape_myst

ROOT = Path(__file__).resolve().parent.parent
INPUTS = sorted((ROOT / "site_inputs").glob("*.yaml")) + sorted((ROOT / "tests" / "data" / "variations").glob("*.yaml"))

ALL_OS = ("CM01", "SQL01", "DMZ01")
OTHER_FOREST = (
    set_path("servers[DMZ01].forest", "dmz.example.test"),
    set_path("servers[DMZ01].install_account", "DMZ\\svc-cm-install"),
    set_path("servers[DMZ01].intranet_fqdn", "dmz01.dmz.example.test"),
)
REPLICA = (
    add_server(name="DMZSQL01"),
    set_path("database_replica", {"server": "DMZSQL01", "database": "SMS_TST_replica"}),
    set_path("servers[DMZ01].roles.management_point.database", "replica"),
)
GENERATED: dict[str, tuple[Mutation, ...]] = {
    # The base site: one forest, no NLB, no replica, Windows Server 2003 only, no proxy; DMZ01 has an MP and a
    # DP that share HTTPS 443.
    "base": (),
    "other-forest": OTHER_FOREST,
    "other-forest-replica": (
        *OTHER_FOREST,
        *REPLICA,
        set_path("servers[DMZSQL01].forest", "dmz.example.test"),
        set_path("servers[DMZSQL01].intranet_fqdn", "dmzsql01.dmz.example.test"),
        set_path("servers[DMZSQL01].install_account", "DMZ\\svc-cm-install"),
        set_path("network.back_firewall.perimeter_may_initiate", False),
    ),
    "replica": REPLICA,
    "2008-r2-only": tuple(set_path(f"servers[{n}].os", "windows_server_2008_r2") for n in ALL_OS),
    "2008-only": tuple(set_path(f"servers[{n}].os", "windows_server_2008") for n in ALL_OS),
    "nlb-mp": (
        add_server(name="DMZ02", os="windows_server_2008", roles={"management_point": {"connections": "internet"}}),
        set_path(
            "nlb_clusters",
            [
                {
                    "name": "TST-MP-NLB",
                    "role": "management_point",
                    "internet_fqdn": "mp.example.com",
                    "public_ip": "203.0.113.20",
                    "members": ["DMZ01", "DMZ02"],
                }
            ],
        ),
    ),
    "sup-export-import": (
        add_server(
            name="DMZSUP01",
            intranet_fqdn="dmzsup01.corp.example.test",
            internet_fqdn="sup.example.com",
            public_ip="203.0.113.11",
            roles={"software_update_point": {"connections": "internet"}},
        ),
    ),
    "proxy-tunnelling": (
        set_path("servers[DMZ01].zone", "intranet"),
        set_path(
            "network.reverse_proxy",
            {"name": "PROXY01", "mode": "ssl_tunneling", "publishes": ["DMZ01"], "public_ip": "203.0.113.30"},
        ),
    ),
    "proxy-bridging": (
        set_path("servers[DMZ01].zone", "intranet"),
        set_path(
            "network.reverse_proxy",
            {"name": "PROXY01", "mode": "ssl_bridging", "publishes": ["DMZ01"], "public_ip": "203.0.113.30"},
        ),
    ),
    "site-server-initiated": (set_path("servers[DMZ01].site_server_initiated", True),),
    "no-public-address": (set_path("servers[DMZ01].public_ip", None),),
}


@dataclass(frozen=True)
class Runbook:
    """One rendered site: its plan and its runbook page."""

    name: str
    plan: SitePlan
    page: str

    @property
    def topo(self) -> Topology:
        return self.plan.site.topology

    def view(self, step_id: str) -> Any:
        """The view of an included step, or None."""
        return next((s.view for s in self.plan.steps if s.id == step_id), None)

    def section(self, step_id: str) -> str:
        """The text of one included step, from its anchor to the next step's."""
        code = self.plan.code.lower()
        start = self.page.index(f"({code}-{step_id})=")
        end = re.compile(rf"^\({code}-[a-z-]+\)=$", re.MULTILINE).search(self.page, start + 1)
        return self.page[start:] if end is None else self.page[start : end.start()]


def _plan(text: str, shown: str) -> SitePlan:
    plan, diagnostics = plan_site_text(text, shown)
    assert plan is not None, [d.format() for d in diagnostics]
    return plan


def _input_plans() -> tuple[list[tuple[str, SitePlan]], list[str]]:
    """The example sites and variations that plan, and the diagnostics of those that do not."""
    plans, errors = [], []
    for path in INPUTS:
        plan, diagnostics = plan_site_text(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
        if plan is None:
            errors += [d.format() for d in diagnostics if d.is_error]
        else:
            plans.append((path.stem, plan))
    return plans, errors


def test_every_example_and_variation_plans() -> None:
    """The wording tests below read every example and variation that plans; this one says when one does not."""
    assert _input_plans()[1] == []


def _runbooks(tmp_path: Path) -> list[Runbook]:
    named = _input_plans()[0]
    for name, mutations in GENERATED.items():
        data = site_dict(*mutations)
        data["site"]["code"] = f"G{len(named):02d}"
        named.append((name, _plan(site_yaml(data), f"site_inputs/{name}.yaml")))
    project = Project(site_inputs=ROOT / "site_inputs", templates=ROOT / "templates", output=tmp_path, root=ROOT)
    files = render_plans(project, [plan for _, plan in named], baselines={})
    pages = {name: files[f"{plan.code}/index.md"] for name, plan in named}
    return [Runbook(name, plan, str(pages[name])) for name, plan in named]


@pytest.fixture(scope="module")
def runbooks(tmp_path_factory: pytest.TempPathFactory) -> list[Runbook]:
    return _runbooks(tmp_path_factory.mktemp("wording"))


def test_the_corpus_covers_each_subject_both_ways(runbooks: list[Runbook]) -> None:
    """Every condition of OUT_OF_PLACE holds for some rendered site and fails for another, or its test is vacuous."""
    for phrase, condition in OUT_OF_PLACE:
        results = {condition(r) for r in runbooks}
        assert results == {True, False}, phrase


# --- facts of a site, from its plan ---------------------------------------------------------------------------


def _nlb(r: Runbook) -> bool:
    return bool(r.topo.model.nlb_clusters)


def _nlb_sup(r: Runbook) -> bool:
    return any(sup.cluster is not None for sup in r.topo.internet_sup_endpoints)


def _other_forest(r: Runbook) -> bool:
    return any(r.topo.in_other_forest(s) for s in r.topo.internet_servers)


def _other_forest_names(r: Runbook) -> bool:
    return any(r.topo.in_other_forest(s) and s.intranet_fqdn for s in r.topo.model.servers)


def _replica_scenario(r: Runbook) -> bool:
    return SCENARIO_PERIMETER_REPLICA in placement_scenarios(r.topo)


def _initiated_install_account(r: Runbook) -> bool:
    return any(s.install_account for s in r.topo.site_server_initiated_servers)


def _internet_only_sup(r: Runbook) -> bool:
    return r.topo.internet_sup is not None


def _internet_only_mp(r: Runbook) -> bool:
    mps = [s.roles.management_point for s in r.topo.internet_mps]
    return any(mp is not None and mp.connections == "internet" for mp in mps)


def _proxy_mode(mode: str) -> Callable[[Runbook], bool]:
    def holds(r: Runbook) -> bool:
        proxy = r.topo.model.network.reverse_proxy
        return proxy is not None and proxy.mode == mode

    return holds


def _webdav(setup: str) -> Callable[[Runbook], bool]:
    def holds(r: Runbook) -> bool:
        return any(r.topo.webdav_setup(s) == setup for s in r.topo.internet_servers)

    return holds


def _unassigned_public(r: Runbook) -> bool:
    owners = {s.name for s in r.topo.model.servers} | {c.name for c in r.topo.model.nlb_clusters}
    return any(d.scope == "public" and d.value is None and d.holder in owners for d in r.plan.network.dns_records)


def _into_intranet(r: Runbook) -> tuple[IntoIntranet, ...]:
    view = r.view("server-placement")
    return tuple(view.into_intranet) if view else ()


OUT_OF_PLACE: tuple[tuple[str, Callable[[Runbook], bool]], ...] = (
    ("certificate contents for NLB cluster nodes", _nlb),
    ("and that of the NLB option", _nlb_sup),
    ("The label of the NLB option", _nlb_sup),
    ("SMS\\_SiteSystemToSiteServerConnection", _other_forest),
    ("Servers in an untrusted forest", _other_forest),
    ("installed with the account", _other_forest),
    ("pros and cons of the replica scenario", _replica_scenario),
    ("the label of the installation account option", _initiated_install_account),
    ("An Internet-based software update point needs both", _internet_only_sup),
    ("whether an Internet-only management point can be selected", _internet_only_mp),
    ("How to Configure ISA SSL Bridging", _proxy_mode("ssl_bridging")),
    ("details of the ISA guide", _proxy_mode("ssl_bridging")),
    ("with SSL bridging it ends and inspects", _proxy_mode("ssl_bridging")),
    ("with SSL tunnelling it passes each session", _proxy_mode("ssl_tunneling")),
    ("where WebDAV is an IIS role service", _webdav("role-service")),
    ("where WebDAV is a separate download for IIS 7.0", _webdav("download")),
    ("resolves them, with a conditional forwarder", _other_forest_names),
    ("Where a public record's value reads", _unassigned_public),
    ("opens these connections from the perimeter into the intranet", lambda r: bool(_into_intranet(r))),
)
"""(phrase, the condition under which it may appear): a phrase found on a site where its condition fails is out of
place.  Phrases are searched in the page as rendered (MyST-escaped where a template escapes them)."""


@pytest.mark.parametrize("phrase", [p for p, _ in OUT_OF_PLACE])
def test_phrases_appear_only_where_their_subject_exists(runbooks: list[Runbook], phrase: str) -> None:
    condition = dict(OUT_OF_PLACE)[phrase]
    misplaced = [r.name for r in runbooks if phrase in r.page and not condition(r)]
    assert misplaced == []


# --- statements corrected (issue 11, item 3) ------------------------------------------------------------------

WRONG: tuple[str, ...] = (
    "the perimeter does not need to reach into the intranet",
    "mpcontrol.log",
    "log name as in later versions",
    "Every client-facing role needs its own Internet FQDN",
    "approved for deployment",
    "WebDAV must be downloaded",
    "download, install and configure WebDAV",
    "A Windows Server 2003 NLB cluster",
    "out of 17 in the",
    "As above",
    "Where a value reads",
)
"""Statements that were wrong on some site: gone from every page."""


@pytest.mark.parametrize("wrong", WRONG)
def test_corrected_statements_are_gone(runbooks: list[Runbook], wrong: str) -> None:
    assert [r.name for r in runbooks if wrong in r.page] == []


def test_corrected_site_server_initiated_transfers_removes_only_smb(runbooks: list[Runbook]) -> None:
    """16.7: the option removes only the site-system-to-site-server data traffic; the rest is listed per site."""
    checked = 0
    for r in runbooks:
        view = r.view("site-server-initiated-transfers")
        if view is None:
            continue
        checked += 1
        text = r.section("site-server-initiated-transfers")
        assert "That is all the option removes" in text, r.name
        assert "(SMB, TCP 445)" in text, r.name
        kinds = {t.kind for t in view.into_intranet}
        assert ("SQL Server (TCP 1433) from the management point" in text) == ("mp-database" in kinds), r.name
        assert ("In this design these servers open no other connection" in text) == (not kinds), r.name
    assert checked >= 3


def test_site_server_initiated_transfers_lists_what_the_tables_open(runbooks: list[Runbook]) -> None:
    """A perimeter MP that reads the site database keeps its SQL connection into the intranet, and the step says so."""
    (r,) = [r for r in runbooks if r.name == "site-server-initiated"]
    view = r.view("site-server-initiated-transfers")
    assert [(t.kind, t.sources, t.destinations) for t in view.into_intranet] == [
        ("mp-database", ("DMZ01",), ("SQL01",)),
        ("domain-membership", ("DMZ01",), ("Domain controllers (corp.example.test)",)),
    ]
    assert "SQL Server (TCP 1433) from the management point **DMZ01** to the site database on **SQL01**" in r.page


def test_corrected_mp_checks_on_the_site_server_and_test_urls(runbooks: list[Runbook]) -> None:
    """16.3: MPControl.log is on the site server; the MP answers ?mplist and ?mpcert (client certificate needed)."""
    checked = 0
    for r in runbooks:
        view = r.view("mp-internet")
        if view is None:
            continue
        checked += 1
        checks = [i for s in r.plan.steps if s.id == "mp-internet" for i in s.work.verification]
        site_server = r.topo.site_server.name
        assert any(f"MPControl.log on the site server {site_server}" in i.text for i in checks), r.name
        # The test URLs of a management point in an NLB cluster go through the cluster: they are checked in the
        # NLB step, once the cluster exists.
        nlb = [i for s in r.plan.steps if s.id == "nlb-mp-internet-fqdn" for i in s.work.verification]
        commands = [i.command for i in checks]
        cluster_commands = [i.command for i in nlb]
        for mp in view.mps:
            where = cluster_commands if mp.cluster else commands
            assert mp.mplist_url in where and mp.mpcert_url in where, r.name
            assert mp.mplist_url.endswith("/sms_mp/.sms_aut?mplist") and mp.mpcert_url.endswith("?mpcert")
        assert any("the browser needs a client authentication certificate" in i.text for i in [*checks, *nlb]), r.name
        assert "MPControl.log" in r.section("mp-internet")
    assert checked >= 5


def test_mp_test_urls_carry_a_custom_https_port() -> None:
    data = site_dict(set_path("site.client_ports", {"http": 8080, "https": 8443}))
    view = next(s.view for s in _plan(site_yaml(data), "site_inputs/t.yaml").steps if s.id == "mp-internet")
    assert [(mp.mplist_url, mp.mpcert_url) for mp in view.mps] == [
        (
            "https://ibcm.example.com:8443/sms_mp/.sms_aut?mplist",
            "https://ibcm.example.com:8443/sms_mp/.sms_aut?mpcert",
        )
    ]


def test_corrected_internet_fqdn_belongs_to_the_server(runbooks: list[Runbook]) -> None:
    """16.7: the Internet FQDN is a property of the site system server, shared by its roles."""
    for r in runbooks:
        assert "The Internet FQDN is a property of the site system server, shared by all its roles" in r.page, r.name


def test_corrected_export_import_check_counts_and_import_time(runbooks: list[Runbook]) -> None:
    """16.7: ConfigMgr does not use WSUS approvals; compare update counts and the last import time."""
    checked = 0
    for r in runbooks:
        if r.view("sup-sync-export-import") is None:
            continue
        checked += 1
        text = r.section("sup-sync-export-import")
        assert "the same number of updates" in text, r.name
        assert "The last import on" in text, r.name
        assert "Do not compare approvals" in text, r.name
    assert checked >= 2


def test_corrected_webdav_by_operating_system(runbooks: list[Runbook]) -> None:
    """16.5: a download for IIS 7.0 on Windows Server 2008, an IIS role service on 2008 R2, wherever WebDAV is named."""
    checked = set()
    for r in runbooks:
        for step_id in ("mp-internet", "dp-bits", "install-site-systems"):
            view = r.view(step_id)
            if view is None:
                continue
            entries = {"mp-internet": "mps", "dp-bits": "dps", "install-site-systems": "servers"}[step_id]
            text = r.section(step_id)
            for entry in getattr(view, entries):
                name = escape_myst(entry.name)
                r2 = f"{name} runs Windows Server 2008 R2, where WebDAV is an IIS role service, not a download"
                download = f"{name} runs Windows Server 2008, where WebDAV is a separate download for IIS 7.0"
                assert (r2 in text, download in text) == (
                    entry.webdav == "role-service",
                    entry.webdav == "download",
                ), (r.name, step_id, entry.name)
                checked.add((step_id, entry.webdav))
    assert {
        (s, w) for s in ("mp-internet", "dp-bits", "install-site-systems") for w in ("download", "role-service")
    } <= checked


def test_corrected_nlb_host_limit_is_general(runbooks: list[Runbook]) -> None:
    nlb = [r for r in runbooks if r.view("nlb-mp-internet-fqdn") is not None]
    assert nlb
    for r in nlb:
        assert "Windows Network Load Balancing allows at most 32 hosts in one cluster" in r.page, r.name


def test_corrected_step_count_names_both_checklists(runbooks: list[Runbook]) -> None:
    for r in runbooks:
        included = len(r.plan.included)
        assert f"It contains the {included} of the 21 steps of this tool's catalog" in r.page, r.name
        assert "the catalog covers the 12 items of Microsoft's checklist" in r.page, r.name


def test_corrected_scenario_descriptions_stand_alone(runbooks: list[Runbook]) -> None:
    """The replica scenario's description no longer leans on one above it, which may not be there."""
    replica = [r for r in runbooks if _replica_scenario(r)]
    assert replica
    for r in replica:
        line = next(
            line for line in r.page.splitlines() if "**perimeter site systems with a SQL Server replica**" in line
        )
        assert "The Internet\\-based site systems sit in the perimeter network" in line, r.name


def test_corrected_ports_listed_once(runbooks: list[Runbook]) -> None:
    """Two roles of one server on one port (an MP and a DP on HTTPS 443) give the port once."""
    repeated = re.compile(r"\b(WSUS )?(HTTPS?) (\d+) and (WSUS )?\2 \3\b")
    assert [r.name for r in runbooks if repeated.search(r.page)] == []
    (base,) = [r for r in runbooks if r.name == "base"]
    checks = [i.text for s in base.plan.steps for i in s.work.verification]
    assert "ibcm.example.com at 203.0.113.10 answers on TCP 443 from the Internet." in " ".join(checks)


def test_corrected_wsus_named_once_per_list(runbooks: list[Runbook]) -> None:
    assert [
        r.name for r in runbooks if "WSUS HTTP" in r.page and re.search(r"WSUS HTTPS \d+ and WSUS HTTP", r.page)
    ] == []


def test_corrected_perimeter_forest_names_are_resolved_by_the_site_server(runbooks: list[Runbook]) -> None:
    """Names of another forest are in that forest's DNS: the page and the DNS table say how the site server resolves
    them, and never that they register themselves."""
    for r in runbooks:
        site_server = escape_myst(r.topo.site_server.name)
        text = r.section("register-dns")
        assert (f"make sure that the\nsite server **{site_server}** resolves them" in text) == _other_forest_names(r), (
            r.name
        )
        for record in r.plan.network.dns_records:
            server = r.topo.server(record.holder)
            if record.scope != "intranet" or server is None:
                continue
            other = r.topo.in_other_forest(server)
            assert ("usually registered automatically" in (record.note or "")) == (not other), (r.name, record.name)
            assert ("conditional forwarder or a stub zone" in (record.note or "")) == other, (r.name, record.name)


def test_placement_lists_what_opens_into_the_intranet(runbooks: list[Runbook]) -> None:
    """The placement step says what the design opens from the perimeter into the intranet, from the flows."""
    for r in runbooks:
        text = r.section("server-placement")
        groups = _into_intranet(r)
        kinds = {g.kind for g in groups}
        assert ("from the management point" in text and "to the site database on" in text) == (
            "mp-database" in kinds
        ), r.name
        assert ("to hand over data and status" in text) == ("site-system-status" in kinds), r.name
        perimeter = r.view("server-placement").uses_perimeter
        assert ("This placement opens no connection from the perimeter" in text) == (perimeter and not groups), r.name
    (direct,) = [r for r in runbooks if r.name == "base"]
    assert {g.kind for g in _into_intranet(direct)} >= {"mp-database", "site-system-status", "domain-membership"}


# --- text hygiene ---------------------------------------------------------------------------------------------


def _prose_lines(page: str) -> list[str]:
    """The page's lines outside fenced code, without their indentation."""
    lines, fence = [], None
    for line in page.splitlines():
        stripped = line.strip()
        if fence is None and stripped.startswith("```") and not stripped.startswith("````"):
            fence = "```"
            continue
        if fence and stripped == fence:
            fence = None
            continue
        if fence is None:
            lines.append(stripped)
    return lines


def test_no_double_spaces(runbooks: list[Runbook]) -> None:
    found = [(r.name, line) for r in runbooks for line in _prose_lines(r.page) if re.search(r"\S  +\S", line)]
    assert found == []


def test_no_name_repeated_in_its_own_parentheses(runbooks: list[Runbook]) -> None:
    """For example "**WGCM01** (WGCM01, intranet)"."""
    repeated = re.compile(r"\*\*([^*]+)\*\* \(\1[,)]")
    assert [(r.name, m.group(0)) for r in runbooks for m in repeated.finditer(r.page)] == []


def test_notes_are_separate_sentences(runbooks: list[Runbook]) -> None:
    """A flow's note follows its purpose as a sentence of its own, and ends with a full stop."""
    flow_note = re.compile(r"(?<!\*)\*Note:\*(?!\*)")
    for r in runbooks:
        for line in r.page.splitlines():
            if flow_note.search(line):
                before, note = flow_note.split(line, maxsplit=1)
                assert before.rstrip().endswith("."), (r.name, line)
                assert note.strip()[:1].isupper() and note.rstrip().endswith("."), (r.name, line)
