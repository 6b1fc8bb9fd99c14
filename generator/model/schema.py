"""The typed site model: one frozen pydantic tree per site input file.

Field names are the public interface of the site input format
(docs/site-inputs.md, Keys); they may be added to but never renamed.  Field
docstrings feed that generated schema reference.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from generator.model.fields import (
    Account,
    Fqdn,
    IpAddress,
    MultiLine,
    Name,
    Port,
    PortRange,
    ServerName,
    SingleLine,
    SiteCode,
    Url,
)
from generator.model.firewall_platforms import PlatformName

# List limits: every runbook at these sizes builds, HTML and PDF (xelatex overflows its memory on a table of
# about 1,000 servers); docs/site-inputs.md, Limits, lists them.
MAX_SERVERS = 100
MAX_NLB_CLUSTERS = 16
MAX_NLB_MEMBERS = 32
"""ConfigMgr's limit of NLB members (validation rule 4 also asks for at least 2)."""
MAX_FORESTS = 10
MAX_INTERNET_FEATURES = 16
"""The number of features there are."""
MAX_APPROVERS = 20
MAX_HISTORY = 50
MAX_ACKNOWLEDGED_WARNINGS = 200

Zone = Literal["intranet", "perimeter"]
Connections = Literal["intranet", "internet", "both"]
OperatingSystem = Literal["windows_server_2003", "windows_server_2008", "windows_server_2008_r2"]
RoleKey = Literal["management_point", "distribution_point", "fallback_status_point", "software_update_point"]
InternetFeature = Literal[
    "inventory",
    "software_metering",
    "software_distribution",
    "software_updates",
    "desired_configuration",
    "user_targeted_distribution",
    "branch_distribution_points",
    "client_push",
    "auto_site_assignment",
    "nap",
    "wake_on_lan",
    "os_deployment",
    "task_sequences",
    "remote_control",
    "out_of_band_management",
    "client_status_ping",
]


class _Model(BaseModel):
    # Frozen: the model is shared by every view; extra=forbid: unknown keys are errors.
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ManagementPoint(_Model):
    connections: Connections = "intranet"
    """Which clients the MP accepts."""
    database: Literal["site", "replica"] = "site"
    """Read the site database directly or a SQL Server replica."""


class DistributionPoint(_Model):
    connections: Connections = "intranet"
    """Which clients the DP accepts."""
    branch: StrictBool = False
    """A branch distribution point (cannot serve Internet clients)."""
    bits: StrictBool = True
    """"Allow clients to transfer content from this distribution point using BITS, HTTP, and HTTPS"."""


class FallbackStatusPoint(_Model):
    connections: Literal["intranet", "both"] = "intranet"
    """There is no Internet-only fallback status point."""


class SoftwareUpdatePoint(_Model):
    connections: Connections = "intranet"
    """Which clients the SUP accepts."""
    wsus_website: Literal["default", "custom"] = "default"
    """WSUS on the Default Web Site (80/443) or its custom site (8530/8531)."""


class Roles(_Model):
    management_point: ManagementPoint | None = None
    """Management point role."""
    distribution_point: DistributionPoint | None = None
    """Distribution point role."""
    fallback_status_point: FallbackStatusPoint | None = None
    """Fallback status point role."""
    software_update_point: SoftwareUpdatePoint | None = None
    """Software update point role."""

    def items(
        self,
    ) -> list[tuple[RoleKey, ManagementPoint | DistributionPoint | FallbackStatusPoint | SoftwareUpdatePoint]]:
        """The roles present, in catalog order."""
        pairs: list[
            tuple[RoleKey, ManagementPoint | DistributionPoint | FallbackStatusPoint | SoftwareUpdatePoint | None]
        ] = [
            ("management_point", self.management_point),
            ("distribution_point", self.distribution_point),
            ("fallback_status_point", self.fallback_status_point),
            ("software_update_point", self.software_update_point),
        ]
        return [(key, role) for key, role in pairs if role is not None]


