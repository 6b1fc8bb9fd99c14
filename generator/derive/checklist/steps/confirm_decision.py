"""Step 1: prerequisites with this site's state, the features Internet clients will not get, and VPN as the alternative."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.derive.checklist import conditions
from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step
from generator.derive.checklist.instructions import ON_THE_INTERNET, change_record, names
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology
from generator.model.vocabulary import (
    SUPPORTED_FEATURES,
    UNSUPPORTED_FEATURE_NOTES,
    UNSUPPORTED_FEATURES,
    console_paths,
)

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


def _crl_check(view: ConfirmDecisionView) -> Instruction:
    if view.crl_state == "unchecked":
        return Instruction(
            "The change board accepts that clients do not check certificate revocation: a revoked site system "
            "certificate stays trusted, which is acceptable for tests only."
        )
    if view.crl_state == "unreachable":
        return Instruction(
            "The PKI team gives the date by which the CRL is published on the Internet: until then Internet clients "
            "fail the revocation check of the site systems' certificates."
        )
    if view.crl_url:
        return Instruction(
            f"The CRL {view.crl_url} downloads from the Internet and its next update is in the future "
            "(open the URL in a browser and look at the downloaded list).",
            command=view.crl_url,
            where=ON_THE_INTERNET,
        )
    return Instruction(
        "The PKI team names the CRL location the certificates carry and shows it answers from the Internet."
    )


def _crl_gate(view: ConfirmDecisionView) -> str:
    if view.crl_state == "unchecked":
        return "The change board accepted that clients do not check certificate revocation (tests only)."
    if view.crl_state == "unreachable":
        return "The CRL will be published on the Internet before Internet clients are enabled."
    return f"The CRL {view.crl_url or '(location to be named)'} answers from the Internet."


def _domain_checks(view: ConfirmDecisionView) -> tuple[Instruction, ...]:
    """One check per forest: the Internet-based site systems are domain members where the input says."""
    forests: dict[str, list[str]] = {}
    for server in view.internet_servers:
        forests.setdefault(server.forest, []).append(server.name)
    return tuple(
        Instruction(
            f"{names(servers)} {'is a member' if len(servers) == 1 else 'are members'} of a domain of forest "
            f"{forest}: the command shows {forest} or a child domain of it.",
            command="wmic computersystem get domain",
            where=servers[0] if len(servers) == 1 else f"each of {names(servers)}",
        )
        for forest, servers in forests.items()
    )


def work(topo: Topology, network: NetworkPlan, view: ConfirmDecisionView) -> StepWork:
    """The decision every later step rests on, checked against this site's prerequisites (nothing to roll back)."""
    site = topo.site
    site_node = console_paths(site.code, site.name).site_node
    change = change_record(topo)
    wanted = {f.key for f in view.unsupported_features if f.requested}
    requested = [text for key, text in UNSUPPORTED_FEATURES.items() if key in wanted]
    new_web = [c.holder for c in network.certificates if c.status == "new" and c.kind == "web_server"]
    features = (
        f"The change board has accepted that Internet clients will not get {names(requested)}, and has a VPN plan "
        "for them."
        if requested
        else "The change board has accepted the list of features Internet clients will not get (this site asked for "
        "none of them)."
    )
    return StepWork(
        provides=frozenset({res.DECISION}),
        minutes=15,
        verification=(
            Instruction(features),
            Instruction(
                f"In the console, right-click {site_node} → Properties → Site Mode tab: {site.code} is a "
                f"{site.type} site, Site mode is Native, and the site server signing certificate of "
                f"{view.site_server} is selected and not expired."
            ),
            Instruction(
                "The PKI team confirms that the new web server certificates"
                + (f" of {names(new_web)}" if new_web else "")
                + " can be issued from version 2 templates (never version 3 templates)."
            ),
            _crl_check(view),
            *_domain_checks(view),
        ),
        evidence=(
            f"The change board's approval of {change}, with the accepted list of features Internet clients will not "
            "get and the VPN plan for those requested.",
            f"A screenshot of the Site Mode tab of {site_node} (native mode, the site server signing certificate of "
            f"{view.site_server}).",
            "The PKI team's confirmation of the certificate templates and of the CRL state, with its date.",
            "The output of the domain membership checks, one per Internet-based site system.",
        ),
        gate=(
            f"The change board approved {change} and accepted the features Internet clients of {site.code} will "
            "not get.",
            f"{site.code} is a native-mode primary site with a valid site server signing certificate on "
            f"{view.site_server}.",
            _crl_gate(view),
        ),
    )


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
