"""LaTeX/PDF rendering: one LaTeX document per site, with a change-board cover.

``make pdf`` runs Sphinx's LaTeX builder (xelatex) over the same sources as the
HTML.  This module supplies what is LaTeX-specific:

* :func:`latex_documents` - one ``latex_documents`` entry per site, set by the
  extension from the plans it loaded once (``config-inited``);
* :func:`latex_elements` - the shared preamble: A4 portrait, FreeFont and Liberation Mono (both
  cover Greek and Cyrillic), running header "change id · site · revision · page X of
  Y", table and sign-off styling, no blank pages;
* :func:`write_front_matter` - called by the extension after a LaTeX build: each
  site's front matter (``ibcm-front/<CODE>.tex``: cover, change record,
  approvals, revision history, PDF metadata) in the LaTeX output folder.  The shared preamble reads it with
  ``\\input{ibcm-front/\\jobname}``, so ``CEN.tex`` gets CEN's cover.
* :class:`PrintLayout` - a post-transform of the LaTeX builder only (:func:`setup`): names and codes are
  never hyphenated, wide tables and the placement diagram get landscape pages, and headings keep their
  first lines (see the class for why a post-transform).

Every user value reaches LaTeX through :func:`generator.render.escape.escape_latex`:
the front-matter template is rendered by a Jinja environment whose
``finalize`` escapes every ``<< expression >>``; :class:`Latex` marks the few
values this module builds itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from docutils import nodes
from sphinx import addnodes
from sphinx.ext import graphviz as sphinx_graphviz
from sphinx.transforms.post_transforms import SphinxPostTransform

from generator.model.schema import Change, ChangeWindow, SiteInput
from generator.output.stamp import source_date_epoch
from generator.output.writer import write_if_changed
from generator.render.escape import LONG_TOKEN, breakable_latex, escape_latex, escape_latex_block
from generator.render.templates import create_environment, render_template

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.latex import LaTeXTranslator

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
    return escape_latex(value, breakable=True)  # a long word in a title or a name breaks on the cover


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
    env.filters["block"] = lambda value: Latex(escape_latex_block(value, breakable=True))
    env.filters["pdfinfo"] = lambda value: Latex(escape_pdf_info(value))
    return env


def escape_pdf_info(value: object) -> str:
    """Escape text for a PDF metadata field (hyperref's ``pdftitle`` and the like): as for LaTeX, and ``-{}``
    for each hyphen, else hyperref would make ``--`` an en dash."""
    return escape_latex(value).replace("-", "-{}")


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


def document_author(change: Change | None) -> str:
    """Who the PDF names as its author: the implementer of the change, else the tool."""
    return change.implementer if change and change.implementer else "ibcm-runbook"


PDF_KEYWORDS = ("IBCM", "Internet-based client management", "Configuration Manager 2007", "runbook")


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

    @property
    def pdf_title(self) -> str:
        """The PDF's Title: what a file browser or the change-board tool lists."""
        return f"{self.code} – {self.name}: IBCM runbook"

    @property
    def pdf_author(self) -> str:
        return document_author(self.change)

    @property
    def pdf_subject(self) -> str:
        if self.change is None:
            return f"Internet-based client management for site {self.code} (no change record)"
        return f"Change {self.change.id}: {self.change.title} (revision {self.revision})"

    @property
    def pdf_keywords(self) -> str:
        """Comma-separated: what a document search of the change board finds the runbook by."""
        words = [self.code, self.name, *([self.change.id] if self.change else [])]
        return ", ".join([*words, *PDF_KEYWORDS])


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
        author = document_author(model.change)
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
\usepackage{pdflscape}
\usepackage{needspace}
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
% \ibcm@fit{width}{text}: the text on one line, scaled down to the width when it is wider (a change id or site
% name of 200 characters would otherwise run into the page number or off the page).
\newsavebox\ibcm@fitbox
\newcommand*{\ibcm@fit}[2]{\sbox\ibcm@fitbox{#2}%
  \ifdim\wd\ibcm@fitbox>#1\relax\resizebox{#1}{!}{\usebox\ibcm@fitbox}\else\usebox\ibcm@fitbox\fi}
\fancypagestyle{normal}{%
  \fancyhf{}%
  \fancyhead[L]{\ibcm@fit{0.8\headwidth}{\py@HeaderFamily\ibcmchangeid\quad\textbullet\quad Site \ibcmsitecode\quad
    \textbullet\quad Revision \ibcmrevision}}%
  \fancyhead[R]{{\py@HeaderFamily Page \thepage\ of \pageref*{LastPage}}}%
  \fancyfoot[L]{\ibcm@fit{0.8\headwidth}{\py@HeaderFamily\small\ibcmsitecode\ – \ibcmsitename}}%
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
% ---- print layout (generator/sphinx_ext/latex.py: PrintLayout) ----
% Names, FQDNs, paths, accounts and codes in running text are never hyphenated (the nohyphenation
% patterns; without them, a kern before the name keeps TeX's hyphenation off it); a long one breaks
% only where \ibcmbreak stands: after its dots, hyphens, backslashes, slashes, underscores and colons.
\makeatletter
\ifdefined\l@nohyphenation
  \protected\def\ibcm@nohyphenation{\language\l@nohyphenation}
\else
  \protected\def\ibcm@nohyphenation{\kern\z@}
\fi
\protected\def\ibcmname#1{{\ibcm@nohyphenation#1}}
\protected\def\ibcmbreak{\discretionary{}{}{}}
% A part of a name or word longer than 20 characters may also break between any two of its characters (no
% hyphen), at a cost that makes TeX take such a break only where the name would otherwise stick out.
\protected\def\ibcmlongbreak{\penalty\ibcm@longbreakpenalty\relax}
\def\ibcm@longbreakpenalty{1000}
\pdfstringdefDisableCommands{\let\ibcmname\@firstofone\let\ibcmbreak\@empty\let\ibcmlongbreak\@empty}
% Landscape pages (wide tables, the placement diagram): the page is turned for reading (pdflscape) and
% takes \ibcm@lsextra of each side margin; the running header and footer are turned with it, so they
% stay at the top and foot of the page as the reader holds it.
\newdimen\ibcm@lsheight
\newdimen\ibcm@lsextra \ibcm@lsextra=5mm
\newdimen\ibcm@lsedge \ibcm@lsedge=8mm
\newenvironment{ibcmlandscape}{%
  \clearpage
  \ibcm@lsheight=\textheight
  \advance\textwidth2\ibcm@lsextra
  \advance\hoffset-\ibcm@lsextra
  \intextsep\z@
  \begin{landscape}\pagestyle{ibcmlandscape}%
}{\end{landscape}}
\newcommand*{\ibcm@turned}[1]{\rotatebox{90}{#1}}
\newcommand*{\ibcm@lshead}{\vbox{\hbox to\ibcm@lsheight{\py@HeaderFamily\strut\ibcm@fit{0.8\ibcm@lsheight}{%
  \ibcmchangeid\quad\textbullet\quad Site \ibcmsitecode\quad\textbullet\quad Revision \ibcmrevision}%
  \hfil Page \thepage\ of \pageref*{LastPage}}%
  \kern2pt\hrule height.4pt}}
\newcommand*{\ibcm@lsfoot}{\vbox{\hrule height.4pt\kern2pt
  \hbox to\ibcm@lsheight{\py@HeaderFamily\small\strut\ibcm@fit{0.8\ibcm@lsheight}{\ibcmsitecode\ – \ibcmsitename}%
  \hfil\ibcmdate}}}
% Drawn from the header's reference point (left end of the text block, \headsep above it).
\newcommand*{\ibcm@lsheadfoot}{%
  \sbox\z@{\ibcm@turned{\ibcm@lshead}}\sbox\tw@{\ibcm@turned{\ibcm@lsfoot}}%
  \makebox[0pt][l]{\hspace*{\dimexpr\ibcm@lsedge-1in-\hoffset-\oddsidemargin\relax}%
    \raisebox{-\dimexpr\headsep+\ibcm@lsheight\relax}[0pt][0pt]{\usebox\z@}}%
  \makebox[0pt][l]{\hspace*{\dimexpr\paperwidth-\ibcm@lsedge-\wd\tw@-1in-\hoffset-\oddsidemargin\relax}%
    \raisebox{-\dimexpr\headsep+\ibcm@lsheight\relax}[0pt][0pt]{\usebox\tw@}}}
\fancypagestyle{ibcmlandscape}{%
  \fancyhf{}%
  \fancyhead[L]{\ibcm@lsheadfoot}%
  \renewcommand{\headrulewidth}{0pt}%
  \renewcommand{\footrulewidth}{0pt}%
}
% The placement diagram: as large as its landscape page allows (at most 1.25 times its natural size,
% where Graphviz's 11 pt are 11 pt), its caption beside it.
\newdimen\ibcm@dw \newdimen\ibcm@dh
\newlength{\ibcmsidecaptionwidth}\setlength{\ibcmsidecaptionwidth}{4.2cm}
\def\ibcm@diagramgraphics[#1]#2{%
  \sbox\z@{\includegraphics{#2}}%
  \ibcm@dw=\linewidth \ibcm@dh=\dimexpr\textheight-2pt\relax
  \ifdim\dimexpr\wd\z@*5/4\relax<\ibcm@dw
    \ifdim\dimexpr\ht\z@*5/4\relax<\ibcm@dh \ibcm@dw=\dimexpr\wd\z@*5/4\relax \fi
  \fi
  \includegraphics[width=\ibcm@dw,height=\ibcm@dh,keepaspectratio]{#2}}
\newenvironment{ibcmdiagram}{%
  \begin{minipage}[c]{\dimexpr\linewidth-\ibcmsidecaptionwidth-1.5em\relax}\centering
  \let\sphinxincludegraphics\ibcm@diagramgraphics
}{\end{minipage}}
\newcommand*{\ibcmdiagramcaption}{\end{minipage}\hfill
  \begin{minipage}[c]{\ibcmsidecaptionwidth}\raggedright}
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


FONTPKG = r"""
\setmainfont{FreeSerif}[Extension=.otf, UprightFont=*, ItalicFont=*Italic, BoldFont=*Bold,
  BoldItalicFont=*BoldItalic]
\setsansfont{FreeSans}[Extension=.otf, UprightFont=*, ItalicFont=*Oblique, BoldFont=*Bold,
  BoldItalicFont=*BoldOblique]
\setmonofont{Liberation Mono}[Scale=MatchLowercase]
"""
"""Sphinx's FreeFont (Latin, Greek, Cyrillic), but Liberation Mono for names and commands: FreeMono's
hairline strokes print fainter than the body text; Liberation Mono (fonts-liberation2, which Graphviz
already needs) has the body's stroke weight and the same scripts, scaled to the body's x-height.
The characters of the input format (``generator.model.fields.PRINTABLE_RANGES``) that Liberation Mono lacks
print in FreeMono (:data:`MONO_FALLBACK`)."""

LIBERATION_MONO_MISSING = (
    0x2011, 0x2016, 0x2023, 0x2024, 0x2025, 0x2027, 0x202F, 0x2031, *range(0x2035, 0x2039), 0x203B, 0x203D,
    *range(0x203F, 0x2044), *range(0x2045, 0x205E), *range(0x2196, 0x219A),
)  # fmt: skip
"""The allowed characters Liberation Mono has no glyph for (``fc-query``; tests/test_pdf_typography.py)."""

SPHINX_MONO_CHARACTERS = (0x2423,)
"""Characters Sphinx's LaTeX prints in monospace itself: the visible space (``\\sphinxvisiblespace``) of wrapped
code lines, which Liberation Mono lacks too."""

MONO_FALLBACK = (
    "\\newfontfamily\\ibcmmonofallback{FreeMono}[Extension=.otf, UprightFont=*, ItalicFont=*Oblique,\n"
    "  BoldFont=*Bold, BoldItalicFont=*BoldOblique]\n"
    "\\makeatletter\n"
    "% xelatex drops a character its font lacks: in monospace text, these print in FreeMono (XeTeX character\n"
    "% classes put a font switch around each run of them; other fonts have them).\n"
    "\\XeTeXinterchartokenstate=1\n"
    "\\newXeTeXintercharclass\\ibcmmonomissing\n"
    + "".join(
        f'\\XeTeXcharclass"{code:04X}=\\ibcmmonomissing\n' for code in LIBERATION_MONO_MISSING + SPHINX_MONO_CHARACTERS
    )
    + "\\def\\ibcm@monofallback{\\ifx\\f@family\\ttdefault\\ibcmmonofallback\\fi}\n"
    "\\XeTeXinterchartoks 0 \\ibcmmonomissing = {\\begingroup\\ibcm@monofallback}\n"
    "\\XeTeXinterchartoks 4095 \\ibcmmonomissing = {\\begingroup\\ibcm@monofallback}\n"
    "\\XeTeXinterchartoks \\ibcmmonomissing 0 = {\\endgroup}\n"
    "\\XeTeXinterchartoks \\ibcmmonomissing 4095 = {\\endgroup}\n"
    "\\makeatother\n"
)


def latex_elements() -> dict[str, str]:
    """The shared ``latex_elements``: A4 portrait, FreeFont and Liberation Mono, cover from ``ibcm-front/``,
    no blank pages."""
    return {
        "papersize": "a4paper",
        "pointsize": "10pt",
        # oneside/openany: \cleardoublepage never inserts an empty page.
        "extraclassoptions": "oneside,openany",
        "fncychap": "",
        "fontpkg": FONTPKG + MONO_FALLBACK,
        # "To confirm" boxes (the caution type, generator/sphinx_ext/admonitions.py) print amber, apart from warnings.
        "sphinxsetup": (
            "hmargin={2cm,2cm}, vmargin={2.4cm,2.2cm}, TitleColor={rgb}{0.1,0.2,0.4}, "
            "div.caution_border-TeXcolor={rgb}{0.77,0.55,0}, div.caution_background-TeXcolor={rgb}{1,0.97,0.9}, "
            "div.caution_title-background-TeXcolor={rgb}{1,0.91,0.7}"
        ),
        "preamble": PREAMBLE,
        "maketitle": r"\ibcmcover",
        # The change-board summary is the first page after the cover; the runbook page prints the change
        # record and the contents after it (templates/pages/summary.md.j2).
        "tableofcontents": "",
        "printindex": "",
        "releasename": "",
    }


# --- print layout (a post-transform of the LaTeX builder) ---------------------------------------

NAME_TOKEN = re.compile(r"[\w.\-\\/:@$]+")
"""A run of characters a name, FQDN, path, account or code is made of (no spaces)."""
_NAME_EDGE = ".-:/"
"""Punctuation that ends a sentence or starts a range rather than belonging to a name."""
_NAME_MARK = re.compile(r"[\d._\\/:@$]|\w-\w|.[A-Z]")
r"""What makes a token a name rather than a word: a digit, a separator, an inner hyphen or an inner capital
(``DMZSUP01``, ``mp.ibcm.contoso.example``, ``management_point``, ``DMZ\svc-cm``, ``ISmsClient2``, ``CCMSETUP``)."""
_RUN = re.compile(r"\S+")
_RUN_LEAD = re.compile(r"[^\w\\$@]*")
_RUN_TRAIL = re.compile(r"[^\w\\$@]*\Z")
"""Punctuation around a long run (brackets, quotes, a full stop) that stays outside its :class:`name` node."""
WIDE_COLUMNS = 7
"""Tables with this many columns (the flow tables and the connectivity matrix) get landscape pages."""
WIDE_CLASS = "wide"
"""A table with this class gets a landscape page whatever its columns (an opt-in for the render layer)."""
LANDSCAPE_GAIN = 251 / 170
"""Text width of a landscape page over a portrait one (A4: 297 mm less 2.4 + 2.2 cm, 210 mm less 2 x 2 cm)."""
JOIN_TEXT = 1500
"""Characters of text between two landscape stretches up to which they are joined (the firewall notes)."""
LANDSCAPE_BEGIN = "\n\\begin{ibcmlandscape}\n"
LANDSCAPE_END = "\n\\end{ibcmlandscape}\n"
DIAGRAM_CLASS = "placement-diagram"
"""Class of the placement diagram's graphviz node (``generator.sphinx_ext.diagram.FULL_SIZE_CLASS``)."""
KEEP_LINES = {1: 8, 2: 6}
"""Lines of text a heading needs below it on its page (by section depth; deeper headings: the default)."""
KEEP_LINES_DEFAULT = 4
BOX_KEEP_LINES_MAX = 20
"""A heading followed by an admonition keeps room for the whole box, up to this many lines (the box does not
break before its first lines, so a heading with too little room under it would end the page alone)."""
BOX_CHARACTERS_PER_LINE = 80
TABLE_KEEP_LINES = 16
"""Lines a table's heading and lead-in need below them: room for the caption, the header and a first row."""
_NOT_PROSE = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw, nodes.Invisible)


class name(nodes.Inline, nodes.TextElement):
    """A name, FQDN, path, account or code in running text: printed unhyphenated, breakable at its separators."""


def latex_visit_name(translator: LaTeXTranslator, node: name) -> None:
    r"""``\ibcmname{DMZ\ibcmbreak{}SUP01}``-style output: each part escaped by Sphinx, breaks after separators
    and, as a last resort, inside parts of more than 20 characters (:func:`~generator.render.escape.breakable_latex`)."""
    translator.body.append(r"\ibcmname{" + breakable_latex(node.astext(), translator.encode) + "}")
    raise nodes.SkipNode


def is_name(token: str) -> bool:
    return len(token) > 1 and _NAME_MARK.search(token) is not None


def split_names(text: str) -> list[str | name]:
    """``text`` as plain strings and :class:`name` nodes, in order; the strings joined with the names' text
    give ``text`` back.

    A run without spaces of more than :data:`~generator.render.escape.LONG_TOKEN` characters is one name
    whatever it holds (less the punctuation around it), so that it can break: a 60-character word, or
    ``a,b,c,...``, has no place TeX could break it otherwise."""
    spans: list[tuple[int, int]] = []
    for run in _RUN.finditer(text):
        if len(run.group()) > LONG_TOKEN:
            start, end = run.span()
            lead = _RUN_LEAD.match(text, start, end)
            core_start = lead.end() if lead else start
            trail = _RUN_TRAIL.search(text, core_start, end)
            core_end = trail.start() if trail else end
            spans.append((core_start, core_end) if core_end - core_start > LONG_TOKEN else (start, end))
            continue
        for found in NAME_TOKEN.finditer(text, run.start(), run.end()):
            start, end = found.span()
            while start < end and text[start] in _NAME_EDGE:
                start += 1
            while end > start and text[end - 1] in _NAME_EDGE:
                end -= 1
            if is_name(text[start:end]):
                spans.append((start, end))
    parts: list[str | name] = []
    last = 0
    for start, end in spans:
        if start > last:
            parts.append(text[last:start])
        parts.append(name(text[start:end], text[start:end]))
        last = end
    if last < len(text):
        parts.append(text[last:])
    return parts


def _raw(latex: str) -> nodes.raw:
    return nodes.raw("", latex, format="latex")


def _columns(table: nodes.table) -> int:
    groups = [child for child in table.children if isinstance(child, nodes.tgroup)]
    return max((sum(isinstance(c, nodes.colspec) for c in group.children) for group in groups), default=0)


def widen(table: nodes.table) -> None:
    """Column widths for a landscape page: every column keeps its portrait width, the widest (the purpose
    text) takes the added width, so short values stay on one line and the long text gets fewer lines."""
    for group in table.findall(nodes.tgroup):
        colspecs = [child for child in group.children if isinstance(child, nodes.colspec)]
        widths = [int(spec.get("colwidth", 1)) * 10 for spec in colspecs]
        if not widths:
            continue
        widest = widths.index(max(widths))
        widths[widest] += round(sum(widths) * (LANDSCAPE_GAIN - 1))
        for spec, width in zip(colspecs, widths, strict=True):
            spec["colwidth"] = width


def _is_lead_in(node: nodes.Node) -> bool:
    """A paragraph that introduces the table after it: ends with a colon, or is only a download link."""
    if not isinstance(node, nodes.paragraph):
        return False
    text = node.astext().strip()
    links = list(node.findall(addnodes.download_reference))
    return text.endswith(":") or (len(links) == 1 and links[0].astext().strip() == text)


def _start_of(node: nodes.Element) -> nodes.Element:
    """Where a landscape page for ``node`` starts: before its lead-in paragraphs, and before its section's
    heading when nothing else precedes it there (a heading never stays alone at the foot of a page)."""
    parent = node.parent
    index = parent.index(node)
    while index > 0 and _is_lead_in(parent[index - 1]):
        index -= 1
    if isinstance(parent, nodes.section) and index == 1 and isinstance(parent[0], nodes.title):
        return parent
    first = parent[index]
    assert isinstance(first, nodes.Element)
    return first


def _insert_before(node: nodes.Element, new: nodes.Node) -> None:
    node.parent.insert(node.parent.index(node), new)


def _insert_after(node: nodes.Element, new: nodes.Node) -> None:
    node.parent.insert(node.parent.index(node) + 1, new)


class PrintLayout(SphinxPostTransform):
    """The print layout of the runbook PDF, on the resolved doctree of the LaTeX builder only.

    A post-transform rather than LaTeX alone, because only the doctree knows what a word is:

    * names: ``\\uchyph=0`` would keep TeX from hyphenating capitalised words only (ordinary ones too) and
      misses lower-case FQDNs, accounts and ``management_point``; macros for literals miss names in strong
      text, table cells and prose.  Every token of running text that looks like a name (:func:`is_name`)
      becomes a :class:`name` node: TeX sets it with the ``nohyphenation`` patterns and may break it only
      after its separators, never adding a hyphen.  Literal text keeps Sphinx's handling (the mono font is
      never hyphenated);
    * wide tables (:data:`WIDE_COLUMNS` or the class :data:`WIDE_CLASS`) and the placement diagram go on
      landscape pages (``ibcmlandscape``), with their lead-in paragraphs and, when nothing else comes first
      in their section, with its heading;
    * every heading asks for room for its first lines (``\\needspace``), so it never ends a page alone.
    """

    default_priority = 900
    builders = ("latex",)

    def run(self, **_options: Any) -> None:
        self.keep_headings()
        for table in list(self.document.findall(nodes.table)):
            start = _start_of(table)
            if _columns(table) >= WIDE_COLUMNS or WIDE_CLASS in table["classes"]:
                widen(table)
                self.landscape(start, table)
            # The heading and lead-in of a table go to the next page with it if its first rows do not fit.
            _insert_before(start, _raw(f"\\needspace{{{TABLE_KEEP_LINES}\\baselineskip}}\n"))
        self.join_landscapes()
        for graph in list(self.document.findall(sphinx_graphviz.graphviz)):
            if DIAGRAM_CLASS in graph["classes"] and isinstance(graph.parent, nodes.figure):
                self.diagram_page(graph.parent)
        self.protect_names()

    def join_landscapes(self) -> None:
        """Two landscape stretches with little text and no table between them become one: a short portrait
        page (the notes between two tables) would cost a page and two turns of the page."""
        order = list(self.document.findall())
        ends = [i for i, node in enumerate(order) if isinstance(node, nodes.raw) and node.astext() == LANDSCAPE_END]
        for end in ends:
            start = next((i for i in range(end + 1, len(order)) if order[i].astext() == LANDSCAPE_BEGIN), None)
            if start is None or not isinstance(order[start], nodes.raw):
                continue
            between = order[end + 1 : start]
            text = sum(len(node.astext()) for node in between if isinstance(node, nodes.Text))
            if text <= JOIN_TEXT and not any(isinstance(node, (nodes.table, nodes.figure)) for node in between):
                for node in (order[end], order[start]):
                    node.parent.remove(node)

    def keep_headings(self) -> None:
        for section in list(self.document.findall(nodes.section)):
            _insert_before(section, _raw(f"\\needspace{{{_keep_lines(section)}\\baselineskip}}\n"))

    @staticmethod
    def landscape(start: nodes.Element, end: nodes.Element) -> None:
        _insert_before(start, _raw(LANDSCAPE_BEGIN))
        _insert_after(end, _raw(LANDSCAPE_END))

    def diagram_page(self, figure: nodes.figure) -> None:
        """The diagram alone on a landscape page, as large as the page allows, its caption beside it.

        The paragraphs after it (what the diagram shows) move before it, so its heading is followed by text
        on the page where it stands."""
        parent = figure.parent
        index = parent.index(figure)
        following = []
        while index + 1 < len(parent) and isinstance(parent[index + 1], nodes.paragraph):
            following.append(parent.pop(index + 1))
        for offset, paragraph in enumerate(following):
            parent.insert(index + offset, paragraph)
        graph = next(iter(figure.findall(sphinx_graphviz.graphviz)))
        figure.insert(figure.index(graph), _raw("\\begin{ibcmdiagram}"))
        _insert_after(graph, _raw("\\ibcmdiagramcaption"))
        figure.append(_raw("\\end{ibcmdiagram}"))
        self.landscape(figure, figure)

    def protect_names(self) -> None:
        for text in list(self.document.findall(nodes.Text)):
            parent = text.parent
            if parent is None or any(isinstance(a, _NOT_PROSE) for a in (parent, *_ancestors(parent))):
                continue
            if isinstance(parent, nodes.title) and isinstance(parent.parent.parent, nodes.document):
                continue  # the document title: Sphinx takes it as plain text (and it never breaks a name)
            parts = split_names(str(text))
            if not any(isinstance(part, name) for part in parts):
                continue
            replacement = [nodes.Text(part) if isinstance(part, str) else part for part in parts]
            parent.replace(text, replacement)


def _keep_lines(section: nodes.section) -> int:
    """The room a heading needs below it; a heading directly followed by another one needs that one's too."""
    depth = len([a for a in _ancestors(section) if isinstance(a, nodes.section)])
    lines = KEEP_LINES.get(depth, KEEP_LINES_DEFAULT)
    body = [child for child in section.children if not isinstance(child, (nodes.title, nodes.Invisible, nodes.raw))]
    if body and isinstance(body[0], nodes.section):
        lines += _keep_lines(body[0])
    elif body and isinstance(body[0], nodes.Admonition):
        box = 6 + len(body[0].astext()) // BOX_CHARACTERS_PER_LINE  # frame, title, spacing and its text
        lines = max(lines, min(BOX_KEEP_LINES_MAX, box))
    return lines


def _ancestors(node: nodes.Node) -> list[nodes.Element]:
    found = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


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


def setup(app: Sphinx) -> None:
    """Register the print layout for the LaTeX builder (called by ``generator.sphinx_ext.setup``)."""
    app.add_node(name, latex=(latex_visit_name, None))
    app.add_post_transform(PrintLayout)
