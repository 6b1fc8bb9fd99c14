"""Building many sites: per-group Sphinx projects in worker processes, assembled into one published tree.

One Sphinx project holding every runbook grows faster than its sites (each
page's navigation lists every site, the environment holds every doctree):
at 1,000 sites one ``sphinx-build`` takes 4 GB and 19 minutes.  So
``ibcm-runbook build html`` splits the work:

* the *hub*: the landing page and the tool documentation (``docs/`` without
  the runbooks);
* *groups*: a few sites each (a stable hash of the site code), each its own
  Sphinx project over the generated sources, built in parallel worker
  processes and skipped when nothing it reads changed;
* *assembly*: one HTML tree with the hub, every group's pages, and one search
  index merged from all of them (:mod:`generator.build.search_index`).
"""
