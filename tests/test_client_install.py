"""Client installation lines of next-steps, and the procedure of a load-balanced software update point.

The lines must work as written: ``CCMSetup.exe``, its own properties, then the client.msi properties
(docs/domain-facts.md, facts-clients), one line per client population, each in its own fenced code block.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from helpers import add_server, load_valid, set_path

from generator.derive.checklist import IBCM_CHECKLIST
from generator.derive.checklist.steps import next_steps, nlb_sup_internet_fqdn
from generator.derive.checklist.steps.next_steps import ClientInstallLine
from generator.derive.network.plan import build_network_plan
from generator.pipeline import plan_site_text, plan_sites
from generator.plan import SitePlan, build_site_plan
from generator.render.escape import myst_fence
from generator.render.pages import shared_views, step_context
from generator.render.templates import create_environment, render_template
from generator.validate import ValidSite

ROOT = Path(__file__).resolve().parent.parent
SIGNING = "SMSSIGNCERT=C:\\ConfigMgrClient\\TST-site-server-signing.cer"

FSP_BOTH = add_server(
    name="FSP01",
    intranet_fqdn="fsp01.corp.example.test",
    internet_fqdn="status.example.com",
    public_ip="203.0.113.11",
    roles={"fallback_status_point": {"connections": "both"}},
)
FSP_INTRANET = add_server(
    name="FSP02",
    zone="intranet",
    intranet_fqdn="fsp02.corp.example.test",
    roles={"fallback_status_point": {"connections": "intranet"}},
)
FSP_INTRANET_NO_FQDN = add_server(name="FSP03", zone="intranet", roles={"fallback_status_point": {}})
NLB_MP = [
    add_server(
        name="DMZ02", internet_fqdn="ibcm2.example.com", roles={"management_point": {"connections": "internet"}}
    ),
    set_path(
        "nlb_clusters",
        [
            {
                "name": "MPNLB",
                "role": "management_point",
                "internet_fqdn": "mp.example.com",
                "public_ip": "203.0.113.20",
                "members": ["DMZ01", "DMZ02"],
            }
        ],
    ),
]
INTERNET_ONLY = set_path("clients.placement", "internet_only")


def ports(http: int, https: int) -> Any:
    return set_path("site.client_ports", {"http": http, "https": https})


def view_of(step: ModuleType, site: ValidSite) -> Any:
    """The step's view as the plan builds it: from the topology and the site's network plan."""
    return step.view(site.topology, build_network_plan(site.topology))


def lines(site: ValidSite) -> dict[str, str]:
    """Population -> command line."""
    view = view_of(next_steps, site)
    return {line.population: line.command for line in view.install_lines}


def render(plan: SitePlan, step_id: str) -> str:
    env = create_environment(ROOT / "templates")
    step = next(s for s in plan.steps if s.id == step_id)
    return render_template(env, step.template, step_context(plan, shared_views(plan), step))


def plan_of(site: ValidSite) -> SitePlan:
    return build_site_plan(site, IBCM_CHECKLIST)


# --- the command lines -------------------------------------------------------


CASES: dict[str, tuple[list[Any], dict[str, str]]] = {
    "default-ports-roaming-site": (
        [],
        {
            "roaming": "CCMSetup.exe /native CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST",
            "internet_only": f"CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST {SIGNING}",
        },
    ),
    "default-ports-internet-only-site": (
        [INTERNET_ONLY],
        {
            "internet_only": f"CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST {SIGNING}",
        },
    ),
    "custom-ports": (
        [ports(8080, 8443)],
        {
            "roaming": "CCMSetup.exe /native CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST "
            "CCMHTTPPORT=8080 CCMHTTPSPORT=8443",
            "internet_only": "CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST "
            f"CCMHTTPPORT=8080 CCMHTTPSPORT=8443 {SIGNING}",
        },
    ),
    "custom-https-port-only": (
        [ports(80, 8443), INTERNET_ONLY],
        {
            "internet_only": "CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST "
            f"CCMHTTPSPORT=8443 {SIGNING}",
        },
    ),
    "custom-http-port-only": (
        [ports(8080, 443)],
        {
            "roaming": "CCMSetup.exe /native CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST CCMHTTPPORT=8080",
            "internet_only": "CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST "
            f"CCMHTTPPORT=8080 {SIGNING}",
        },
    ),
    "fsp-for-internet-clients": (
        [FSP_BOTH],
        {
            "roaming": "CCMSetup.exe /native CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST FSP=fsp01.corp.example.test",
            "internet_only": "CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST "
            f"FSP=status.example.com {SIGNING}",
        },
    ),
    "fsp-intranet-only": (
        [FSP_INTRANET],
        {
            "roaming": "CCMSetup.exe /native CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST FSP=fsp02.corp.example.test",
            "internet_only": f"CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST {SIGNING}",
        },
    ),
    "fsp-without-intranet-fqdn": (
        [FSP_INTRANET_NO_FQDN],
        {
            "roaming": "CCMSetup.exe /native CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST FSP=FSP03",
            "internet_only": f"CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST {SIGNING}",
        },
    ),
    "fsp-both-preferred-over-intranet-only": (
        [FSP_INTRANET, FSP_BOTH],
        {
            "roaming": "CCMSetup.exe /native CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST FSP=fsp01.corp.example.test",
            "internet_only": "CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=ibcm.example.com SMSSITECODE=TST "
            f"FSP=status.example.com {SIGNING}",
        },
    ),
    "nlb-mp-custom-ports-fsp-internet-only": (
        [*NLB_MP, ports(8080, 8443), FSP_BOTH, INTERNET_ONLY],
        {
            "internet_only": "CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=mp.example.com SMSSITECODE=TST "
            f"CCMHTTPPORT=8080 CCMHTTPSPORT=8443 FSP=status.example.com {SIGNING}",
        },
    ),
    "nlb-mp-roaming": (
        NLB_MP,
        {
            "roaming": "CCMSetup.exe /native CCMHOSTNAME=mp.example.com SMSSITECODE=TST",
            "internet_only": f"CCMSetup.exe /native CCMALWAYSINF=1 CCMHOSTNAME=mp.example.com SMSSITECODE=TST {SIGNING}",
        },
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_install_lines(case: str) -> None:
    mutations, expected = CASES[case]
    assert lines(load_valid(*mutations)) == expected


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_ccmsetup_properties_come_before_client_msi_properties(case: str) -> None:
    mutations, _ = CASES[case]
    for line in view_of(next_steps, load_valid(*mutations)).install_lines:
        words = line.command.split(" ")
        assert words[0] == "CCMSetup.exe"
        options = [w for w in words[1:] if w.startswith("/")]
        properties = [w for w in words[1:] if not w.startswith("/")]
        assert options == ["/native"] and all("=" in p and not p.startswith("/") for p in properties)
        assert words[1 : 1 + len(options)] == options, "a CCMSetup property after a client.msi property"
        assert words[1 + len(options) :] == list(line.msi_properties)


def test_roaming_line_comes_first_and_internet_only_clients_get_the_internet_fsp_fqdn() -> None:
    view = view_of(next_steps, load_valid(FSP_BOTH))
    roaming, internet_only = view.install_lines
    assert (roaming.population, internet_only.population) == ("roaming", "internet_only")
    assert (roaming.fsp_server, roaming.fsp_fqdn, roaming.signing_certificate) == (
        "FSP01",
        "fsp01.corp.example.test",
        None,
    )
    assert (internet_only.fsp_server, internet_only.fsp_fqdn) == ("FSP01", "status.example.com")
    assert internet_only.signing_certificate == "C:\\ConfigMgrClient\\TST-site-server-signing.cer"
    assert view.internet_fsp == "FSP01" and view.custom_ports == ()


def test_custom_ports_are_named_in_the_view() -> None:
    assert view_of(next_steps, load_valid(ports(8080, 8443))).custom_ports == (
        "CCMHTTPPORT=8080",
        "CCMHTTPSPORT=8443",
    )


def test_command_joins_the_parts_in_order() -> None:
    line = ClientInstallLine("roaming", ("/native",), ("A=1", "B=2"), None, None, False, None)
    assert line.command == "CCMSetup.exe /native A=1 B=2"


# --- the rendered step ---------------------------------------------------------


def code_blocks(text: str) -> list[tuple[str, str]]:
    """(info string, content) of every fenced code block with backticks."""
    blocks, lines_ = [], text.splitlines()
    i = 0
    while i < len(lines_):
        if lines_[i].startswith("```"):
            fence = lines_[i][: len(lines_[i]) - len(lines_[i].lstrip("`"))]
            info = lines_[i][len(fence) :]
            end = next(j for j in range(i + 1, len(lines_)) if lines_[j] == fence)
            blocks.append((info, "\n".join(lines_[i + 1 : end])))
            i = end
        i += 1
    return blocks


def test_each_line_is_its_own_bat_block_shown_literally() -> None:
    site = load_valid(FSP_BOTH, ports(8080, 8443))
    text = render(plan_of(site), "next-steps")
    expected = list(lines(site).values())
    assert code_blocks(text) == [("bat", line) for line in expected]
    assert "C:\\ConfigMgrClient\\TST-site-server-signing.cer" in expected[1]  # no MyST escaping inside


def test_internet_only_site_shows_only_the_internet_only_line() -> None:
    text = render(plan_of(load_valid(INTERNET_ONLY)), "next-steps")
    assert [info for info, _ in code_blocks(text)] == ["bat"]
    assert "#### Internet-only clients" in text and "#### Roaming clients" not in text


def test_internet_only_clients_are_told_how_to_get_certificates_and_files() -> None:
    text = render(plan_of(load_valid()), "next-steps")
    internet_only = text.split("#### Internet-only clients", 1)[1]
    for fact in (
        "cannot enrol with the intranet CA automatically",
        "**Personal** store",
        "**Trusted Root Certification Authorities**",
        "**All Tasks** → **Export**",
        "save it as `TST-site-server-signing.cer`",
        "to\n   `C:\\ConfigMgrClient` on the computer",
        "In an elevated command prompt in `C:\\ConfigMgrClient`",
    ):
        assert fact in internet_only, fact
    assert internet_only.index("**Client authentication certificate.**") < internet_only.index("```bat")


def test_fsp_names_are_explained_per_population() -> None:
    text = render(plan_of(load_valid(FSP_BOTH)), "next-steps")
    assert "`FSP=fsp01.corp.example.test` assigns the fallback status point\n  **FSP01** by its intranet" in text
    assert "`FSP=status.example.com` assigns the fallback status point\n  **FSP01** by its Internet FQDN" in text
    text = render(plan_of(load_valid(FSP_INTRANET)), "next-steps")
    assert "No `FSP=`: the site's fallback status point (FSP02)" in text
    text = render(plan_of(load_valid()), "next-steps")
    assert "The site has no fallback status point, so the lines assign none" in text


def test_to_confirm_box_keeps_only_what_2007_does_not_confirm() -> None:
    text = render(plan_of(load_valid(FSP_BOTH)), "next-steps")
    box = text.split(":::{to-confirm}", 1)[1].split("\n:::", 1)[0]
    for confirmed in ("CCMHOSTNAME", "CCMALWAYSINF", "later Configuration Manager"):
        assert confirmed not in box, confirmed
    assert "`CCMFIRSTCERT=1`" in box and "**Internet** tab" in box
    assert "roaming client, assigned to its fallback status point by the intranet name" in box
    assert "roaming client" not in render(plan_of(load_valid()), "next-steps").split(":::{to-confirm}", 1)[1]


def test_custom_ports_are_worded() -> None:
    text = render(plan_of(load_valid(ports(8080, 8443))), "next-steps")
    assert "them: `CCMHTTPPORT=8080`, `CCMHTTPSPORT=8443`." in text
    assert "not the default HTTP 80" not in render(plan_of(load_valid()), "next-steps")


# --- fenced code blocks ----------------------------------------------------------


def test_fence_is_longer_than_any_backtick_run_and_content_is_literal() -> None:
    assert myst_fence("a-b.c\\d *x*", "bat") == "```bat\na-b.c\\d *x*\n```"
    assert myst_fence("x ``` y\n````", "text") == "`````text\nx ``` y\n````\n`````"


@pytest.mark.parametrize("info", ["bat x", "{eval-rst}", "a`b", "bat\n"])
def test_fence_info_must_be_a_plain_language_name(info: str) -> None:
    with pytest.raises(ValueError, match="fence info"):
        myst_fence("x", info)


# --- the load-balanced software update point ------------------------------------


NSP = {p.code: p for p in plan_sites([ROOT / "tests" / "data" / "variations"])[0]}["NSP"]


def test_nlb_sup_view() -> None:
    view = view_of(nlb_sup_internet_fqdn, NSP.site)
    (cluster,) = view.clusters
    assert view.max_members == 4
    assert (cluster.wsus_database, cluster.wsus_database_fqdn) == ("NWCM01", "nwcm01.corp.northwind.test")
    assert cluster.configuressl_name == "sup-nlb.corp.northwind.test"
    assert [(a.member, a.others) for a in cluster.administrators] == [
        ("NWSUP01", ("NWSUP02",)),
        ("NWSUP02", ("NWSUP01",)),
    ]
    assert not cluster.wsus_custom_website


def test_nlb_sup_procedure_in_order() -> None:
    text = render(NSP, "nlb-sup-internet-fqdn")
    procedure = [
        "at most\n  4 WSUS servers",
        "Shared WSUS database: on the SQL Server **NWCM01** (`nwcm01.corp.northwind.test`)",
        "1. **Shared database and content.**",
        "one shared content location",
        "2. **Local Administrators.**",
        "on **NWSUP01**: the computer account of **NWSUP02**",
        "on **NWSUP02**: the computer account of **NWSUP01**",
        "3. **WSUS 3.0 on every member.**",
        "shared WSUS database on **NWCM01**",
        "4. **SSL on every member.**",
        "ran\n   on every member:\n\n   ```bat\n   wsusutil configuressl sup-nlb.corp.northwind.test\n   ```",
        "5. **Software update point role on every member.**",
        "6. **NLB cluster, after the roles.**",
        "7. **Software update point component.**",
        "Set the software update point connection account\n   \\(still to be named\\)",
    ]
    positions = [text.find(item) for item in procedure]
    assert all(p >= 0 for p in positions), [item for item, p in zip(procedure, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


def test_nlb_sup_without_cluster_intranet_fqdn_says_what_is_missing() -> None:
    text = (ROOT / "tests" / "data" / "variations" / "nlb-internet-sup.yaml").read_text(encoding="utf-8")
    text = text.replace("    intranet_fqdn: sup-nlb.corp.northwind.test\n", "")
    plan, diagnostics = plan_site_text(text, "nsp.yaml")
    assert plan is not None, [d.format() for d in diagnostics]
    rendered = render(plan, "nlb-sup-internet-fqdn")
    assert "run `wsusutil configuressl` with the cluster's intranet FQDN" in rendered
    assert "The site input gives no intranet FQDN for **NW\\-SUP\\-NLB**" in rendered
