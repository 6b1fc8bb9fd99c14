"""The revision diff for the change board: ``ibcm-runbook diff`` and a runbook's "Changes since the approved revision".

Pairs of inputs cover every kind of change of every section (steps, flows,
grouped rules per firewall, DNS, certificates, accounts, warnings); then the
three views, ``--since`` against a git repository made in ``tmp_path``, the
error cases, and the runbook section of a site whose ``change.baseline``
names an approved revision.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import Mutation, add_server, git, set_path, site_dict, site_yaml
from sphinx_project import SphinxProject

from generator.cli import main
from generator.load.revision import RevisionError, read_revision
from generator.pipeline import Project, generate, load_plans, plan_baselines, plan_site_text, render_plans
from generator.plan import SitePlan
from generator.plan.diff import COMPARATORS, Baseline, Entry, PlanDiff, diff_plans
from generator.render.diff import baseline_myst, diff_myst, diff_to_json, format_diff_text
from generator.render.plan_json import dump_json

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
CHANGE = {"id": "CHG-1", "title": "Enable IBCM", "revision": 2}


def plan_of(*mutations: Mutation, shown: str = "site_inputs/t.yaml") -> SitePlan:
    plan, diagnostics = plan_site_text(site_yaml(site_dict(*mutations)), shown)
    assert plan is not None, [d.format() for d in diagnostics]
    return plan


def diff_of(old: list[Mutation], new: list[Mutation]) -> PlanDiff:
    return diff_plans(plan_of(*old), plan_of(*new))


def entries(diff: PlanDiff, section: str, change: str) -> list[Entry]:
    return [e for e in diff.section(section).entries if e.change == change]


def labels(diff: PlanDiff, section: str, change: str) -> list[str]:
    return [e.item.label for e in entries(diff, section, change)]


def changed_fields(diff: PlanDiff, section: str, label: str) -> dict[str, tuple[Any, Any]]:
    entry = next(e for e in entries(diff, section, "changed") if e.item.label == label)
    return {c.field: (c.old, c.new) for c in entry.changes}


# --- the mutations the pairs are made of ------------------------------------------------------------

INTERNET_SUP = set_path("servers[DMZ01].roles.software_update_point", {"connections": "internet"})
SECOND_DP = add_server(
    name="DMZ02",
    internet_fqdn="dp2.example.com",
    public_ip="203.0.113.11",
    install_account="CORP\\cm-install",
    roles={"distribution_point": {"connections": "internet"}},
)
NEW_PUBLIC_IP = set_path("servers[DMZ01].public_ip", "203.0.113.99")
PRIVATE_ADDRESS = set_path("servers[DMZ01].address", "172.16.0.10")
RENAMED_BACK_FIREWALL = set_path("network.back_firewall.name", "FW-INNER")
CUSTOM_HTTPS_PORT = set_path("site.client_ports.https", 8443)
NEW_INTERNET_FQDN = set_path("servers[DMZ01].internet_fqdn", "mp.example.com")
WINDOWS_2008 = set_path("servers[DMZ01].os", "windows_server_2008")
INSTALL_ACCOUNT = set_path("servers[DMZ01].install_account", "CORP\\cm-install")
OTHER_INSTALL_ACCOUNT = set_path("servers[DMZ01].install_account", "CORP\\cm-setup")


# --- every kind of change ---------------------------------------------------------------------------


def test_identical_inputs_have_no_changes() -> None:
    diff = diff_of([], [])
    assert diff.identical
    assert [s.id for s in diff.sections] == [c.id for c in COMPARATORS]
    assert all(not s.entries for s in diff.sections)
    assert (
        "No changes: the steps, flows, firewall rules, DNS records, certificates, accounts and warnings are the same."
        in (format_diff_text(diff))
    )
    assert diff_to_json(diff)["identical"] is True
    assert diff_myst(diff).startswith("Nothing this runbook lists changed since `site_inputs/t.yaml`")


def test_steps_added_and_removed() -> None:
    diff = diff_of([], [INTERNET_SUP])
    assert labels(diff, "steps", "added") == [  # in the order of the work: the SUP role before its sync
        "Configure a software update point for Internet-based client connections [sup-internet]",
        "Synchronise the Internet-based software update point by export and import [sup-sync-export-import]",
    ]
    assert entries(diff, "steps", "added")[0].item.summary == "step 11"
    assert labels(diff, "steps", "removed") == []
    back = diff_of([INTERNET_SUP], [])
    assert labels(back, "steps", "removed") == labels(diff, "steps", "added")
    assert labels(back, "steps", "added") == []
    assert not diff.section("steps").count("changed")


def test_flows_added_and_removed() -> None:
    diff = diff_of([], [SECOND_DP])
    added = labels(diff, "flows", "added")
    assert added[:3] == [
        "Internet clients → DMZ02 TCP 443",
        "DMZ02 → CRL distribution point TCP 80",
        "CM01 → DMZ02 TCP 445",
    ]
    assert entries(diff, "flows", "added")[0].item.summary == (
        "FW-FRONT: content download from the distribution point (BITS over HTTPS) (any → 203.0.113.11)"
    )
    assert labels(diff_of([SECOND_DP], []), "flows", "removed") == added


def test_a_flow_whose_firewalls_change_is_changed_not_removed_and_added() -> None:
    diff = diff_of([], [RENAMED_BACK_FIREWALL])
    assert labels(diff, "flows", "added") == labels(diff, "flows", "removed") == []
    assert changed_fields(diff, "flows", "CM01 → DMZ01 TCP 445") == {"firewalls": (("FW-BACK",), ("FW-INNER",))}


def test_a_flow_whose_addresses_and_nat_change_is_changed() -> None:
    diff = diff_of([], [PRIVATE_ADDRESS])
    assert changed_fields(diff, "flows", "Internet clients → DMZ01 TCP 443") == {
        "destination address": ("203.0.113.10", "172.16.0.10"),
        "nat": (None, "203.0.113.10 → 172.16.0.10"),
    }
    assert changed_fields(diff, "flows", "DMZ01 → CM01 TCP 445") == {
        "source address": ("to be assigned", "172.16.0.10")
    }


def test_a_flow_whose_purpose_changes_is_changed() -> None:
    diff = diff_of([], [INTERNET_SUP])
    fields = changed_fields(diff, "flows", "DMZ01 → CM01 TCP 445")
    assert set(fields) == {"purpose"}
    assert "MP/SUP send data" in fields["purpose"][1]


def test_grouped_rules_added_and_removed_per_firewall() -> None:
    diff = diff_of([], [RENAMED_BACK_FIREWALL])
    section = diff.section("firewall_rules")
    assert [(group, [e.change for e in group_entries]) for group, group_entries in section.groups()] == [
        ("FW-INNER", ["added"] * 5),
        ("FW-BACK", ["removed"] * 5),
    ]
    first = entries(diff, "firewall_rules", "added")[0].item
    assert first.label == "CM01 → DMZ01: Site server installs and maintains the site systems (SMB, RPC)"
    assert first.summary == "rule 1: TCP 445, 135, 1024-5000; UDP 135"
    # A rule that a new step brings: on the back firewall, the site server now configures WSUS.
    sup = diff_of([], [INTERNET_SUP])
    assert labels(sup, "firewall_rules", "added") == [
        "CM01 → DMZ01: Site server configures WSUS on the software update points"
    ]
    assert labels(sup, "firewall_rules", "removed") == [
        "CM01 → DMZ01: Site server checks the availability of the management points"
    ]


def test_a_grouped_rule_whose_services_change_is_changed() -> None:
    diff = diff_of([], [CUSTOM_HTTPS_PORT])
    assert changed_fields(diff, "firewall_rules", "Internet clients → DMZ01: Clients reach the site systems") == {
        "services": (("TCP 443",), ("TCP 8443",))
    }
    # The flows themselves are other flows: another port is another identity.
    assert labels(diff, "flows", "added") == ["Internet clients → DMZ01 TCP 8443", "CM01 → DMZ01 TCP 8443"]
    assert labels(diff, "flows", "removed") == ["Internet clients → DMZ01 TCP 443", "CM01 → DMZ01 TCP 443"]
    assert "services: added TCP 8443; removed TCP 443" in format_diff_text(diff)


def test_a_grouped_rule_that_gains_a_host_is_changed_on_each_firewall() -> None:
    diff = diff_of([], [SECOND_DP])
    section = diff.section("firewall_rules")
    assert [group for group, _ in section.groups()] == ["FW-FRONT", "FW-BACK"]
    assert {e.change for e in section.entries} == {"changed"}
    fields = changed_fields(diff, "firewall_rules", "Internet clients → DMZ01, DMZ02: Clients reach the site systems")
    assert fields == {
        "destinations": (("DMZ01",), ("DMZ01", "DMZ02")),
        "destination group": (None, "TST-IBCM-SITE-SYSTEMS-PERIMETER"),
        "destination addresses": (("DMZ01 203.0.113.10",), ("DMZ01 203.0.113.10", "DMZ02 203.0.113.11")),
    }
    text = format_diff_text(diff)
    assert "Grouped firewall rules on FW-FRONT: 2 changed\n" in text
    assert "      destinations: added DMZ02\n" in text


def test_dns_records_added_removed_and_value_changed() -> None:
    diff = diff_of([], [SECOND_DP])
    assert labels(diff, "dns_records", "added") == ["dp2.example.com (public A)"]
    assert labels(diff_of([SECOND_DP], []), "dns_records", "removed") == ["dp2.example.com (public A)"]
    changed = diff_of([], [NEW_PUBLIC_IP])
    assert changed_fields(changed, "dns_records", "ibcm.example.com (public A)") == {
        "value": ("203.0.113.10", "203.0.113.99")
    }
    renamed = diff_of([], [NEW_INTERNET_FQDN])
    assert labels(renamed, "dns_records", "added") == ["mp.example.com (public A)"]
    assert labels(renamed, "dns_records", "removed") == ["ibcm.example.com (public A)"]


def test_certificates_added_removed_and_names_changed() -> None:
    diff = diff_of([], [SECOND_DP])
    assert labels(diff, "certificates", "added") == ["DMZ02: web server certificate"]
    assert entries(diff, "certificates", "added")[0].item.summary == "dp2.example.com"
    assert labels(diff_of([SECOND_DP], []), "certificates", "removed") == ["DMZ02: web server certificate"]
    renamed = diff_of([], [NEW_INTERNET_FQDN])
    assert changed_fields(renamed, "certificates", "DMZ01: web server certificate") == {
        "names": (("ibcm.example.com",), ("mp.example.com",))
    }


def test_accounts_added_removed_and_changed() -> None:
    diff = diff_of([], [INSTALL_ACCOUNT])
    assert labels(diff, "accounts", "added") == ["Site system installation account of DMZ01"]
    assert entries(diff, "accounts", "added")[0].item.summary == "CORP\\cm-install"
    assert labels(diff, "steps", "added") == ["Create the accounts the site systems need [accounts]"]
    assert labels(diff_of([INSTALL_ACCOUNT], []), "accounts", "removed") == [
        "Site system installation account of DMZ01"
    ]
    changed = diff_of([INSTALL_ACCOUNT], [OTHER_INSTALL_ACCOUNT])
    assert changed_fields(changed, "accounts", "Site system installation account of DMZ01") == {
        "name": ("CORP\\cm-install", "CORP\\cm-setup")
    }


def test_an_account_named_later_is_a_change() -> None:
    other_forest = (set_path("servers[DMZ01].forest", "dmz.example.test"), INSTALL_ACCOUNT)
    named = set_path("accounts", {"sup_connection": "DMZ\\sup-conn"})
    sup = add_server(
        name="SUP1",
        forest="dmz.example.test",
        install_account="CORP\\cm-install",
        internet_fqdn="s1.example.com",
        roles={"software_update_point": {"connections": "internet"}},
    )
    diff = diff_of([*other_forest, sup], [*other_forest, sup, named])
    assert changed_fields(diff, "accounts", "Software update point connection account") == {
        "name": (None, "DMZ\\sup-conn")
    }


def test_warnings_added_and_removed() -> None:
    diff = diff_of([], [WINDOWS_2008])
    assert labels(diff, "warnings", "added") == [
        "servers[2] (DMZ01): the Internet management point and distribution point on Windows Server 2008 need "
        "WebDAV, which is set up by hand: download and install WebDAV for IIS 7.0, then enable WebDAV and its "
        "authoring rules [webdav-manual]"
    ]
    assert labels(diff_of([WINDOWS_2008], []), "warnings", "removed") == labels(diff, "warnings", "added")
    # The OS also changes the RPC range: one flow replaced, one rule's services changed.
    assert labels(diff, "flows", "added") == ["CM01 → DMZ01 TCP 49152-65535"]
    assert labels(diff, "flows", "removed") == ["CM01 → DMZ01 TCP 1024-5000"]


def test_a_warning_that_only_moved_to_another_line_is_no_change() -> None:
    text = site_yaml(site_dict(WINDOWS_2008))
    old, _ = plan_site_text(text, "t.yaml")
    new, _ = plan_site_text("# a comment\n# and another\n" + text, "t.yaml")
    assert old is not None and new is not None
    assert old.warnings[0].location != new.warnings[0].location
    assert diff_plans(old, new).identical


def test_sections_keep_the_comparator_order_and_counts() -> None:
    diff = diff_of([INSTALL_ACCOUNT], [SECOND_DP, WINDOWS_2008])
    text = format_diff_text(diff)
    headings = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith((" ", "Changes"))]
    assert headings == [
        "Flows",
        "Grouped firewall rules on FW-FRONT",
        "Grouped firewall rules on FW-BACK",
        "DNS records",
        "Certificates",
        "Accounts",
        "Warnings",
        "Unchanged",
    ]
    assert "\nAccounts: 1 added, 1 removed\n" in text  # the installation account moved from DMZ01 to DMZ02
    assert text.endswith("\nUnchanged: Steps.\n")


# --- the three views --------------------------------------------------------------------------------


def test_text_view_marks_each_change() -> None:
    text = format_diff_text(diff_of([INSTALL_ACCOUNT, SECOND_DP], [OTHER_INSTALL_ACCOUNT, NEW_PUBLIC_IP]))
    assert text.startswith("Changes from site_inputs/t.yaml to site_inputs/t.yaml (site TST – Test Site)\n")
    assert "\n  - Internet clients → DMZ02 TCP 443\n" in text
    assert "\n  ~ ibcm.example.com (public A)\n      value: 203.0.113.99 (was 203.0.113.10)\n" in text
    assert "\n  + Site system installation account of DMZ01\n      CORP\\cm-setup\n" in text
    assert "\n  - Site system installation account of DMZ01, DMZ02\n      CORP\\cm-install\n" in text


def test_json_view_is_deterministic_with_sorted_keys() -> None:
    diff = diff_of([], [SECOND_DP, NEW_PUBLIC_IP])
    text = dump_json(diff_to_json(diff))
    assert text == dump_json(diff_to_json(diff_of([], [SECOND_DP, NEW_PUBLIC_IP])))
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert set(data) == {"schema", "old", "new", "identical", "sections"}
    assert data["old"] == {"source": "site_inputs/t.yaml", "site": {"code": "TST", "name": "Test Site"}}
    assert list(data["sections"]) == sorted(c.id for c in COMPARATORS)
    for section in data["sections"].values():
        assert set(section) == {"title", "added", "removed", "changed"}
    dns = data["sections"]["dns_records"]
    assert dns["added"] == [
        {
            "label": "dp2.example.com (public A)",
            "summary": "203.0.113.11 (DMZ02)",
            "identity": {"scope": "public", "name": "dp2.example.com", "type": "A"},
            "values": {"value": "203.0.113.11", "holder": "DMZ02"},
            "info": {},
        }
    ]
    assert dns["changed"][0]["changes"] == {"value": {"old": "203.0.113.10", "new": "203.0.113.99"}}
    rule = data["sections"]["firewall_rules"]["changed"][0]
    assert rule["identity"]["firewall"] == "FW-FRONT"
    assert rule["changes"]["destinations"] == {"old": ["DMZ01"], "new": ["DMZ01", "DMZ02"]}


def test_myst_view_has_a_table_per_section_and_firewall() -> None:
    myst = diff_myst(diff_of([], [SECOND_DP]))
    assert myst.startswith(
        "Compared with `site_inputs/t.yaml` (site TST – Test Site), `site_inputs/t.yaml` has these changes.\n"
    )
    assert "\n**Grouped firewall rules on FW\\-FRONT**: 2 changed.\n" in myst
    assert "\n**Grouped firewall rules on FW\\-BACK**: 2 changed.\n" in myst
    assert myst.count("````{list-table}\n") == 7  # steps (accounts), flows, two firewalls, DNS, certificates, accounts
    assert "* - added\n  - Internet clients → DMZ02 TCP 443\n" in myst
    assert myst.endswith("\nUnchanged: Warnings.\n")


def test_myst_view_escapes_user_text_and_keeps_it_out_of_directive_arguments() -> None:
    hostile = "FW {raw} <b>*x*</b> `y`"
    diff = diff_of([], [set_path("network.back_firewall.name", hostile), set_path("site.name", "```{danger}")])
    myst = diff_myst(diff)
    for line in myst.splitlines():
        if line.startswith("`" * 3):
            assert line in ("````{list-table}", "````"), line
    assert "**Grouped firewall rules on FW \\{raw\\} \\<b\\>\\*x\\*\\</b\\> \\`y\\`**" in myst
    assert hostile not in myst
    assert "```{danger}" not in myst


# --- the command line -------------------------------------------------------------------------------


def write_site(path: Path, *mutations: Mutation) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(site_yaml(site_dict(*mutations)), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "myst"])
def test_diff_command_prints_each_format(tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_site(tmp_path / "old.yaml")
    new = write_site(tmp_path / "new.yaml", NEW_PUBLIC_IP)
    assert main(["diff", str(old), str(new), "--format", fmt]) == 0
    captured = capsys.readouterr()
    expected = diff_plans(plan_of(shown=str(old)), plan_of(NEW_PUBLIC_IP, shown=str(new)))
    views = {"text": format_diff_text, "json": lambda d: dump_json(diff_to_json(d)), "myst": diff_myst}
    assert captured.out == views[fmt](expected)
    assert captured.err == ""


def test_diff_command_of_identical_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_site(tmp_path / "old.yaml")
    assert main(["diff", str(old), str(old)]) == 0
    assert capsys.readouterr().out.endswith(
        "\n\nNo changes: the steps, flows, firewall rules, DNS records, "
        "certificates, accounts and warnings are the same.\n"
    )


def test_diff_command_of_an_invalid_input_prints_its_diagnostics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write_site(tmp_path / "old.yaml", WINDOWS_2008)  # a warning: not printed, the file is valid
    new = tmp_path / "new.yaml"
    new.write_text("schema: 1\nsite: {}\n", encoding="utf-8")
    assert main(["diff", str(old), str(new)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{new}:2:7: error: site: missing required key 'code' [missing-key]" in captured.err.splitlines()
    assert "webdav-manual" not in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["one.yaml"], "give two files, OLD and NEW, or one file with --since REV"),
        (["one.yaml", "one.yaml", "--since", "HEAD"], "with --since REV give one FILE, compared with its text at REV"),
    ],
)
def test_diff_command_usage_errors(
    tmp_path: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site(tmp_path / "one.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["diff", *argv]) == 2
    assert capsys.readouterr().err == f"ibcm-runbook diff: error: {message}\n"


# --- --since: a git repository made for the test ----------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with site_inputs/t.yaml committed and tagged ``v1``, then edited (not committed)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write_site(root / "site_inputs" / "t.yaml")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "approved")
    git(root, "tag", "v1")
    write_site(root / "site_inputs" / "t.yaml", NEW_PUBLIC_IP)
    return root


def test_since_compares_a_file_with_its_text_at_a_revision(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "site_inputs")  # the path given is relative to here, git's to the repository root
    assert main(["diff", "--since", "v1", "t.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Changes from v1:site_inputs/t.yaml to t.yaml (site TST – Test Site)\n")
    assert "  ~ ibcm.example.com (public A)\n      value: 203.0.113.99 (was 203.0.113.10)\n" in out


def test_since_reads_the_committed_text(repo: Path) -> None:
    source = read_revision(repo / "site_inputs" / "t.yaml", "v1")
    assert source.path == "site_inputs/t.yaml"
    assert source.shown == "v1:site_inputs/t.yaml"
    assert source.text == site_yaml(site_dict())
    assert source.commit == git(repo, "rev-parse", "v1^{commit}").strip()


def test_since_an_invalid_revision_text_gives_its_diagnostics(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "site_inputs" / "t.yaml").write_text("schema: 1\nsite: {}\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "broken")
    git(repo, "tag", "broken")
    write_site(repo / "site_inputs" / "t.yaml")
    assert main(["diff", "--since", "broken", str(repo / "site_inputs" / "t.yaml")]) == 1
    err = capsys.readouterr().err
    assert "broken:site_inputs/t.yaml:2:7: error: site: missing required key 'code' [missing-key]" in err


@pytest.mark.parametrize(
    ("revision", "file", "message"),
    [
        ("v9", "site_inputs/t.yaml", "unknown revision 'v9'"),
        ("v1", "site_inputs/other.yaml", "site_inputs/other.yaml is not in revision 'v1'"),
        ("-p", "site_inputs/t.yaml", "'-p' is not a git revision (a commit, tag or branch)"),
        ("v1:x", "site_inputs/t.yaml", "'v1:x' is not a git revision (a commit, tag or branch)"),
    ],
)
def test_since_errors_are_one_line(
    repo: Path, revision: str, file: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(repo / file)
    assert main(["diff", f"--since={revision}", str(repo / file)]) == 1
    assert capsys.readouterr().err == f"ibcm-runbook: error: {message}\n"


def test_since_outside_a_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site(tmp_path / "outside" / "t.yaml")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # tmp_path may sit inside another repository
    assert main(["diff", "--since", "HEAD", str(site)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"ibcm-runbook: error: {site} is not in a git repository (git: fatal: not a git repository")
    assert err.count("\n") == 1


def test_since_without_git(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(RevisionError, match=r"^git is not installed; it is needed to read revision 'v1'$"):
        read_revision(repo / "site_inputs" / "t.yaml", "v1")


def test_since_with_a_git_that_hangs(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tools = tmp_path / "slow-tools"
    tools.mkdir()
    fake = tools / "git"
    fake.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(30)\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    with pytest.raises(RevisionError, match=r"^git did not answer within 0.5 s \(git rev-parse --show-prefix\)$"):
        read_revision(repo / "site_inputs" / "t.yaml", "v1", timeout=0.5)


# --- change.baseline: the runbook section -----------------------------------------------------------


def project(repo: Path) -> Project:
    return Project(repo / "site_inputs", TEMPLATES, repo / "out", root=repo)


def with_baseline(repo: Path, revision: str, *mutations: Mutation) -> None:
    change = {**CHANGE, "baseline": revision}
    write_site(repo / "site_inputs" / "t.yaml", *mutations, set_path("change", change))


def runbook(repo: Path) -> str:
    """The runbook page of the one site of ``repo``, rendered through the pipeline (which plans its baseline)."""
    plans, _ = load_plans(repo / "site_inputs", root=repo)
    page = render_plans(project(repo), plans)["TST/index.md"]
    assert isinstance(page, str)
    return page


def test_the_runbook_opens_with_the_changes_since_the_approved_revision(repo: Path) -> None:
    with_baseline(repo, "v1", NEW_PUBLIC_IP)
    page = runbook(repo)
    title = page.index("# TST – Test Site")
    change = page.index("Change **CHG\\-1**: Enable IBCM (revision 2).")
    section = page.index("(tst-changes)=\n## Changes since the approved revision v1\n\n")
    scope = page.index("(tst-scope)=\n## Scope of this runbook")
    assert title < change < section < scope
    body = page[section:scope]
    assert (
        "Compared with `v1:site_inputs/t.yaml` (site TST – Test Site), `site_inputs/t.yaml` has these changes." in body
    )
    assert "**DNS records**: 1 changed." in body
    assert "  - value\\: 203.0.113.99 \\(was 203.0.113.10\\)\n" in body
    # The change record itself is not in the plan: adding change: (and its baseline) is no change of the plan.
    assert "Certificates" in body.split("Unchanged: ")[1]


def test_the_section_says_so_when_nothing_changed(repo: Path) -> None:
    with_baseline(repo, "v1")
    page = runbook(repo)
    assert "## Changes since the approved revision v1\n\nNothing this runbook lists changed since " in page


@pytest.mark.parametrize(
    ("revision", "heading"), [("v9", "v9"), ("release/2026-11", "release/2026\\-11"), ("-p", "\\-p")]
)
def test_an_unreadable_approved_revision_is_a_note_not_a_failure(repo: Path, revision: str, heading: str) -> None:
    with_baseline(repo, revision)
    page = runbook(repo)
    assert (
        f"## Changes since the approved revision {heading}\n\nThe approved revision `{revision}` could not be read: "
        in page
    )
    assert page.count("The changes since it are not shown.\n") == 1
    if revision == "v9":
        assert "could not be read: unknown revision \\'v9\\'. The changes since it are not shown." in page


def test_an_approved_revision_without_the_file_or_with_an_invalid_one_is_a_note(repo: Path) -> None:
    (repo / "site_inputs" / "t.yaml").write_text("schema: 1\nsite: {}\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "broken")
    git(repo, "tag", "broken")
    with_baseline(repo, "broken")
    page = runbook(repo)
    assert "could not be read: it is not a valid site input \\(" in page
    assert (
        "error\\(s\\); the first\\: "
        "broken\\:site\\_inputs/t.yaml\\:2\\:7\\: error\\: site\\: missing required key \\'code\\' "
        "\\[missing\\-key\\]\\). The changes since it are not shown." in page
    )
    git(repo, "mv", "site_inputs/t.yaml", "site_inputs/renamed.yaml")
    git(repo, "commit", "-q", "-m", "renamed")
    git(repo, "tag", "renamed")
    (repo / "site_inputs" / "renamed.yaml").unlink()
    with_baseline(repo, "renamed")  # t.yaml is not in that revision any more
    assert "could not be read: site\\_inputs/t.yaml is not in revision \\'renamed\\'." in runbook(repo)


def test_sites_without_a_baseline_run_no_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_site(tmp_path / "site_inputs" / "t.yaml", set_path("change", CHANGE))
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))  # git would not be found
    plans, _ = load_plans(tmp_path / "site_inputs", root=tmp_path)
    assert plan_baselines(plans, root=tmp_path) == {}
    page = render_plans(project(tmp_path), plans)["TST/index.md"]
    assert "-changes)=" not in page and "Changes since" not in page


def test_baseline_myst_of_a_problem() -> None:
    assert baseline_myst(Baseline("v1", None, "git is not installed; it is needed to read revision 'v1'.")) == (
        "The approved revision `v1` could not be read: git is not installed; it is needed to read revision \\'v1\\'. "
        "The changes since it are not shown.\n"
    )


def test_generate_writes_the_section(repo: Path) -> None:
    with_baseline(repo, "v1", NEW_PUBLIC_IP)
    generate(project(repo))
    assert "## Changes since the approved revision v1" in (repo / "out" / "TST" / "index.md").read_text("utf-8")


class FakeSphinx:
    """Just what the extension's config-inited and builder-inited hooks read of a Sphinx application."""

    def __init__(self, confdir: Path) -> None:
        self.confdir = str(confdir)
        self.outdir = str(confdir / "_build" / "html")
        self.config = type(
            "Config",
            (),
            {
                "generator_site_inputs": "../site_inputs",
                "generator_templates": str(TEMPLATES),
                "generator_output": "_generated",
                "generator_latex_documents": False,
                "generator_preview": False,
                "generator_split": "",
            },
        )()


