"""Stable, explicit anchors for every heading of a runbook (site code + step id + subsection)."""

from __future__ import annotations

from sphinx.application import Sphinx


def setup(app: Sphinx) -> None:
    """Register this module's hooks (filled in by the issue 12 work)."""
    del app
