"""The one module that talks to Aerleon: policies as its dictionaries and YAML, generation, and its check.

Aerleon (https://github.com/aerleon/aerleon) is the ``firewall`` extra
(``pip install 'ibcm-runbook[firewall]'``): it is imported inside the
functions that need it, so a site without a ``platform`` never needs it, and
a site with one gets :class:`AerleonMissingError`, which says how to install
it.  Everything goes through Aerleon's Python API (``aerleon.api.Generate``,
``naming.Naming.ParseDefinitionsObject``, ``aclcheck.AclCheck``); no vendor
syntax is written here.

Output is made deterministic in two ways: Aerleon's empty revision-control
keywords (``$Id:$``, ``$Date:$``, ``$Revision:$``, which a Perforce or CVS
checkout would expand) are removed with the comment line or block that only
held them, and Aerleon's log messages are captured instead of printed; any
warning of it fails the generation, so nothing it had to drop or widen goes
unnoticed.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import yaml

from generator.derive.network.flows import zone_rank
from generator.derive.network.policy import FirewallPolicy, PolicyFilter, PolicyTerm
from generator.derive.network.probes import Probe
from generator.errors import GeneratorError

AERLEON_REQUIREMENT = "aerleon>=1.18,<2"
INSTALL_HINT = "run `make html` (it installs it), or `.venv/bin/pip install -e '.[firewall]'`"
_RCS_KEYWORD = re.compile(r'^(?P<prefix>.*?)"?\$(?:Id|Date|Revision):\$"?\s*$')


class AerleonMissingError(GeneratorError):
    """A configuration was asked for, but Aerleon (the ``firewall`` extra) is not installed."""


class AerleonError(GeneratorError):
    """Aerleon refused a policy, warned while generating it, or its check contradicts the rule tables: a bug of
    this generator, reported with what Aerleon said."""


def aerleon_available() -> bool:
    """Whether the ``firewall`` extra is installed."""
    return importlib.util.find_spec("aerleon") is not None


def require_aerleon(what: str) -> None:
    """Raise :class:`AerleonMissingError` naming ``what`` needs Aerleon, unless it is installed."""
    if not aerleon_available():
        raise AerleonMissingError(
            f"{what} needs Aerleon ({AERLEON_REQUIREMENT}, the firewall extra), which is not installed: {INSTALL_HINT}"
        )


# --- the policy as Aerleon's dictionaries and YAML -------------------------------------------------------------


def target_options(policy: FirewallPolicy, policy_filter: PolicyFilter) -> str:
    """The header's target line for ``policy``'s platform: an ACL name, a zone pair, or a hook."""
    name = policy.platform.name
    family = policy.address_family
    if name == "ciscoasa":
        return policy_filter.name
    if name == "nftables":
        return f"{family} forward"
    assert policy_filter.zones is not None, "zone-based targets get one filter per direction"
    source, destination = policy_filter.zones
    return f"from-zone {source} to-zone {destination} {family}"


def term_document(term: PolicyTerm) -> dict[str, Any]:
    """One term as Aerleon's policy dictionary writes it."""
    document: dict[str, Any] = {"name": term.name, "comment": "\n".join(term.comment)}
    if term.source:
        document["source-address"] = term.source
    if term.destination:
        document["destination-address"] = term.destination
    if term.protocol:
        document["protocol"] = term.protocol.lower()
    if term.services:
        document["destination-port"] = " ".join(term.services)
    document["action"] = term.action
    return document


def policy_document(policy: FirewallPolicy, *, filename: bool = True) -> dict[str, Any]:
    """The policy as ``aerleon.api.Generate`` takes it (``filename`` names the output; a policy file has none)."""
    filters = [
        {
            "header": {"targets": {policy.platform.name: target_options(policy, f)}, "comment": f.comment},
            "terms": [term_document(t) for t in f.terms],
        }
        for f in policy.filters
    ]
    return {"filename": policy.basename, "filters": filters} if filename else {"filters": filters}


def definitions_document(policy: FirewallPolicy) -> dict[str, Any]:
    """The network and service definitions of ``policy``, as ``Naming.ParseDefinitionsObject`` takes them."""
    networks: dict[str, Any] = {}
    for obj in policy.networks:
        values: list[dict[str, str]] = [{"address": a, "comment": obj.comment} for a in obj.addresses]
        values += [{"name": member} for member in obj.members]
        networks[obj.name] = {"values": values}
    services = {s.name: [{"port": s.port, "protocol": s.protocol.lower()}] for s in policy.services}
    return {"networks": networks, "services": services}