class Server(_Model):
    name: ServerName = Field(examples=["CM01", "DMZMP01"])
    """NetBIOS computer name."""
    zone: Zone
    """Network zone the server sits in."""
    forest: Fqdn | None = Field(None, examples=["dmz.contoso.test"])
    """AD forest of the server; defaults to `site.forest`."""
    os: OperatingSystem
    """Decides the dynamic RPC port range."""
    rpc_dynamic_ports: PortRange | None = Field(None, examples=["50000-50100"])
    """Overrides the OS default dynamic RPC range."""
    intranet_fqdn: Fqdn | None = Field(None, examples=["dmzmp01.corp.contoso.test"])
    """The site system's intranet FQDN."""
    internet_fqdn: Fqdn | None = Field(None, examples=["mp.contoso.example"])
    """The site system's Internet FQDN (registered in public DNS)."""
    public_ip: IpAddress | None = Field(None, examples=["203.0.113.10"])
    """Address Internet clients reach for this server."""
    address: IpAddress | None = Field(None, examples=["172.16.1.10"])
    """The server's own address on its network (the private side); shown in firewall rules and NAT rows."""
    install_account: Account | None = Field(None, examples=["DMZ\\cm-install"])
    """Site system installation account (needed in another forest)."""
    site_server_initiated: StrictBool | None = None
    """"Allow only site server initiated data transfers from this site system"; default depends on placement."""
    roles: Roles = Roles()
    """Site system roles on this server."""

    @property
    def key(self) -> str:
        """Case-insensitive identity of the server."""
        return self.name.upper()


class ClientPorts(_Model):
    http: Port = 80
    """Site-wide client HTTP port."""
    https: Port = 443
    """Site-wide client HTTPS port."""


class Site(_Model):
    code: SiteCode = Field(examples=["CEN"])
    """Site code, upper-cased on load."""
    name: SingleLine = Field(examples=["Contoso Central"])
    """Site name."""
    type: Literal["primary", "secondary"]
    """IBCM needs a primary site."""
    mode: Literal["native", "mixed"]
    """IBCM needs native mode."""
    version: Literal["RTM", "SP1", "SP2", "R2", "R3"]
    """Product level."""
    forest: Fqdn = Field(examples=["corp.contoso.test"])
    """AD forest of the site server."""
    site_server: ServerName = Field(examples=["CM01"])
    """The site server (a server in `servers`)."""
    database_server: ServerName = Field(examples=["SQL01"])
    """Server holding the site database; may be the site server."""
    client_ports: ClientPorts = ClientPorts()
    """Site-wide client request ports."""


class NlbCluster(_Model):
    name: Name = Field(examples=["MPNLB"])
    """Cluster name."""
    role: Literal["management_point", "software_update_point"]
    """The role the cluster serves."""
    intranet_fqdn: Fqdn | None = Field(None, examples=["mpnlb.corp.contoso.test"])
    """Cluster FQDN on the intranet."""
    internet_fqdn: Fqdn | None = Field(None, examples=["mp.contoso.example"])
    """Cluster FQDN on the Internet."""
    public_ip: IpAddress | None = None
    """Virtual address Internet clients reach."""
    address: IpAddress | None = None
    """The cluster's virtual address on its own network (the private side)."""
    members: list[ServerName] = Field(max_length=MAX_NLB_MEMBERS, examples=[["DMZMP01", "DMZMP02"]])
    """Servers that carry the role (2-32; at most 4 for a software update point)."""
    wsus_database: ServerName | None = None
    """For `role: software_update_point`: the SQL Server holding the shared WSUS database of all members."""


class DomainController(_Model):
    name: ServerName = Field(examples=["DC01"])
    """Computer name of the domain controller."""
    address: IpAddress | None = None
    """Its address, for the firewall rules."""
    os: OperatingSystem = "windows_server_2008"
    """Decides the dynamic RPC port range of the domain membership flows."""


class DatabaseReplica(_Model):
    server: ServerName = Field(examples=["DMZSQL01"])
    """Server that holds the replica."""
    database: SingleLine = Field(examples=["SMS_CEN_replica"])
    """Replica database name."""


