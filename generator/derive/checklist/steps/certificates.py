"""Added step: the PKI team issues the certificates this change needs before the window (reference section 6).

In native mode every FQDN entered in the console must match the server's web
server certificate, so the certificates are requested in phase 1 ("certificates
requested", docs/steps.md, steps-phases) and the site systems that need them are
installed later; the existing native-mode certificates are only verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import resources as res
from generator.derive.checklist.core import Step, Verdict
from generator.derive.checklist.instructions import certificate_check, change_record, names, verb
from generator.derive.checklist.work import Instruction, StepWork
from generator.derive.network.certificates import CertificateRequest, derive_certificates
from generator.derive.network.plan import NetworkPlan
from generator.model.topology import Topology


def _new(certificates: list[CertificateRequest]) -> list[CertificateRequest]:
    """The certificates this change requests (clients' own certificates are a prerequisite, not a request)."""
    return [c for c in certificates if c.status == "new" and c.kind != "client_authentication"]


def condition(topo: Topology) -> Verdict:
    new = _new(derive_certificates(topo))
    if not new:
        return False, ["every certificate the site needs exists already (no new web server or proxy certificate)"]
    return True, [f"{names(c.holder for c in new)} need new certificates, issued by the PKI team before the window"]


@dataclass(frozen=True)
class RequestFileEnrolment:
    """A server in another forest that needs a new certificate and cannot autoenrol from the intranet CA."""

    server: str
    forest: str
    names: tuple[str, ...]
    """The FQDNs its certificate request must hold."""


@dataclass(frozen=True)
class CertificatesView:
    """The certificates to issue and to verify, and how servers of another forest get theirs."""

    holders: tuple[str, ...]
    """The servers (or proxy) that get a new certificate."""
    nlb_members: bool
    """Some servers are members of an NLB cluster, so their certificates hold the cluster's FQDNs (to confirm)."""
    internet_only_sup: bool
    """The site has an Internet-based software update point, whose certificate needs both FQDNs."""
    request_file_enrolments: tuple[RequestFileEnrolment, ...]
    """Servers in another forest than the site server that need a new certificate (empty: none on this site)."""


def view(topo: Topology, network: NetworkPlan) -> CertificatesView:
    return CertificatesView(
        holders=tuple(c.holder for c in _new(list(network.certificates))),
        nlb_members=bool(topo.model.nlb_clusters),
        internet_only_sup=topo.internet_sup is not None,
        request_file_enrolments=tuple(
            RequestFileEnrolment(c.holder, c.forest, c.names)
            for c in network.certificates
            if c.status == "new" and c.forest is not None
        ),
    )


def _checks(new: list[CertificateRequest]) -> list[Instruction]:
    checks = []
    for c in new:
        if c.kind == "web_server":
            checks.append(certificate_check(c.holder, c.names))
        else:
            checks.append(
                Instruction(
                    f"The {c.kind.replace('_', ' ')} certificate of {c.holder} is in its computer Personal store and "
                    "chains to a root CA that the site systems trust."
                )
            )
    return checks


def work(topo: Topology, network: NetworkPlan, view: CertificatesView) -> StepWork:
    """The certificates exist (issued and in each server's Personal store) before the site systems use them."""
    del view
    new = _new(list(network.certificates))
    change = change_record(topo)
    holders = names(c.holder for c in new)
    return StepWork(
        requires=frozenset({res.DECISION, res.PLACEMENT}),
        provides=frozenset(res.certificate(c.holder) for c in new),
        minutes=30 + 10 * len(new),
        verification=tuple(_checks(new)),
        evidence=(
            f"The serial number, thumbprint and expiry date of each new certificate ({holders}).",
            f"The certutil -verify -urlfetch output on each server, and the PKI team's ticket numbers, recorded in "
            f"{change}.",
        ),
        rollback=(
            Instruction(
                f"Ask the PKI team to revoke the {verb(new, 'certificate', 'certificates')} issued for this change ("
                + "; ".join(f"{c.holder}: {names(c.names) or c.kind.replace('_', ' ')}" for c in new)
                + ") once nothing uses "
                + verb(new, "it", "them")
                + ", and delete "
                + verb(new, "it", "them")
                + f" from the computer Personal store of {verb(new, 'the server', 'each server')}.",
            ),
        ),
        gate=(
            f"The new {verb(new, 'certificate', 'certificates')} of {holders} {verb(new, 'is', 'are')} issued, in "
            f"the computer Personal store of {verb(new, 'the server', 'each server')}, and certutil -verify -urlfetch "
            "passes there.",
        ),
    )


STEP = Step(
    id="certificates",
    title="Issue the certificates the site systems need",
    condition=condition,
    view=view,
    phase=1,
    owner="pki",
    seed_item=None,
    work=work,
)