class _Dumper(yaml.SafeDumper):
    """Multi-line comments as literal blocks, so the YAML reads like Aerleon's own policy files."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def _yaml(document: dict[str, Any], heading: str) -> str:
    body = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=False, width=100
    )
    return f"# {heading}\n{body}"


def policy_yaml(policy: FirewallPolicy) -> str:
    """The policy file (``policies/pol/<name>.yaml``) for teams who run Aerleon themselves."""
    return _yaml(
        policy_document(policy, filename=False),
        f"Aerleon policy for {policy.platform.name}, generated by ibcm-runbook; definitions in "
        f"{definitions_filename(policy)}",
    )


def definitions_yaml(policy: FirewallPolicy) -> str:
    """The definitions file (``def/<name>.yaml``) the policy file names its objects from."""
    return _yaml(definitions_document(policy), "Aerleon network and service definitions, generated by ibcm-runbook")


def policy_filename(policy: FirewallPolicy) -> str:
    return f"{policy.basename}.pol.yaml"


def definitions_filename(policy: FirewallPolicy) -> str:
    return f"{policy.basename}.def.yaml"


def config_filename(policy: FirewallPolicy) -> str:
    return f"{policy.basename}{policy.platform.suffix}"


# --- generation ------------------------------------------------------------------------------------------------


@contextmanager
def _aerleon_log() -> Iterator[list[str]]:
    """Capture what Aerleon logs (through absl, into the ``absl`` logger) instead of printing it."""
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    logger = logging.getLogger("absl")
    handler = _Collect()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def parse_definitions(document: dict[str, Any]) -> Any:
    """Aerleon's ``Naming`` of a definitions dictionary (:func:`definitions_document`)."""
    from aerleon.lib import naming

    definitions = naming.Naming()
    definitions.ParseDefinitionsObject(document, "ibcm-runbook")
    return definitions


def strip_revision_tags(text: str) -> str:
    """Remove the lines that hold only a revision-control keyword, and comment blocks left empty by that."""
    lines = [line for line in text.splitlines() if not _RCS_KEYWORD.match(line)]
    kept: list[str] = []
    for line in lines:
        if line.strip() == "*/" and kept and kept[-1].strip() == "/*":
            kept.pop()
            continue
        kept.append(line)
    return "\n".join(kept).strip("\n") + "\n"


def _start_plugins_once() -> bool:
    """Find Aerleon's generators once per process instead of on every ``api.Generate`` call; whether it did.

    ``api.Generate`` calls ``PluginSupervisor.Start()`` each time, and each start
    scans every installed package's entry points (9 ms): a third of the time of
    planning a site with host firewall rules.  After the first start the
    supervisor's ``Start`` is replaced on that instance by a no-op; the
    generators it found stay.  This leans on Aerleon's internals, so it is done
    only when they have the shape of Aerleon 1.18 (a singleton whose bound
    ``Start(config=None)`` fills a ``generators`` dictionary); otherwise nothing
    is touched and Aerleon starts its plugins itself, as it would without this.
    """
    from aerleon.lib import plugin_supervisor

    supervisor = getattr(plugin_supervisor, "PluginSupervisor", None)
    if supervisor is None:
        return False
    if getattr(supervisor, "_ibcm_started", False):
        return True
    start = getattr(supervisor, "Start", None)
    if not (inspect.ismethod(start) and start.__self__ is supervisor and _takes_only_config(start)):
        return False
    start()
    generators = getattr(supervisor, "generators", None)
    if not isinstance(generators, dict) or not generators:
        return False
    setattr(supervisor, "Start", lambda _config=None: None)  # noqa: B010 - an instance attribute, on purpose
    setattr(supervisor, "_ibcm_started", True)  # noqa: B010
    return True


def _takes_only_config(start: Any) -> bool:
    """Whether ``start`` is called as Aerleon 1.18's ``Start(config=None)``: nothing else to pass on."""
    try:
        parameters = list(inspect.signature(start).parameters.values())
    except (TypeError, ValueError):
        return False
    return len(parameters) == 1 and parameters[0].name == "config" and parameters[0].default is None


def generate(policy_doc: dict[str, Any], definitions_doc: dict[str, Any], what: str) -> str:
    """The configuration Aerleon generates for ``policy_doc`` (one target), without revision keywords.

    ``what`` names it in errors.  Raises :class:`AerleonError` when Aerleon fails or warns.
    """
    require_aerleon(what)
    from aerleon import api

    _start_plugins_once()
    with _aerleon_log() as messages:
        try:
            configs = api.Generate([cast(Any, policy_doc)], parse_definitions(definitions_doc))
        except Exception as exc:  # Aerleon's errors have no common base class
            raise AerleonError(f"{what}: Aerleon could not generate it: {exc}") from exc
    if messages:
        raise AerleonError(f"{what}: Aerleon warned: {'; '.join(messages)}")
    if not configs or len(configs) != 1:
        raise AerleonError(f"{what}: Aerleon generated {len(configs or {})} files, expected one")
    (text,) = configs.values()
    return strip_revision_tags(text)