class SoftwareUpdates(_Model):
    internet_sup_sync: Literal["automatic", "export_import"] | None = None
    """How the Internet-based SUP gets its metadata; default depends on its zone."""


class Firewall(_Model):
    name: Name = Field(examples=["FW-EDGE", "FW-CORE"])
    """Firewall name as the firewall team knows it."""
    platform: PlatformName | None = Field(None, examples=["ciscoasa", "srx"])
    """Aerleon target its configuration is generated for: `ciscoasa`, `srx`, `paloalto`, `fortigate`, `nftables`."""


class BackFirewall(Firewall):
    perimeter_may_initiate: StrictBool = True
    """False: no connection may be opened from the perimeter into the intranet."""


class ReverseProxy(_Model):
    name: Name = Field(examples=["ISA01"])
    """Proxy name."""
    zone: Literal["internet", "perimeter", "intranet"] = "perimeter"
    """Must be `perimeter`."""
    mode: Literal["ssl_bridging", "ssl_tunneling"]
    """SSL bridging (recommended) or SSL tunnelling."""
    public_ip: IpAddress | None = None
    """Listener address Internet clients reach."""
    address: IpAddress | None = None
    """The proxy's own address in the perimeter, from which it connects to the site systems it publishes."""
    publishes: list[ServerName] = Field(min_length=1, max_length=MAX_SERVERS, examples=[["MP01", "DP01"]])
    """Servers the proxy publishes to the Internet."""


class Network(_Model):
    front_firewall: Firewall
    """Firewall between the Internet and the perimeter network."""
    back_firewall: BackFirewall
    """Firewall between the perimeter network and the intranet."""
    reverse_proxy: ReverseProxy | None = None
    """Web proxy that publishes site systems to the Internet."""


class Pki(_Model):
    client_crl_checking: StrictBool = True
    """Clients check certificate revocation."""
    crl_published_on_internet: StrictBool = False
    """The CRL distribution points are reachable from the Internet."""
    crl_url: Url | None = Field(None, examples=["http://pki.contoso.example/crl/ContosoIssuingCA.crl"])
    """Where the CRL is published."""


class Clients(_Model):
    placement: Literal["internet_and_intranet", "internet_only"] = "internet_and_intranet"
    """Roaming laptops or clients that never join the intranet."""
    internet_features: list[InternetFeature] = Field(
        [], max_length=MAX_INTERNET_FEATURES, examples=[["inventory", "software_distribution", "software_updates"]]
    )
    """Features wanted for clients on the Internet."""


class ChangeWindow(_Model):
    start: AwareDatetime = Field(examples=["2026-12-05T20:00:00+01:00"])
    """Start, ISO 8601 with offset."""
    end: AwareDatetime = Field(examples=["2026-12-06T02:00:00+01:00"])
    """End, ISO 8601 with offset."""

    @model_validator(mode="after")
    def _end_after_start(self) -> ChangeWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Approver(_Model):
    name: SingleLine
    """Approver's name."""
    role: SingleLine
    """Approver's role on the board."""


class HistoryEntry(_Model):
    revision: StrictInt
    """Runbook revision."""
    date: dt.date = Field(examples=["2026-11-10"])
    """Date of the revision."""
    author: SingleLine
    """Who wrote it."""
    summary: SingleLine
    """What changed."""


class Change(_Model):
    id: SingleLine = Field(examples=["CHG-2026-0001"])
    """Change request number."""
    title: SingleLine = Field(examples=["Enable Internet-based client management for site CEN"])
    """Change title."""
    requested_by: SingleLine | None = None
    """Requester."""
    implementer: SingleLine | None = None
    """Implementer."""
    window: ChangeWindow | None = None
    """Implementation window."""
    risk: Literal["low", "medium", "high"] | None = None
    """Risk rating."""
    impact: MultiLine | None = None
    """Impact statement (multi-line)."""
    rollback: MultiLine | None = None
    """Rollback plan (multi-line)."""
    approvers: list[Approver] = Field([], max_length=MAX_APPROVERS)
    """Approvers, each with a signature line in the PDF."""
    revision: StrictInt | None = None
    """Runbook revision submitted."""
    history: list[HistoryEntry] = Field([], max_length=MAX_HISTORY)
    """Revision history."""
    baseline: SingleLine | None = Field(None, examples=["runbook-approved-2026-11", "v3"])
    """Git revision (commit, tag or branch) of the approved inputs; the runbook then opens with the changes since."""


