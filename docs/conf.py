"""Sphinx configuration for the ibcm-runbook documentation and generated runbooks."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the generator package, also when not installed

project = "IBCM runbooks"
author = "ibcm-runbook"
copyright = "ibcm-runbook contributors"  # noqa: A001 - Sphinx's name

extensions = ["myst_parser", "sphinx.ext.graphviz", "generator.sphinx_ext"]

# The generator: where site inputs and templates are, where sources go.
generator_site_inputs = "../site_inputs"
generator_templates = "../templates"
generator_output = "_generated"

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 0
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md"]
suppress_warnings: list[str] = []

graphviz_output_format = "svg"

html_theme = "alabaster"
html_title = "IBCM runbooks"
html_static_path = ["_static"]
html_css_files = ["runbook.css"]
html_last_updated_fmt = None
html_show_sourcelink = False
