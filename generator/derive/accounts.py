"""The service accounts a site's change needs (docs/domain-facts.md, facts-accounts; reference 16.1).

ConfigMgr 2007 uses computer accounts wherever Windows authentication works; an
account has to be created where it does not: across forests (the input format
has no trust setting, so another forest is treated as untrusted) and for an NLB
software update point.  Each :class:`AccountNeed` names the servers or clusters
that use it (its holders) and why, so the accounts step, the change-board
summary and the JSON plan's ``accounts`` all come from one list.  The
replication account is not an Active Directory account but a SQL Server login
on the replica (the subscriber), used by the site database server (the
publisher and distributor), its holder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.model.topology import Topology

AccountKind = Literal["site_system_installation", "sup_connection", "mp_database_connection", "replication"]

ACCOUNT_TITLES: dict[AccountKind, str] = {
    "site_system_installation": "Site system installation account",
    "sup_connection": "Software update point connection account",
    "mp_database_connection": "Management point database connection account",
    "replication": "Replication agent account",
}


@dataclass(frozen=True)
class AccountNeed:
    """One account the change needs: its kind, its name (None while to be named), why, and who uses it."""

    kind: AccountKind
    name: str | None
    reason: str
    holders: tuple[str, ...]

    @property
    def title(self) -> str:
        return ACCOUNT_TITLES[self.kind]

    @property
    def label(self) -> str:
        """Its name, or "to be named": what the step that enters the account shows."""
        return self.name or "to be named"

    @property
    def in_sentence(self) -> str:
        """``software update point connection account DMZ\\svc-sup``, or ``… account (still to be named)``."""
        title = self.title[0].lower() + self.title[1:]
        return f"{title} {self.name}" if self.name else f"{title} (still to be named)"


def _installation(topo: Topology) -> list[AccountNeed]:
    """One need per distinct ``install_account`` (and one for the other-forest servers that name none)."""
    by_name: dict[str | None, list[str]] = {}
    for server in topo.model.servers:
        if not topo.is_site_system(server):
            continue
        if server.install_account is not None or topo.in_other_forest(server):
            by_name.setdefault(server.install_account, []).append(server.name)
    needs = []
    for name, holders in by_name.items():
        other = [h for h in holders if (s := topo.server(h)) is not None and topo.in_other_forest(s)]
        reason = (
            f"the site server {topo.site.site_server} cannot install site systems in another forest "
            f"({', '.join(other)}) with its computer account"
            if other
            else "named in the site input for these site systems"
        )
        needs.append(AccountNeed("site_system_installation", name, reason, tuple(holders)))
    return needs


def _sup_connection(topo: Topology) -> list[AccountNeed]:
    holders: list[str] = []
    why: list[str] = []
    for endpoint in topo.sup_endpoints:
        if endpoint.cluster is not None:
            holders.append(endpoint.cluster.name)
            why.append(f"{endpoint.cluster.name} is an NLB software update point")
            continue
        server = endpoint.servers[0]
        if topo.in_other_forest(server):
            holders.append(server.name)
            why.append(f"{server.name} is in the forest {topo.forest_of(server)}, not {topo.site.forest}")
    if not holders:
        return []
    reason = "; ".join(why) + ": the site server configures WSUS with this account"
    return [AccountNeed("sup_connection", topo.model.accounts.sup_connection, reason, tuple(holders))]


def _mp_database(topo: Topology) -> list[AccountNeed]:
    holders: list[str] = []
    why: list[str] = []
    for server in topo.servers_with("management_point"):
        mp = server.roles.management_point
        assert mp is not None
        sql = topo.replica_server if mp.database == "replica" and topo.replica_server else topo.database_server
        if topo.forest_of(server).lower() != topo.forest_of(sql).lower():
            holders.append(server.name)
            why.append(
                f"{server.name} (forest {topo.forest_of(server)}) reads the "
                f"{'replica' if sql is topo.replica_server else 'site database'} on {sql.name} "
                f"(forest {topo.forest_of(sql)})"
            )
    if not holders:
        return []
    reason = "; ".join(why) + ": its computer account cannot log on to that SQL Server"
    return [AccountNeed("mp_database_connection", topo.model.accounts.mp_database_connection, reason, tuple(holders))]


def _replication(topo: Topology) -> list[AccountNeed]:
    replica = topo.replica_server
    if replica is None:
        return []
    publisher = topo.database_server
    if topo.forest_of(replica).lower() == topo.forest_of(publisher).lower():
        return []
    # Reference 16.1 marks this as SQL Server behaviour to confirm: the wording says "expected", never "cannot".
    reason = (
        f"the push subscription from {publisher.name} (forest {topo.forest_of(publisher)}) to the replica on "
        f"{replica.name} (forest {topo.forest_of(replica)}) is expected to log on to the subscriber with SQL Server "
        "authentication rather than Windows authentication, as the forests do not trust each other (to confirm)"
    )
    # The holder is the server that uses the credentials: the publisher, which is its own distributor and runs the
    # push subscription's agent; the login itself is on the subscriber.
    return [AccountNeed("replication", topo.model.accounts.replication, reason, (publisher.name,))]


def account_needs(topo: Topology) -> tuple[AccountNeed, ...]:
    """Every account the site's change needs, in the order of reference 16.1."""
    return (*_installation(topo), *_sup_connection(topo), *_mp_database(topo), *_replication(topo))


def account_for(topo: Topology, kind: AccountKind, holder: str) -> AccountNeed | None:
    """The account of ``kind`` that ``holder`` (a server or NLB cluster) uses, or None when it needs none.

    The steps that enter an account in the console (software update point, management point, replica) name it from
    here, so they cannot disagree with the accounts step that creates it.
    """
    return next(
        (n for n in account_needs(topo) if n.kind == kind and holder.lower() in {h.lower() for h in n.holders}),
        None,
    )
