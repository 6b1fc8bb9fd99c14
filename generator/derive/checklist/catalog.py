"""The IBCM checklist of ConfigMgr 2007: Microsoft's checklist in its order, with the steps this tool adds where they
fit (docs/steps.md).  The runbook orders the included steps by their resources (:mod:`.order`); this order breaks
ties."""

from __future__ import annotations

from generator.derive.checklist.core import Checklist
from generator.derive.checklist.steps import (
    accounts,
    backup,
    certificates,
    confirm_decision,
    dp_bits,
    dp_internet,
    fsp_internet,
    install_site_systems,
    mp_internet,
    network_infrastructure,
    next_steps,
    nlb_mp_internet_fqdn,
    nlb_sup_internet_fqdn,
    register_dns,
    server_placement,
    server_prerequisites,
    site_server_initiated_transfers,
    sql_replica,
    sup_internet,
    sup_sync_automatic,
    sup_sync_export_import,
)

IBCM_CHECKLIST = Checklist(
    steps=(
        confirm_decision.STEP,
        server_placement.STEP,
        backup.STEP,
        accounts.STEP,
        certificates.STEP,
        network_infrastructure.STEP,
        register_dns.STEP,
        server_prerequisites.STEP,
        install_site_systems.STEP,
        nlb_mp_internet_fqdn.STEP,
        nlb_sup_internet_fqdn.STEP,
        site_server_initiated_transfers.STEP,
        sup_sync_automatic.STEP,
        sup_sync_export_import.STEP,
        mp_internet.STEP,
        dp_internet.STEP,
        fsp_internet.STEP,
        sup_internet.STEP,
        dp_bits.STEP,
        sql_replica.STEP,
        next_steps.STEP,
    ),
    fallback="network-infrastructure",
)
"""The default checklist; step ids are a public interface (JSON plan, anchors, tests)."""
