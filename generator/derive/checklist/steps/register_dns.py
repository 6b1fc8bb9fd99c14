"""Step 4: the DNS records, public first."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import ON_THE_INTERNET, change_record, names, nslookup
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.dns import DnsRecord
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
class ReplicaName:
    """The intranet FQDN of a SQL Server replica in another forest, which the site database server resolves to push
    the subscription to it."""

    replica: str
    fqdn: str
    forest: str
    database_server: str
    """The site database server (the publisher), when it is not the site server, which is checked anyway."""


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
    replica_name: ReplicaName | None = None
    """The replica in another forest that the site database server (not the site server) must resolve too."""


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
        replica_name=_replica_name(topo),
    )


def _replica_name(topo: Topology) -> ReplicaName | None:
    """The replica's intranet FQDN, when the site database server pushes the subscription into another forest and is
    not the site server (whose checks already cover that forest's names)."""
    replica, database = topo.replica_server, topo.database_server
    if replica is None or not replica.intranet_fqdn or database.key == topo.site_server.key:
        return None
    if topo.forest_of(replica).lower() == topo.forest_of(database).lower():
        return None
    return ReplicaName(replica.name, replica.intranet_fqdn, topo.forest_of(replica), database.name)


def _owners(view: RegisterDnsView) -> dict[str, str]:
    """Public name -> how the runbook names what it belongs to (``NLB cluster CEN-MP-NLB``, ``DMZDP01``)."""
    owners = {n.fqdn.lower(): n.owner for n in view.server_names}
    owners |= {n.fqdn.lower(): f"NLB cluster {n.owner}" for n in view.cluster_names}
    return owners


def _address(record: DnsRecord) -> str:
    return record.value or "its address (still to be assigned in the site input)"


def _public_checks(records: list[DnsRecord], owners: dict[str, str]) -> list[Instruction]:
    checks = []
    for r in records:
        owner = owners.get(r.name.lower())
        text = (
            f"{r.name} ({owner}) resolves to {_address(r)} in public DNS."
            if owner
            else f"The CRL host {r.name} resolves in public DNS (the PKI team owns the record)."
        )
        checks.append(Instruction(text, command=nslookup(r.name), where=ON_THE_INTERNET))
    return checks


def _intranet_checks(records: list[DnsRecord], view: RegisterDnsView) -> list[Instruction]:
    """Names of the site server's forest from any intranet computer; those of another forest on the site server."""
    forest_of = {server: f.forest for f in view.other_forests for server in f.servers}
    groups: dict[str | None, list[DnsRecord]] = {}
    for r in records:
        groups.setdefault(forest_of.get(r.holder), []).append(r)
    checks = []
    for forest, members in groups.items():
        pairs = ", ".join(f"{r.name} to {r.value}" if r.value else r.name for r in members)
        where = view.site_server if forest else "a computer on the intranet"
        text = (
            f"{view.site_server} resolves the intranet FQDNs of forest {forest}: {pairs}."
            if forest
            else f"Each intranet FQDN resolves to its intranet address: {pairs}."
        )
        checks.append(Instruction(text, command="\n".join(nslookup(r.name, None) for r in members), where=where))
    replica = view.replica_name
    if replica is not None:
        record = next((r for r in records if r.name.lower() == replica.fqdn.lower()), None)
        value = f" to {record.value}" if record and record.value else ""
        checks.append(
            Instruction(
                f"The site database server {replica.database_server} resolves the intranet FQDN of the replica "
                f"{replica.replica}, {replica.fqdn}{value}: it pushes the subscription to it.",
                command=nslookup(replica.fqdn, None),
                where=replica.database_server,
            )
        )
    return checks


def work(topo: Topology, network: NetworkPlan, view: RegisterDnsView) -> StepWork:
    """Public names exist before anything is checked from the Internet; each is checked against a public resolver
    and undone by deleting exactly the records this change added."""
    names_provided = res.public_names(network)
    owners = _owners(view)
    public = [r for r in network.dns_records if r.scope == "public"]
    added = [r for r in public if r.name.lower() in owners]
    clusters = {n.owner for n in view.cluster_names} | {c.name for c in topo.model.nlb_clusters}
    intranet = [r for r in network.dns_records if r.scope == "intranet"]
    added_intranet = [r for r in intranet if r.holder in clusters]
    change = change_record(topo)
    evidence = [
        f"The DNS change ticket number for the public records {names(r.name for r in added)}, recorded in {change}."
        if added
        else f"The DNS team's confirmation, recorded in {change}, that no public record was needed.",
        "The nslookup output of each public name from a computer on the Internet, with the date and the time.",
    ]
    evidence += [
        f"A screenshot of the conditional forwarder or stub zone for {f.forest} on the DNS servers {view.site_server} "
        f"uses (or of the hosts file of {view.site_server})."
        for f in view.other_forests
    ]
    replica = view.replica_name
    if replica is not None:
        evidence.append(
            f"The nslookup output of {replica.fqdn} on {replica.database_server}, and a screenshot of the conditional "
            f"forwarder or stub zone for {replica.forest} on the DNS servers {replica.database_server} uses (or of "
            f"the hosts file of {replica.database_server})."
        )
    rollback = [
        Instruction(
            f"Delete the public {r.type} record {r.name}{f' ({r.value})' if r.value else ''} of "
            f"{owners[r.name.lower()]}; resolvers keep it cached up to its TTL."
        )
        for r in added
    ]
    rollback += [
        Instruction(
            f"Delete the intranet {r.type} record {r.name}{f' ({r.value})' if r.value else ''} of NLB cluster "
            f"{r.holder}."
        )
        for r in added_intranet
    ]
    rollback += [
        Instruction(
            f"Remove the conditional forwarder or stub zone for {f.forest} from the DNS servers {view.site_server} "
            f"uses (or the hosts file entries on {view.site_server}), unless something else relied on it before the "
            "change."
        )
        for f in view.other_forests
    ]
    if replica is not None:
        rollback.append(
            Instruction(
                f"Remove the conditional forwarder or stub zone for {replica.forest} from the DNS servers "
                f"{replica.database_server} uses, if they are not those of {view.site_server} (or the hosts file entry "
                f"for {replica.fqdn} on {replica.database_server}), unless something else relied on it before the "
                "change."
            )
        )
    if added:
        rollback.append(
            Instruction(
                f"Once the TTL has passed, {names(r.name for r in added)} no longer resolve from the Internet.",
                command="\n".join(nslookup(r.name) for r in added),
                where=ON_THE_INTERNET,
            )
        )
    gate = [
        f"Public DNS resolves {r.name} to {_address(r)} from outside."
        if r.name.lower() in owners
        else f"The CRL host {r.name} resolves in public DNS."
        for r in public
    ]
    gate += [
        f"{view.site_server} resolves the intranet FQDNs of {names(f.servers)} (forest {f.forest})."
        for f in view.other_forests
    ]
    if replica is not None:
        gate.append(
            f"The site database server {replica.database_server} resolves the intranet FQDN {replica.fqdn} of the "
            f"replica {replica.replica} (forest {replica.forest})."
        )
    return StepWork(
        requires=frozenset({res.PLACEMENT, res.BACKUP}),
        provides=names_provided,
        minutes=10 + 5 * len(names_provided),
        verification=(*_public_checks(public, owners), *_intranet_checks(intranet, view)),
        evidence=tuple(evidence),
        rollback=tuple(rollback),
        gate=tuple(gate),
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
