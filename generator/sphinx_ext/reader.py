"""Reader furniture of the HTML runbooks: the build line, the downloads and the on-this-page list."""

from __future__ import annotations

from sphinx.application import Sphinx


def setup(app: Sphinx) -> None:
    """Register this module's hooks (filled in by the issue 12 work)."""
    del app
