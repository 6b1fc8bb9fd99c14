"""LaTeX/PDF rendering: one LaTeX document per site, with a change-board cover.

``make pdf`` runs Sphinx's LaTeX builder (xelatex) over the same sources as the
HTML.  This module supplies what is LaTeX-specific:

* :func:`latex_documents` - one ``latex_documents`` entry per site, set by the
  extension from the plans it loaded once (``config-inited``);
* :func:`latex_elements` - the shared preamble: A4 portrait, FreeFont (covers
  Greek and Cyrillic), running header "change id · site · revision · page X of
  Y", table and sign-off styling, no blank pages;
* :func:`write_front_matter` - called by the extension after a LaTeX build: each
  site's front matter (``ibcm-front/<CODE>.tex``: cover, change record,
  approvals, revision history) in the LaTeX output folder.  The shared preamble reads it with
  ``\\input{ibcm-front/\\jobname}``, so ``CEN.tex`` gets CEN's cover.

Every user value reaches LaTeX through :func:`generator.render.escape.escape_latex`:
the front-matter template is rendered by a Jinja environment whose
``finalize`` escapes every ``<< expression >>``; :class:`Latex` marks the few
values this module builds itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from generator.model.schema import Change, ChangeWindow, SiteInput
from generator.output.stamp import source_date_epoch
from generator.output.writer import write_if_changed
from generator.render.escape import escape_latex, escape_latex_block
from generator.render.templates import create_environment, render_template

FRONT_DIR = "ibcm-front"
"""Folder (inside the LaTeX output folder) holding one front-matter file per site."""
MANIFEST = f"{FRONT_DIR}/documents.json"
"""The site codes of the last LaTeX build, for :mod:`generator.sphinx_ext.pdf`."""
FRONT_TEMPLATE = "latex/front.tex.j2"
NOT_GIVEN = "not given"


class Latex(str):
    """Text that is already LaTeX (built by this module): never escaped again."""

    __slots__ = ()


def _finalize(value: Any) -> str:
    if isinstance(value, Latex):
        return value
    if value is None:
        return escape_latex(NOT_GIVEN)
    return escape_latex(value)


def create_latex_environment(templates_dir: Path) -> jinja2.Environment:
    """Jinja environment for LaTeX templates: escape-by-default, LaTeX-friendly delimiters.

    ``<< value >>`` prints an escaped value; ``<% ... %>`` are statements and
    ``<# ... #>`` comments, so LaTeX's braces never clash with Jinja's.
    """
    env = create_environment(
        templates_dir,
        finalize=_finalize,
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<<",
        variable_end_string=">>",
        comment_start_string="<#",
        comment_end_string="#>",
    )
    env.filters["block"] = lambda value: Latex(escape_latex_block(value))
    return env


# --- values -------------------------------------------------------------------------------------


def build_date(environ: dict[str, str] | None = None) -> dt.date:
    """The date printed on the cover: SOURCE_DATE_EPOCH (UTC) when set, else today."""
    epoch = source_date_epoch(environ)
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, dt.UTC).date()
    return dt.date.today()


def _moment(value: dt.datetime) -> str:
    offset = value.strftime("%z")
    return f"{value:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def format_window(window: ChangeWindow | None) -> str | None:
    """``2026-12-12 18:00 (UTC+00:00) to 2026-12-13 06:00 (UTC+00:00), 12 h``."""
    if window is None:
        return None
    minutes = int((window.end - window.start).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    duration = f"{hours} h" + (f" {rest} min" if rest else "")
    return f"{_moment(window.start)} to {_moment(window.end)}, {duration}"


def document_title(model: SiteInput) -> str:
    """Plain-text title of a site's PDF (escaped where it enters LaTeX)."""
    return f"{model.site.code} – {model.site.name}: IBCM runbook"


