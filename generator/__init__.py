"""ibcm-runbook: tailored ConfigMgr 2007 Internet-based client management runbooks from site YAML."""

from __future__ import annotations

__version__ = "0.1.0"
