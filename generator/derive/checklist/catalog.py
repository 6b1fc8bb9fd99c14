"""The IBCM checklist of ConfigMgr 2007, in the order of Microsoft's checklist (docs/steps.md)."""

from __future__ import annotations

from generator.derive.checklist.core import Checklist
from generator.derive.checklist.steps import confirm_decision
from generator.derive.checklist.steps import server_placement
from generator.derive.checklist.steps import network_infrastructure
from generator.derive.checklist.steps import register_dns
from generator.derive.checklist.steps import install_site_systems
from generator.derive.checklist.steps import nlb_mp_internet_fqdn
from generator.derive.checklist.steps import nlb_sup_internet_fqdn
from generator.derive.checklist.steps import site_server_initiated_transfers
from generator.derive.checklist.steps import sup_sync_automatic
from generator.derive.checklist.steps import sup_sync_export_import
from generator.derive.checklist.steps import mp_internet
from generator.derive.checklist.steps import dp_internet
from generator.derive.checklist.steps import fsp_internet
from generator.derive.checklist.steps import sup_internet
from generator.derive.checklist.steps import dp_bits
from generator.derive.checklist.steps import sql_replica
from generator.derive.checklist.steps import next_steps

IBCM_CHECKLIST = Checklist(
    steps=(
        confirm_decision.STEP,
        server_placement.STEP,
        network_infrastructure.STEP,
        register_dns.STEP,
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
