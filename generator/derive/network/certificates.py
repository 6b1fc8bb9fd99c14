"""Derive the PKI certificates a site needs (docs/domain-facts.md, Certificates).

In native mode every FQDN typed into a site system must match its web server
certificate, so the names are computed from the same model facts that decide
the FQDNs.  Facts marked "to confirm" in docs/domain-facts.md are worded as
"to confirm" in the notes, never as certain.

Each certificate is either **new** (this change requests it) or **existing**
(it must already be in place and is only verified).  IBCM needs a site that is
already in native mode, and native mode needs every certificate in place before
it is turned on (Configuration Manager checks only the site server signing
certificate then).  So the site server signing certificate, the web server
certificates of site systems that serve intranet clients only, and the client
authentication certificates of roaming clients exist already; what IBCM adds
(web server certificates that hold an Internet FQDN, the always-both-names
certificate of the Internet-based software update point, the reverse proxy's
certificates, and the certificates of clients that never join the intranet)
is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.derive.network.flows import INTERNET_CLIENTS
from generator.model.schema import RoleKey, Server
from generator.model.topology import Topology, accepts_internet, accepts_intranet

CertificateKind = Literal["web_server", "site_server_signing", "client_authentication", "proxy_client_authentication"]
CertificateStatus = Literal["new", "existing"]
"""``new``: this change requests it; ``existing``: it must already be in place (native mode) and is only verified."""

SERVER_AUTHENTICATION = "Server Authentication (1.3.6.1.5.5.7.3.1)"
CLIENT_AUTHENTICATION = "Client Authentication (1.3.6.1.5.5.7.3.2)"
DOCUMENT_SIGNING = "Document Signing (1.3.6.1.4.1.311.10.3.12; OID to confirm)"

VERSION_3_TEMPLATE_NOTE = (
    "Do not use version 3 certificate templates (Windows Server 2008 Enterprise CA): "
    "Configuration Manager 2007 cannot use certificates issued from them. Use version 2 templates."
)
"""Shown under the certificate table (docs/domain-facts.md, Certificates)."""

_WEB_ROLES: tuple[RoleKey, ...] = ("management_point", "distribution_point", "software_update_point")


@dataclass(frozen=True)
class CertificateRequest:
    """One certificate the site needs, where it goes, and whether this change requests it or only verifies it."""

    holder: str
    kind: CertificateKind
    names: tuple[str, ...]
    """FQDNs for the Subject or SAN (empty when any unique name will do)."""
    purpose: str
    eku: str
    bound_to: str
    status: CertificateStatus
    """``new`` (request it) or ``existing`` (verify it, do not request it)."""
    note: str | None = None
    forest: str | None = None
    """The holder's forest when the holder is a site system in another forest than the site server: it cannot
    autoenrol from the intranet CA, so a new certificate is requested with a request file."""


def _unique(names: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    result: list[str] = []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            result.append(name)
    return tuple(result)


def _web_server_certificate(topo: Topology, server: Server) -> CertificateRequest | None:
    roles = [(key, role) for key, role in server.roles.items() if key in _WEB_ROLES]
    if not roles:
        return None
    internet_names: list[str] = []
    intranet_names: list[str] = []
    notes: list[str] = []
    internet_sup = topo.internet_sup
    is_internet_sup = internet_sup is not None and any(s.key == server.key for s in internet_sup.servers)
    for key, role in roles:
        cluster = topo.cluster_for(server, key)
        wants_internet = accepts_internet(role.connections)
        wants_intranet = accepts_intranet(role.connections) or (key == "software_update_point" and is_internet_sup)
        if wants_internet:
            if server.internet_fqdn:
                internet_names.append(server.internet_fqdn)
            if cluster is not None and cluster.internet_fqdn:
                internet_names.append(cluster.internet_fqdn)
        if wants_intranet:
            intranet_names.append(server.intranet_fqdn or server.name)
            if not server.intranet_fqdn:
                notes.append(f"no intranet_fqdn given: the computer name {server.name} is used")
            if cluster is not None and cluster.intranet_fqdn and accepts_intranet(role.connections):
                intranet_names.append(cluster.intranet_fqdn)
        if cluster is not None:
            notes.append(
                f"member of NLB cluster {cluster.name}: every member carries the cluster FQDNs "
                "(to confirm for ConfigMgr 2007)"
            )
    if is_internet_sup:
        notes.append(
            "Internet-based software update point: always both the Internet and the intranet FQDN "
            "(WSUSUtil configuressl uses the intranet FQDN)"
        )
    new = bool(internet_names) or is_internet_sup
    other_forest = topo.forest_of(server) if new and topo.in_other_forest(server) else None
    if other_forest:
        notes.append(f"forest {other_forest}: no autoenrolment from the intranet CA, request it with a request file")
    if not new:
        notes.append("intranet names only: in place since the site is in native mode")
    bindings = []
    if server.roles.management_point or server.roles.distribution_point:
        bindings.append("IIS web site used by ConfigMgr (Default Web Site)")
    sup = server.roles.software_update_point
    if sup is not None:
        bindings.append("WSUS custom web site" if sup.wsus_website == "custom" else "WSUS web site (Default Web Site)")
    role_names = ", ".join(key.replace("_", " ") for key, _ in roles)
    return CertificateRequest(
        holder=server.name,
        kind="web_server",
        names=_unique(internet_names + intranet_names),
        purpose=f"web server certificate for the {role_names}",
        eku=SERVER_AUTHENTICATION,
        bound_to="; ".join(bindings) + "; computer Personal store",
        status="new" if new else "existing",
        note="; ".join(dict.fromkeys(notes)) or None,
        forest=other_forest,
    )


def _site_server_signing(topo: Topology) -> CertificateRequest:
    code = topo.site.code
    return CertificateRequest(
        holder=topo.site_server.name,
        kind="site_server_signing",
        names=(),
        purpose="site server signing certificate (signs client policy; needed for native mode)",
        eku=DOCUMENT_SIGNING,
        bound_to="site properties, Site Mode tab; computer Personal store of the site server",
        status="existing",
        note=(
            f"In place since the site is in native mode. No default template: duplicate a version 2 template and "
            f"change its purpose. Subject to confirm: usually CN=The site code of this site server is {code}."
        ),
    )


def _proxy_certificates(topo: Topology) -> list[CertificateRequest]:
    proxy = topo.model.network.reverse_proxy
    if proxy is None or proxy.mode != "ssl_bridging":
        return []
    names: list[str] = []
    for name in proxy.publishes:
        server = topo.server(name)
        if server is None:
            continue
        if server.internet_fqdn:
            names.append(server.internet_fqdn)
        for key in topo.internet_roles(server):
            cluster = topo.cluster_for(server, key)
            if cluster is not None and cluster.internet_fqdn:
                names.append(cluster.internet_fqdn)
    return [
        CertificateRequest(
            holder=proxy.name,
            kind="web_server",
            names=_unique(names),
            purpose="web server certificate of the reverse proxy listener (SSL bridging)",
            eku=SERVER_AUTHENTICATION,
            bound_to="reverse proxy web listener; proxy computer store",
            status="new",
        ),
        CertificateRequest(
            holder=proxy.name,
            kind="proxy_client_authentication",
            names=(),
            purpose="client authentication certificate the proxy presents to the published site systems",
            eku=CLIENT_AUTHENTICATION,
            bound_to="proxy computer store (used for the new SSL session to each site system)",
            status="new",
            note="Details follow the proxy's publishing guide (to confirm, e.g. the ISA Server guide).",
        ),
    ]


def _client_certificate(topo: Topology) -> CertificateRequest:
    """Existing for roaming clients (native-mode clients already have one); new when no client joins the intranet.

    Computers that never join the intranet (Internet-only and workgroup clients) cannot autoenrol from the
    intranet CA: each gets its certificate from the PKI team before its client is installed (next-steps).
    """
    internet_only = topo.clients_internet_only
    others = "Computers" if internet_only else "Roaming clients have theirs since the site is in native mode; computers"
    note = (
        f"Any unique name. {others} that never join the intranet cannot autoenrol: the PKI team issues one per "
        "computer, imported into its computer Personal store before the client is installed (next-steps). "
        "Set the certificate selection criteria when a client has several."
    )
    return CertificateRequest(
        holder=INTERNET_CLIENTS,
        kind="client_authentication",
        names=(),
        purpose="client authentication certificate on every Internet client (Workstation Authentication template)",
        eku=CLIENT_AUTHENTICATION,
        bound_to="computer Personal store of each client",
        status="new" if internet_only else "existing",
        note=note,
    )


def fallback_status_points(topo: Topology) -> list[str]:
    """Servers whose fallback status point needs no certificate (plain HTTP)."""
    return [s.name for s in topo.servers_with("fallback_status_point")]


def derive_certificates(topo: Topology) -> list[CertificateRequest]:
    """Web server certificates (servers in model order), site server signing, proxy, clients; each new or existing."""
    result = [c for c in (_web_server_certificate(topo, s) for s in topo.model.servers) if c is not None]
    result.append(_site_server_signing(topo))
    result += _proxy_certificates(topo)
    result.append(_client_certificate(topo))
    return result