@dataclass(frozen=True)
class FrontMatter:
    """What the cover and change record of one site say (plain values, escaped on output)."""

    code: str
    name: str
    change: Change | None
    date: dt.date

    @property
    def change_id(self) -> str:
        return self.change.id if self.change else "no change record"

    @property
    def revision(self) -> str:
        if self.change is None or self.change.revision is None:
            return NOT_GIVEN
        return str(self.change.revision)

    @property
    def window(self) -> str | None:
        return format_window(self.change.window) if self.change else None


def render_front_matter(env: jinja2.Environment, model: SiteInput, date: dt.date) -> str:
    """The ``ibcm-front/<CODE>.tex`` text of one site."""
    front = FrontMatter(code=model.site.code, name=model.site.name, change=model.change, date=date)
    return render_template(env, FRONT_TEMPLATE, {"front": front, "change": model.change})


# --- latex_documents ------------------------------------------------------------------------------


def latex_documents(models: Sequence[SiteInput], generated: str = "_generated") -> list[tuple[str, str, str, str, str]]:
    """One ``latex_documents`` entry per site: ``(<generated>/<CODE>/index, <CODE>.tex, title, author, manual)``.

    Filled in by the extension when the configuration is read (``config-inited``),
    from the plans it loaded once.  Sphinx inserts title and author into LaTeX
    unescaped, so they are escaped here.
    """
    documents = []
    for model in models:
        author = model.change.implementer if model.change and model.change.implementer else "ibcm-runbook"
        documents.append(
            (
                f"{generated}/{model.site.code}/index",
                f"{model.site.code}.tex",
                escape_latex(document_title(model)),
                escape_latex(author),
                "manual",
            )
        )
    return documents


PREAMBLE = r"""
% ---- ibcm-runbook: change-board PDF -------------------------------------------------
\usepackage{lastpage}
\usepackage{tabularx}
\usepackage{array}
% The site's values (\ibcmchangeid, \ibcmsitecode, ...) and its cover (\ibcmcover).
\makeatletter
\InputIfFileExists{ibcm-front/\jobname.tex}{}{%
  \PackageError{ibcm-runbook}{missing ibcm-front/\jobname.tex (written by the Sphinx build)}{}}
\makeatother
% Steps carry their own numbers ("3. Configure ..."): no LaTeX section numbers.
\setcounter{secnumdepth}{-1}
\setcounter{tocdepth}{1}
% Running header and footer on every page, the cover included.
\makeatletter
\fancypagestyle{normal}{%
  \fancyhf{}%
  \fancyhead[L]{{\py@HeaderFamily\ibcmchangeid\quad\textbullet\quad Site \ibcmsitecode\quad
    \textbullet\quad Revision \ibcmrevision}}%
  \fancyhead[R]{{\py@HeaderFamily Page \thepage\ of \pageref*{LastPage}}}%
  \fancyfoot[L]{{\py@HeaderFamily\small\ibcmsitecode\ – \ibcmsitename}}%
  \fancyfoot[R]{{\py@HeaderFamily\small\ibcmdate}}%
  \renewcommand{\headrulewidth}{0.4pt}%
  \renewcommand{\footrulewidth}{0.4pt}%
}
\fancypagestyle{plain}{\ps@normal}
\fancypagestyle{empty}{\ps@normal}
\makeatother
\setlength{\headheight}{14pt}
% Tables: a smaller size so firewall, DNS and certificate tables fit A4 portrait;
% long words (FQDNs, URLs) may break after dots, slashes and hyphens.
% Cells are set ragged-right (justified narrow columns leave wide gaps): each cell
% paragraph starts with \sphinxAtStartPar, which here also sets \rightskip.
\makeatletter
\newcommand*{\ibcm@raggedstartpar}{\leavevmode\nobreak\hskip\z@skip\rightskip\z@ plus 4em\relax}
% Long names in cells (FQDNs, dotted setting names, IPv6 addresses) may break after a
% dot or colon that is followed by a letter or digit (XeTeX inter-character tokens, tables only).
\newXeTeXintercharclass\ibcm@dotclass
\XeTeXcharclass`\.=\ibcm@dotclass
\XeTeXcharclass`\:=\ibcm@dotclass
\XeTeXinterchartoks\ibcm@dotclass 0={\discretionary{}{}{}}
\newcommand*{\ibcm@tablestyle}{\small\XeTeXinterchartokenstate=1
  \let\sphinxAtStartPar\ibcm@raggedstartpar}
\AddToHook{env/longtable/begin}{\ibcm@tablestyle}
\AddToHook{env/tabulary/begin}{\ibcm@tablestyle}
\AddToHook{env/tabular/begin}{\ibcm@tablestyle}
% Inline literals (step ids, names) may break after a hyphen; Sphinx already
% lets them break after . , ; ? ! / and \.
\protected\def\ibcm@hyphenbreak#1{\discretionary{-}{}{-}}
\renewcommand*{\sphinxhyphenininlineliteral}{\ibcm@hyphenbreak}
\makeatother
% One sign-off line per step, kept with the end of the step where TeX can (a
% break that a list or environment end already allowed cannot be taken back, so
% rarely the line moves to the top of the next page).
\newcommand{\ibcmsignoff}{%
  \par\nopagebreak\vspace{1.5ex}\nopagebreak
  \noindent{\sffamily\small Done by:\ \rule{0.38\linewidth}{0.4pt}\hfill
    Date:\ \rule{0.25\linewidth}{0.4pt}}\par\vspace{1ex}}
% The go/no-go decision that closes each phase.
\newcommand{\ibcmgodecision}{%
  \par\nopagebreak\vspace{1.5ex}\nopagebreak
  \noindent{\sffamily\small Decision:\ \ Go\ \ /\ \ No-go\hfill
    By:\ \rule{0.3\linewidth}{0.4pt}\hfill Time:\ \rule{0.15\linewidth}{0.4pt}}\par\vspace{1ex}}
% The contents follow the change record on the same page (no \chapter*: no page break).
\makeatletter
\newcommand{\ibcmcontents}{%
  \begingroup\parskip=0pt\relax
  {\sffamily\Large\bfseries\contentsname\par}\vspace{2mm}%
  \@starttoc{toc}\endgroup\clearpage}
\makeatother
"""


