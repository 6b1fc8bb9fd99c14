"""Step 4: the DNS records, public first."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology


@dataclass(frozen=True)
class PublicName:
    """An Internet FQDN to look up from the Internet, and the server or NLB cluster it names."""

    fqdn: str
    owner: str


@dataclass(frozen=True)
class OtherForestNames:
    """Servers whose intranet FQDN is in the DNS of a forest other than the site server's."""

    forest: str
    servers: tuple[str, ...]


@dataclass(frozen=True)
class RegisterDnsView:
    """The names to register and check in public DNS, and the records that must not be published."""

    nlb_management_points: tuple[str, ...]
    """NLB clusters of management points: never published as the site's default MP."""
    mp_srv_record: str
    """The SRV record that names the site's default management point."""
    checked_crl_url: str | None
    """The CRL location, when clients check revocation (its host must resolve in public DNS)."""
    server_names: tuple[PublicName, ...]
    cluster_names: tuple[PublicName, ...]
    unassigned_public: bool
    """A server's or NLB cluster's public record has no address yet ("to be assigned" until the input gives it)."""
    site_server: str
    other_forests: tuple[OtherForestNames, ...]
    """Per other forest, the servers whose intranet FQDN the site server must resolve in that forest's DNS."""


def view(topo: Topology, network: NetworkPlan) -> RegisterDnsView:
    """Internet clients find site systems, NLB clusters and the CRL only through public DNS."""
    model = topo.model
    pki = model.pki
    # Public records of servers and clusters take their address from the site input; the CRL host's does not.
    owners = {s.name for s in model.servers} | {c.name for c in model.nlb_clusters}
    forests: dict[str, list[str]] = {}
    for server in model.servers:
        if server.intranet_fqdn and topo.in_other_forest(server):
            forests.setdefault(topo.forest_of(server), []).append(server.name)
    return RegisterDnsView(
        nlb_management_points=tuple(c.name for c in model.nlb_clusters if c.role == "management_point"),
        mp_srv_record=f"_mssms_mp_{topo.site.code.lower()}._tcp",
        checked_crl_url=pki.crl_url if pki.client_crl_checking else None,
        server_names=tuple(PublicName(s.internet_fqdn, s.name) for s in topo.internet_servers if s.internet_fqdn),
        cluster_names=tuple(PublicName(c.internet_fqdn, c.name) for c in model.nlb_clusters if c.internet_fqdn),
        unassigned_public=any(
            r.scope == "public" and r.value is None and r.holder in owners for r in network.dns_records
        ),
        site_server=topo.site_server.name,
        other_forests=tuple(OtherForestNames(forest, tuple(names)) for forest, names in forests.items()),
    )


def work(topo: Topology, network: NetworkPlan, view: RegisterDnsView) -> StepWork:
    """Public names exist before anything is checked from the Internet."""
    del topo, view
    names = res.public_names(network)
    return StepWork(
        requires=frozenset({res.PLACEMENT, res.BACKUP}),
        provides=names,
        minutes=20 + 5 * len(names),
    )


STEP = Step(
    id="register-dns",
    title="Register the Internet FQDNs of site systems and NLB clusters in public DNS",
    condition=conditions.always("always included: Internet clients find the site systems through public DNS"),
    view=view,
    phase=2,
    owner="dns",
    seed_item=4,
    work=work,
)
