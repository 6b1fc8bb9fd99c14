"""Sphinx configuration for the ibcm-runbook documentation and generated runbooks."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the generator package, also when not installed

project = "IBCM runbooks"
author = "ibcm-runbook"
copyright = "ibcm-runbook contributors"

extensions = [
    "myst_parser",
    "sphinx.ext.graphviz",
    "sphinx_copybutton",
    "generator.sphinx_ext.diagram",
    "generator.sphinx_ext",
]

# The generator: where site inputs and templates are, where sources go.
generator_site_inputs = "../site_inputs"
generator_templates = "../templates"
generator_output = "_generated"

myst_enable_extensions = ["colon_fence", "tasklist"]
myst_heading_anchors = 0
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md"]
suppress_warnings: list[str] = []
# User values (names, titles) must reach the reader exactly as typed: no curly quotes.
smartquotes = False

# Graphviz: SVG in HTML (sharp at any zoom, text searchable); generator.sphinx_ext.diagram links the placement
# diagram's SVG ("Open the diagram at full size").  The layout itself (font size, width) is set in the DOT text
# (generator/render/diagram.py), so the HTML and the PDF show the same drawing.
graphviz_output_format = "svg"
# Seconds one dot run may take before the build stops naming dot and the site (generator.sphinx_ext.diagram).
graphviz_dot_timeout = 60

# --- HTML (make html) ---------------------------------------------------------------------------
# Furo: sticky navigation, an "on this page" list (pruned to steps and firewall tables for runbooks by
# generator.sphinx_ext.reader), light and dark modes.  runbook.css uses only Furo's colour variables.
html_theme = "furo"
html_title = "IBCM runbooks"
html_static_path = ["_static"]
templates_path = ["_templates"]  # page.html: the footer's build line, no links off the intranet
html_css_files = ["runbook.css"]
# The build line and the change-board PDF link (generator/sphinx_ext/reader.py explains both).
html_js_files = [("ibcm-reader.js", {"defer": "defer"})]
html_last_updated_fmt = None
html_show_sourcelink = False
html_show_sphinx = False  # the intranet copy links nowhere outside itself
html_copy_source = False  # the Markdown sources are not for readers (the downloads are)
html_theme_options = {
    "navigation_with_keys": True,
    "top_of_page_buttons": [],
}
# The landing page includes the site table; it is not a page of its own (nor a search hit).
exclude_patterns += ["_generated/site-index.md"]

# sphinx-copybutton: a button on every code block.  Prompts typed into a block ("$ ", "PS C:\> ", "C:\> ",
# ">>> ") are not copied, and when a block has prompts only its prompt lines are (the rest is output);
# Pygments' prompt and output spans (console lexers) and line numbers are never copied.
copybutton_exclude = ".linenos, .gp, .go"
copybutton_prompt_text = r"\$ |PS [A-Za-z]:\\[^>]*> |[A-Za-z]:\\[^>]*> |>>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_remove_prompts = True
# --- end HTML -----------------------------------------------------------------------------------

# --- LaTeX / PDF (make pdf) ---------------------------------------------------------------------
# One LaTeX document per site (docs/_build/pdf/<CODE>.pdf), with a change-board
# cover; see generator/sphinx_ext/latex.py.  latex_documents is filled in by the
# extension from the site plans it loads once (generator_latex_documents = True).
from generator.sphinx_ext import latex as _latex

latex_engine = "xelatex"
latex_elements = _latex.latex_elements()
latex_toplevel_sectioning = "section"
latex_show_urls = "footnote"
latex_show_pagerefs = False
latex_domain_indices = False
latex_use_xindy = False
latex_logo = None
# --- end LaTeX / PDF ----------------------------------------------------------------------------
