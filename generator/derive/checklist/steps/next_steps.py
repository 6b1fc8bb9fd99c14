"""Step 17: install or reconfigure clients for the Internet MP, and verify."""

from __future__ import annotations

from dataclasses import dataclass

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step
from generator.model.topology import Topology


@dataclass(frozen=True)
class NextStepsView:
    """What the next-steps step words: the Internet MP clients are given and how to install them."""

    mp_fqdn: str | None
    """The FQDN of the site's Internet management point; None when no MP accepts Internet connections."""
    mp_cluster: str | None
    """The NLB cluster whose Internet FQDN that is, if the Internet MP is clustered."""
    mp_server: str | None
    """The Internet management point's server."""
    crl_url: str | None
    """Where clients check certificate revocation, if given."""
    site_code_property: str
    """The explicit site assignment property (``SMSSITECODE=<code>``)."""
    clients_internet_only: bool
    """Clients never join the intranet (they are installed as Internet-only clients)."""
    install_command: str | None
    """The CCMSetup command line for this site's clients; None without an Internet MP."""
    software_updates_on_internet: bool
    """Internet clients are meant to scan for software updates."""


def view(topo: Topology) -> NextStepsView:
    """Resolve the Internet MP FQDN and the client installation command line so the template only words them."""
    code = topo.site.code
    mp = topo.internet_mps[0] if topo.internet_mps else None
    cluster = topo.cluster_for(mp, "management_point") if mp else None
    mp_fqdn = topo.internet_mp_fqdn
    internet_only = topo.clients_internet_only
    install_command = None
    if mp_fqdn:
        install_command = f"ccmsetup.exe SMSSITECODE={code} CCMHOSTNAME={mp_fqdn}"
        if internet_only:
            install_command += " CCMALWAYSINF=1"
    return NextStepsView(
        mp_fqdn=mp_fqdn,
        mp_cluster=cluster.name if cluster else None,
        mp_server=mp.name if mp else None,
        crl_url=topo.model.pki.crl_url,
        site_code_property=f"SMSSITECODE={code}",
        clients_internet_only=internet_only,
        install_command=install_command,
        software_updates_on_internet="software_updates" in topo.model.clients.internet_features,
    )


STEP = Step(
    id="next-steps",
    title="Next steps: deploy or reconfigure clients for the Internet and verify",
    condition=conditions.always("always included: clients must be installed or reconfigured for the Internet MP"),
    view=view,
)