def latex_elements() -> dict[str, str]:
    """The shared ``latex_elements``: A4 portrait, FreeFont, cover from ``ibcm-front/``, no blank pages."""
    return {
        "papersize": "a4paper",
        "pointsize": "10pt",
        # oneside/openany: \cleardoublepage never inserts an empty page.
        "extraclassoptions": "oneside,openany",
        "fncychap": "",
        "sphinxsetup": "hmargin={2cm,2cm}, vmargin={2.4cm,2.2cm}, TitleColor={rgb}{0.1,0.2,0.4}",
        "preamble": PREAMBLE,
        "maketitle": r"\ibcmcover",
        # The change-board summary is the first page after the cover; the runbook page prints the change
        # record and the contents after it (templates/pages/summary.md.j2).
        "tableofcontents": "",
        "printindex": "",
        "releasename": "",
    }


# --- Sphinx hook --------------------------------------------------------------------------------


def write_front_matter(outdir: Path, templates: Path, models: Sequence[SiteInput], date: dt.date) -> list[Path]:
    """Write ``ibcm-front/<CODE>.tex`` for every site and the manifest; return the files written."""
    env = create_latex_environment(templates)
    folder = outdir / FRONT_DIR
    written = []
    for model in models:
        path = folder / f"{model.site.code}.tex"
        if write_if_changed(path, render_front_matter(env, model, date).encode("utf-8")):
            written.append(path)
    manifest = json.dumps({"documents": [m.site.code for m in models]}, indent=2) + "\n"
    write_if_changed(outdir / MANIFEST, manifest.encode("utf-8"))
    return written