def test_the_sphinx_extension_reads_the_approved_revision_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import sphinx_ext

    with_baseline(repo, "v1", NEW_PUBLIC_IP)
    (repo / "docs").mkdir()
    calls: list[str] = []

    def counting(path: Path, revision: str, **kwargs: Any) -> Any:
        calls.append(revision)
        return read_revision(path, revision, **kwargs)

    monkeypatch.setattr("generator.pipeline.read_revision", counting)
    app = FakeSphinx(repo / "docs")
    sphinx_ext.load_site_plans(app, app.config)  # type: ignore[arg-type]
    assert calls == ["v1"]
    assert sphinx_ext.loaded_project(app).baselines["TST"].diff is not None  # type: ignore[arg-type]
    sphinx_ext.generate_sources(app)  # type: ignore[arg-type]
    assert calls == ["v1"]
    page = (repo / "docs" / "_generated" / "TST" / "index.md").read_text("utf-8")
    assert "## Changes since the approved revision v1" in page


@pytest.mark.slow
def test_html_and_latex_builds_show_the_section(tmp_path: Path) -> None:
    """A real Sphinx build of the project with one site whose baseline is a tag and one whose tag does not exist."""
    sphinx = SphinxProject.copy(tmp_path)
    for extra in sorted((tmp_path / "site_inputs").glob("*.yaml"))[2:]:
        extra.unlink()  # two sites show both cases; fewer pages build faster
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "site_inputs")
    git(tmp_path, "commit", "-q", "-m", "approved")
    git(tmp_path, "tag", "v1")
    inputs = sorted((tmp_path / "site_inputs").glob("*.yaml"))
    first, second = inputs[0], inputs[1]
    text = first.read_text("utf-8")
    assert "  revision: 1\n" in text and "public_ip: 203.0.113.11" in text
    first.write_text(
        text.replace("  revision: 1\n", "  revision: 2\n  baseline: v1\n").replace(
            "public_ip: 203.0.113.11", "public_ip: 203.0.113.21"
        ),
        "utf-8",
    )
    second.write_text(
        re.sub(r"\n  revision: (\d+)\n", r"\n  revision: \1\n  baseline: gone\n", second.read_text("utf-8"), count=1),
        "utf-8",
    )
    for builder in ("html", "latex"):
        run = sphinx.build(builder)
        assert run.returncode == 0, run.stderr
    html = (sphinx.html / "_generated" / "CEN" / "index.html").read_text("utf-8")
    assert "Changes since the approved revision v1" in html
    assert "203.0.113.21 (was 203.0.113.11)" in html
    assert "could not be read: unknown revision" in (sphinx.html / "_generated" / "FAB" / "index.html").read_text(
        "utf-8"
    )
    latex = (tmp_path / "docs" / "_build" / "latex" / "CEN.tex").read_text("utf-8")
    # Names and codes print unhyphenated (generator/sphinx_ext/latex.py): \ibcmname{v1}.
    assert "Changes since the approved revision \\ibcmname{v1}" in latex


def test_every_change_kind_is_covered_by_a_comparator() -> None:
    """Adding a collection is one comparator; the views need no change (accounts: installation accounts today)."""
    assert [c.id for c in COMPARATORS] == [
        "steps",
        "flows",
        "firewall_rules",
        "dns_records",
        "certificates",
        "accounts",
        "warnings",
    ]
    assert [c.grouped_by for c in COMPARATORS] == [None, None, "firewall", None, None, None, None]