class Accounts(_Model):
    """Names of the service accounts the runbook asks for (docs/domain-facts.md, facts-accounts)."""

    sup_connection: Account | None = Field(None, examples=["DMZ\\svc-cm-supconn"])
    """Software update point connection account (a SUP in another forest, an NLB SUP)."""
    mp_database_connection: Account | None = Field(None, examples=["CORP\\svc-cm-mpdb"])
    """Management point database connection account (an MP reading a SQL Server of another forest)."""
    replication: Account | None = Field(None, examples=["DMZ\\svc-sql-repl"])
    """Replication agent account for a push subscription into another forest."""


class Teams(_Model):
    """Who owns each kind of step; the runbook names them as each step's owner."""

    configmgr: SingleLine = "ConfigMgr administrators"
    """Owner of the ConfigMgr console and site system steps."""
    firewall: SingleLine = "Firewall team"
    """Owner of the firewall rules."""
    dns: SingleLine = "DNS team"
    """Owner of public and cross-forest DNS records."""
    pki: SingleLine = "PKI team"
    """Owner of certificates and the CRL."""
    database: SingleLine = "Database administrators"
    """Owner of the SQL Server replica."""
    directory: SingleLine = "Active Directory team"
    """Owner of accounts and domain membership."""


class AcknowledgedWarning(_Model):
    """A warning the change board accepted: shown as an accepted risk, not as an open warning."""

    code: SingleLine = Field(examples=["fsp-not-dedicated"])
    """The warning's code, as `ibcm-runbook check` prints it."""
    subject: SingleLine | None = Field(None, examples=["DMZMP01"])
    """A server, cluster or feature name that narrows the acknowledgement to one occurrence."""
    reason: SingleLine = Field(examples=["The FSP shares DMZMP01 until the second server is delivered in Q1."])
    """Why the risk is accepted."""
    by: SingleLine = Field(examples=["Grace Liu (Change Manager), CAB 2026-11-20"])
    """Who accepted it."""


class SiteInput(_Model):
    """One site input file."""

    schema_version: Literal[1] = Field(alias="schema")
    """Format version; must be 1."""
    site: Site
    """The ConfigMgr site."""
    servers: list[Server] = Field(min_length=1, max_length=MAX_SERVERS)
    """Every server that the runbook mentions."""
    nlb_clusters: list[NlbCluster] = Field([], max_length=MAX_NLB_CLUSTERS)
    """NLB clusters serving an MP or SUP."""
    database_replica: DatabaseReplica | None = None
    """SQL Server replica of the site database."""
    directory: dict[Fqdn, list[DomainController]] = Field(
        {}, max_length=MAX_FORESTS, examples=[{"corp.contoso.test": [{"name": "DC01", "address": "10.0.0.5"}]}]
    )
    """Domain controllers per forest FQDN, for the domain membership flows of perimeter servers."""
    software_updates: SoftwareUpdates = SoftwareUpdates()
    """Software update synchronisation choices."""
    network: Network
    """Firewalls and the optional reverse proxy."""
    pki: Pki = Pki()
    """PKI facts that change the runbook."""
    clients: Clients = Clients()
    """What Internet clients need."""
    change: Change | None = None
    """Change-board metadata."""
    accounts: Accounts = Accounts()
    """Names of the service accounts the change needs; unnamed ones are shown as "to be named"."""
    teams: Teams = Teams()
    """Who owns each kind of step."""
    acknowledged_warnings: list[AcknowledgedWarning] = Field([], max_length=MAX_ACKNOWLEDGED_WARNINGS)
    """Warnings the change board accepted, with the reason and who accepted them."""