def generate_policy(policy: FirewallPolicy) -> str:
    """The vendor configuration of a complete firewall policy."""
    assert policy.complete, "an incomplete policy generates nothing"
    what = f"the {policy.platform.title} configuration of {policy.firewall}"
    text = generate(policy_document(policy), definitions_document(policy), what)
    missing = [t.name for t in policy.rule_terms if t.name not in text]
    if missing:
        raise AerleonError(f"{what}: Aerleon left out the terms {', '.join(missing)}")
    return text


# --- the check -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What Aerleon's check says of one packet in one filter: the first term that matches it and its action."""

    filter: int
    """The index of the filter in the policy."""
    term: str
    action: str

    @property
    def permitted(self) -> bool:
        return self.action == "accept"


class PolicyChecker:
    """Aerleon's ``AclCheck`` over one policy, parsed once."""

    def __init__(self, policy_doc: dict[str, Any], definitions_doc: dict[str, Any], what: str) -> None:
        require_aerleon(what)
        from aerleon.lib import policy, policy_builder

        self.filter_count = len(policy_doc["filters"])
        with _aerleon_log():
            self._policy = policy.FromBuilder(
                policy_builder.PolicyBuilder(cast(Any, policy_doc), parse_definitions(definitions_doc))
            )

    def verdicts(self, source: str, destination: str, protocol: str, port: int) -> list[Verdict]:
        """The first exact match in each filter, in filter order (``source``/``destination``: an address or
        ``any``)."""
        from aerleon.lib import aclcheck

        check = aclcheck.AclCheck(self._policy, source, destination, "any", port, protocol.lower())
        matches = check.ExactMatches()
        if len(matches) != self.filter_count:
            raise AerleonError(
                f"Aerleon's check found {len(matches)} decisions for {self.filter_count} filters: every filter "
                "ends with a deny term"
            )
        return [Verdict(i, m.term, m.action) for i, m in enumerate(matches)]


def checker(policy: FirewallPolicy) -> PolicyChecker:
    """A :class:`PolicyChecker` of a firewall policy."""
    return PolicyChecker(
        policy_document(policy), definitions_document(policy), f"checking the configuration of {policy.firewall}"
    )


def filter_index(policy: FirewallPolicy, zones: tuple[str, str]) -> int | None:
    """The filter a packet between these sides of the firewall meets; None when the policy has none for them."""
    for i, f in enumerate(policy.filters):
        if f.zones is None or f.zones == zones:
            return i
    return None


@dataclass(frozen=True)
class Proof:
    """What Aerleon's check said of a configuration's probes."""

    permitted: int
    """Flow probes it permitted."""
    denied: int
    """Probes of packets the plan does not contain that it denied."""
    failures: tuple[str, ...]
    """Every probe whose verdict differs from the plan's, with Aerleon's answer."""

    @property
    def holds(self) -> bool:
        return not self.failures


PASS_WITHOUT_A_LIST = frozenset({"ciscoasa"})
"""Platforms that pass traffic from a more trusted to a less trusted zone when no access list is bound to the
interface it enters (ASA's security levels); the zone-based ones deny a zone pair without a policy."""


def passes_without_a_list(policy: FirewallPolicy, zones: tuple[str, str]) -> bool:
    """Whether ``policy``'s firewall passes a packet between these sides when the policy has no filter for them."""
    return policy.platform.name in PASS_WITHOUT_A_LIST and zone_rank(zones[0]) > zone_rank(zones[1])


def unlisted_directions(policy: FirewallPolicy) -> list[tuple[str, str]]:
    """The directions across the firewall that ``policy`` has no filter for, but that it passes by default."""
    low, high = policy.zones
    return [
        z for z in ((high, low), (low, high)) if filter_index(policy, z) is None and passes_without_a_list(policy, z)
    ]


def prove(policy: FirewallPolicy, probes: Sequence[Probe]) -> Proof:
    """Ask Aerleon's check about every probe, in the filter of the probe's direction, and that each flow is
    accepted by the term of its own grouped rule (a packet the policy has no filter for is denied by a zone-based
    firewall, passed by ASA from a higher to a lower security level: :func:`passes_without_a_list`)."""
    check = checker(policy)
    permitted = denied = 0
    failures: list[str] = []
    for probe in probes:
        index = filter_index(policy, probe.zones)
        verdict = (
            check.verdicts(probe.source, probe.destination, probe.protocol, probe.port)[index]
            if index is not None
            else None
        )
        passes = verdict.permitted if verdict is not None else passes_without_a_list(policy, probe.zones)
        wrong_term = verdict is not None and probe.term is not None and passes and verdict.term != probe.term
        if passes == probe.permitted and not wrong_term:
            permitted += probe.permitted
            denied += not probe.permitted
            continue
        if verdict is None:
            said = f"no filter for this direction: {'permitted by default' if passes else 'deny'}"
        elif wrong_term:
            said = f"term {verdict.term}: {verdict.action}, not term {probe.term}"
        else:
            said = f"term {verdict.term}: {verdict.action}"
        failures.append(f"{probe}; Aerleon's check says {said}")
    return Proof(permitted, denied, tuple(failures))
