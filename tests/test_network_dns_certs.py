"""DNS records and certificate requests derived from the example sites and small inline scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.derive.network.certificates import VERSION_3_TEMPLATE_NOTE, derive_certificates
from generator.derive.network.dns import derive_dns_records
from generator.pipeline import load_site_text, plan_sites
from generator.render.plan_json import plan_to_json
from generator.validate import ValidSite as LoadedSite

ROOT = Path(__file__).resolve().parent.parent
PLANS = {p.code: p for p in plan_sites([ROOT / "site_inputs"])[0]}
SITES = {code: plan.site for code, plan in PLANS.items()}


def load(text: str) -> LoadedSite:
    site, diagnostics = load_site_text(text, "t.yaml")
    assert site is not None, [d.format() for d in diagnostics]
    return site


def proxied(mode: str) -> LoadedSite:
    return load(f"""
schema: 1
site: {{code: TST, name: Test, type: primary, mode: native, version: SP2, forest: corp.test,
       site_server: CM01, database_server: CM01}}
servers:
  - {{name: CM01, zone: intranet, os: windows_server_2008, roles: {{software_update_point: {{connections: intranet}}}}}}
  - {{name: MP1, zone: intranet, os: windows_server_2008, internet_fqdn: mp.example.com, intranet_fqdn: mp1.corp.test,
     public_ip: 198.51.100.5, roles: {{management_point: {{connections: both}}}}}}
network:
  front_firewall: {{name: FW-FRONT}}
  back_firewall: {{name: FW-BACK}}
  reverse_proxy: {{name: RP1, mode: {mode}, public_ip: 192.0.2.1, publishes: [MP1]}}
pki: {{client_crl_checking: false}}
""")


def dns(code: str) -> list[tuple[str, str, str, str | None]]:
    return [(r.scope, r.name, r.type, r.value) for r in derive_dns_records(SITES[code].topology)]


def certs(site: LoadedSite) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.holder, c.kind, c.names) for c in derive_certificates(site.topology)]


def test_dns_nlb_cluster_and_crl_host_public_first() -> None:
    assert dns("CEN") == [
        ("public", "dp.ibcm.contoso.example", "A", "203.0.113.11"),
        ("public", "sup.ibcm.contoso.example", "A", "203.0.113.12"),
        ("public", "mp.ibcm.contoso.example", "A", "203.0.113.10"),
        ("public", "crl.contoso.example", "A", None),
        ("intranet", "cm01.corp.contoso.test", "A", None),
        ("intranet", "sql01.corp.contoso.test", "A", None),
        ("intranet", "dmzmp01.dmz.contoso.test", "A", None),
        ("intranet", "dmzmp02.dmz.contoso.test", "A", None),
        ("intranet", "dmzdp01.dmz.contoso.test", "A", None),
        ("intranet", "dmzsup01.dmz.contoso.test", "A", None),
        ("intranet", "dmzsql01.dmz.contoso.test", "A", None),
    ]


def test_dns_ipv6_gives_aaaa_and_unknown_address_is_unassigned() -> None:
    public = [r for r in dns("WGB") if r[0] == "public"]
    assert public == [
        ("public", "updates.woodgrove.example", "AAAA", "2001:db8:100::25"),
        ("public", "ibcm.woodgrove.example", "AAAA", "2001:db8:100::10"),
        ("public", "status.woodgrove.example", "A", None),
        ("public", "pki.woodgrove.example", "A", None),
    ]


def test_dns_proxied_servers_point_at_the_proxy() -> None:
    public = [r for r in dns("TSP") if r[0] == "public"]
    assert public == [
        ("public", "mp.tailspin.example", "A", "192.0.2.80"),
        ("public", "dp.tailspin.example", "A", "192.0.2.80"),
        ("public", "sup.tailspin.example", "A", "192.0.2.80"),
    ]
    # the proxy's public address wins over the server's own public_ip (198.51.100.5); no crl_url: no CRL record
    records = derive_dns_records(proxied("ssl_bridging").topology)
    assert [(r.scope, r.name, r.type, r.value, r.note) for r in records if r.scope == "public"] == [
        ("public", "mp.example.com", "A", "192.0.2.1", "published by the reverse proxy RP1")
    ]


def test_dns_json_value_null_when_unassigned() -> None:
    records = plan_to_json(PLANS["WGB"])["dns_records"]
    status = next(r for r in records if r["name"] == "status.woodgrove.example")
    assert status["value"] is None and status["scope"] == "public" and status["type"] == "A"


def test_certificates_contoso() -> None:
    assert certs(SITES["CEN"]) == [
        ("CM01", "web_server", ("cm01.corp.contoso.test",)),
        ("DMZMP01", "web_server", ("mp.ibcm.contoso.example",)),
        ("DMZMP02", "web_server", ("mp.ibcm.contoso.example",)),
        ("DMZDP01", "web_server", ("dp.ibcm.contoso.example",)),
        ("DMZSUP01", "web_server", ("sup.ibcm.contoso.example", "dmzsup01.dmz.contoso.test")),
        ("CM01", "site_server_signing", ()),
        ("Internet clients", "client_authentication", ()),
    ]


def test_internet_sup_always_has_both_names_and_fsp_needs_none() -> None:
    wgb = certs(SITES["WGB"])
    assert ("WGSUP02", "web_server", ("updates.woodgrove.example", "wgsup02.woodgrove.test")) in wgb
    assert all(holder != "WGFSP01" for holder, _, _ in wgb)
    assert PLANS["WGB"].network.fallback_status_points == ("WGFSP01",)


def test_dual_connection_server_carries_both_names() -> None:
    assert ("TSMP01", "web_server", ("mp.tailspin.example", "tsmp01.ad.tailspin.test")) in certs(SITES["TSP"])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("ssl_bridging", [("RP1", "web_server", ("mp.example.com",)), ("RP1", "proxy_client_authentication", ())]),
        ("ssl_tunneling", []),
    ],
)
def test_reverse_proxy_certificates(mode: str, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    assert [c for c in certs(proxied(mode)) if c[0] == "RP1"] == expected


def test_unverified_facts_are_worded_as_to_confirm() -> None:
    by_kind = {c.kind: c for c in derive_certificates(SITES["CEN"].topology)}
    signing = by_kind["site_server_signing"]
    assert "to confirm" in signing.eku and "1.3.6.1.4.1.311.10.3.12" in signing.eku
    assert signing.note is not None and "to confirm" in signing.note.lower()
    nlb_member = next(c for c in derive_certificates(SITES["CEN"].topology) if c.holder == "DMZMP01")
    assert nlb_member.note is not None and "to confirm" in nlb_member.note
    assert "1.3.6.1.5.5.7.3.1" in nlb_member.eku
    assert "1.3.6.1.5.5.7.3.2" in by_kind["client_authentication"].eku
    assert "version 3" in VERSION_3_TEMPLATE_NOTE


def test_certificate_json_shape() -> None:
    entry = plan_to_json(PLANS["CEN"])["certificates"][0]
    assert {"holder", "kind", "names"} <= set(entry)
    assert entry["names"] == ["cm01.corp.contoso.test"]
