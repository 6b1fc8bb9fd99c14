"""``ibcm-runbook serve``: live preview of the runbooks, rebuilt and reloaded in the browser on every change."""

from __future__ import annotations

import argparse
import shlex
import sys

from generator.cli.build import split_sphinx_opts
from generator.cli.output import add_docs_option, positive

NAME = "serve"
HELP = (
    "serve a live preview on http://127.0.0.1:8000/, rebuilt when the docs, site inputs or templates change "
    "(needs the serve extra: make serve)"
)
EXAMPLE = "ibcm-runbook serve --port 8080"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def port(text: str) -> int:
    """An argparse type: a TCP port number."""
    value = positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be at most 65535 (got {value})")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_docs_option(parser)
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        metavar="ADDRESS",
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only; 0.0.0.0 shares the preview)",
    )
    parser.add_argument(
        "--port", type=port, default=DEFAULT_PORT, metavar="N", help=f"port to listen on (default: {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--sphinx-opts",
        type=split_sphinx_opts,
        default="-q",
        metavar="OPTS",
        help='options passed to sphinx-build, as one argument: --sphinx-opts="-n" (default: "-q", only warnings)',
    )


def run(args: argparse.Namespace) -> int:
    from generator.sphinx_ext.serve import PreviewServer, require_autobuild

    require_autobuild()
    server = PreviewServer(args.docs, host=args.host, port=args.port, sphinx_options=tuple(args.sphinx_opts))
    print(f"live preview of {args.docs} on http://{args.host}:{args.port}/ (Ctrl+C stops it)", file=sys.stderr)
    print(f"sphinx-autobuild {shlex.join(server.arguments())}", file=sys.stderr, flush=True)
    server.run()
    return 0
