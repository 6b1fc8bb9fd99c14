"""Facts that two parts of the runbook state must agree (found by review; each case was once contradictory)."""

from __future__ import annotations

from pathlib import Path

from helpers import add_server, load, set_path, site_dict

from generator.pipeline import plan_site_file

ROOT = Path(__file__).resolve().parent.parent
VARIATIONS = ROOT / "tests" / "data" / "variations"


def test_both_sup_steps_give_configuressl_the_cluster_name_on_nlb_members() -> None:
    plan, _ = plan_site_file(VARIATIONS / "intranet-proxy-tunnel.yaml")
    assert plan is not None
    steps = {step.id: step.view for step in plan.steps}
    commands = {s.configure_ssl_command for sup in steps["sup-internet"].internet_sups for s in sup.servers}
    cluster = next(c for c in steps["nlb-sup-internet-fqdn"].clusters)
    assert commands == {f"WSUSUtil.exe configuressl {cluster.configuressl_name}"}


def test_webdav_is_asked_for_only_where_warning_7_applies() -> None:
    """A 2008 server whose MP is intranet-only (this change does not touch it) gets neither."""
    site, diagnostics = load(
        site_dict(
            set_path("servers[CM01].os", "windows_server_2008"),
            set_path("servers[CM01].roles.management_point", {"connections": "intranet"}),
        )
    )
    assert site is not None
    assert "webdav-manual" not in {d.code for d in diagnostics}
    assert site.topology.webdav_setup(site.topology.site_server) is None


def test_connections_from_the_reverse_proxy_come_from_its_own_address() -> None:
    """The proxy's public listener address is not where it connects to the site systems from."""
    sources = {}
    for path in (ROOT / "site_inputs" / "tailspin-reverse-proxy.yaml", VARIATIONS / "intranet-proxy-tunnel.yaml"):
        plan, _ = plan_site_file(path)
        assert plan is not None
        sources[plan.code] = {f.source_address for f in plan.network.flows if f.kind == "proxy-forward"}
    assert sources == {"TSP": {"172.16.40.80"}, "IPT": {None}}  # IPT's proxy names no address


def test_a_second_internet_role_keeps_its_webdav_instruction() -> None:
    site, _ = load(
        site_dict(
            add_server(
                name="MP2",
                zone="perimeter",
                os="windows_server_2008_r2",
                internet_fqdn="mp2.example.com",
                roles={"distribution_point": {"connections": "internet"}},
            )
        )
    )
    assert site is not None
    server = site.topology.server("MP2")
    assert server is not None
    assert site.topology.webdav_setup(server) == "role-service"
