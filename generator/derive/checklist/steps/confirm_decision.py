"""Step 1: prerequisites with this site's state, the features Internet clients will not get, and VPN as the alternative."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.work import StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology
from generator.model.vocabulary import SUPPORTED_FEATURES, UNSUPPORTED_FEATURE_NOTES, UNSUPPORTED_FEATURES

CrlState = Literal["unreachable", "unchecked", "reachable"]
"""``unreachable``: clients check the CRL but it is not on the Internet; ``unchecked``: clients do not check it;
``reachable``: clients check it and it is published on the Internet."""


@dataclass(frozen=True)
class ServerForest:
    """An Internet-based site system and the forest it belongs to."""

    name: str
    zone: str
    forest: str
    other_forest: bool
    """In a forest other than the site server's: installed with an account of its own forest."""
    install_account: str | None


@dataclass(frozen=True)
class UnsupportedFeature:
    """A feature Internet clients cannot use, and whether this site asked for it."""

    key: str
    name: str
    """Display name, capitalised to start a list item."""
    note: str | None
    """What it means in practice, where that needs saying."""
    requested: bool


@dataclass(frozen=True)
class SupportedFeature:
    """A feature that remains for Internet clients, and whether this site asked for it."""

    text: str
    requested: bool


@dataclass(frozen=True)
class ConfirmDecisionView:
    """The prerequisites' state for this site and the features Internet clients will and will not get."""

    site_server: str
    crl_checking: bool
    crl_published_on_internet: bool
    crl_url: str | None
    crl_state: CrlState
    front_firewall: str
    back_firewall: str
    reverse_proxy: str | None
    internet_servers: tuple[ServerForest, ...]
    unsupported_features: tuple[UnsupportedFeature, ...]
    supported_features: tuple[SupportedFeature, ...]


def _crl_state(checking: bool, published: bool) -> CrlState:
    if not checking:
        return "unchecked"
    return "reachable" if published else "unreachable"


def view(topo: Topology, _network: NetworkPlan) -> ConfirmDecisionView:
    """The change board confirms the decision against this site's actual prerequisites and requested features."""
    model = topo.model
    pki = model.pki
    network = model.network
    wanted = set(model.clients.internet_features)
    return ConfirmDecisionView(
        site_server=topo.site_server.name,
        crl_checking=pki.client_crl_checking,
        crl_published_on_internet=pki.crl_published_on_internet,
        crl_url=pki.crl_url,
        crl_state=_crl_state(pki.client_crl_checking, pki.crl_published_on_internet),
        front_firewall=network.front_firewall.name,
        back_firewall=network.back_firewall.name,
        reverse_proxy=network.reverse_proxy.name if network.reverse_proxy else None,
        internet_servers=tuple(
            ServerForest(
                name=s.name,
                zone=s.zone,
                forest=topo.forest_of(s),
                other_forest=topo.in_other_forest(s),
                install_account=s.install_account,
            )
            for s in topo.internet_servers
        ),
        unsupported_features=tuple(
            UnsupportedFeature(
                key=key,
                name=text[0].upper() + text[1:],
                note=UNSUPPORTED_FEATURE_NOTES.get(key),
                requested=key in wanted,
            )
            for key, text in UNSUPPORTED_FEATURES.items()
        ),
        supported_features=tuple(
            SupportedFeature(text=text, requested=key in wanted) for key, text in SUPPORTED_FEATURES.items()
        ),
    )


def work(topo: Topology, network: NetworkPlan, view: ConfirmDecisionView) -> StepWork:
    """The decision every later step rests on."""
    del topo, network, view
    return StepWork(provides=frozenset({res.DECISION}), minutes=30)


STEP = Step(
    id="confirm-decision",
    title="Confirm the decision to configure the site for Internet-based client management",
    condition=conditions.always("always included: every site confirms the decision and the prerequisites"),
    view=view,
    phase=1,
    owner="configmgr",
    seed_item=1,
    changes=False,
    work=work,
)
