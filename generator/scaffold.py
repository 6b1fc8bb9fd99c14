"""Commented starting files for a new site input, one per placement scenario (``ibcm-runbook new``).

Each scenario is a small, valid site in the placement the spec's
``server-placement`` step names (the ids of :mod:`generator.model.topology`'s
scenarios).  The comments above each key are the field's docstring from
:mod:`generator.model.schema`, with its allowed values and default, so they
say what the reference in docs/site-inputs.md says and cannot drift from it.
Names, FQDNs and addresses are placeholders that are valid but plainly to be
replaced: ``CM01``, ``corp.example.test``, ``ibcm.example.com`` and the
documentation address ranges of RFC 5737 (192.0.2.0/24 for the intranet,
198.51.100.0/24 for the perimeter, 203.0.113.0/24 for public addresses).

``tests/test_new.py`` checks that every starting file passes the whole
pipeline with exactly the warnings it announces, and matches its scenario.
"""

from __future__ import annotations

import json
import textwrap
import types
import typing
from dataclasses import dataclass
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from generator.model.fields import SiteCode
from generator.model.schema import SiteInput
from generator.model.topology import (
    SCENARIO_INTRANET_DIRECT,
    SCENARIO_PERIMETER_DIRECT,
    SCENARIO_PERIMETER_REPLICA,
    SCENARIO_PROXY,
    Scenario,
)

COMMENT_WIDTH = 100


@dataclass(frozen=True)
class ExpectedWarning:
    """A warning the starting file produces on purpose, and why it is left in."""

    code: str
    why: str


@dataclass(frozen=True)
class Template:
    """One scenario's starting file: its scenario, the warnings it produces as written, and a note."""

    scenario: Scenario
    note: str
    warnings: tuple[ExpectedWarning, ...]


_WEBDAV = ExpectedWarning(
    "webdav-manual",
    "the Internet-based MP and DP run Windows Server 2008 R2, where WebDAV is set up by hand (the runbook says how)",
)

TEMPLATES: dict[str, Template] = {
    template.scenario.id: template
    for template in (
        Template(
            SCENARIO_PERIMETER_DIRECT,
            "The Internet-based management point and distribution point sit in the perimeter network and read "
            "the site database on the intranet directly (SQL Server over TCP 1433 through the back firewall).",
            (_WEBDAV,),
        ),
        Template(
            SCENARIO_PERIMETER_REPLICA,
            "The Internet-based management point and distribution point sit in the perimeter network; the "
            "management point reads a SQL Server replica of the site database, also in the perimeter.",
            (_WEBDAV,),
        ),
        Template(
            SCENARIO_PROXY,
            "The Internet-based management point and distribution point stay on the intranet; a reverse proxy "
            "in the perimeter network publishes them to the Internet (SSL bridging).",
            (_WEBDAV,),
        ),
        Template(
            SCENARIO_INTRANET_DIRECT,
            "The Internet-based management point and distribution point stay on the intranet and Internet clients "
            "reach them directly through the firewalls (NAT to a public address). Suitable for tests only.",
            (
                _WEBDAV,
                ExpectedWarning(
                    "intranet-server-internet-facing",
                    "this is the placement for tests: clients on the Internet reach an intranet server directly",
                ),
            ),
        ),
    )
}
"""The starting files by scenario id, in the order of the spec's placement scenarios."""


class SiteCodeError(ValueError):
    """A site code that ``site.code`` would reject; the message is the model's."""


def site_code(text: str) -> str:
    """``text`` checked and normalised exactly as ``site.code`` is (upper-cased); raises :class:`SiteCodeError`."""
    try:
        return str(TypeAdapter(SiteCode).validate_python(text))
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise SiteCodeError(f"site code {message}") from None


def _site_data(code: str, scenario: str) -> dict[str, Any]:
    """The site input of ``scenario`` as plain data, keys in the order they are written."""
    perimeter = scenario in (SCENARIO_PERIMETER_DIRECT.id, SCENARIO_PERIMETER_REPLICA.id)
    replica = scenario == SCENARIO_PERIMETER_REPLICA.id
    internet_connections = "internet" if perimeter else "both"
    management_point: dict[str, Any] = {"connections": internet_connections}
    if replica:
        management_point["database"] = "replica"
    site_system: dict[str, Any] = {
        "name": "DMZ01" if perimeter else "MP01",
        "zone": "perimeter" if perimeter else "intranet",
        "os": "windows_server_2008_r2",
        "address": "198.51.100.10" if perimeter else "192.0.2.21",
        "intranet_fqdn": "dmz01.corp.example.test" if perimeter else "mp01.corp.example.test",
        "internet_fqdn": "ibcm.example.com",
    }
    if scenario != SCENARIO_PROXY.id:
        site_system["public_ip"] = "203.0.113.10"
    site_system["roles"] = {
        "management_point": management_point,
        "distribution_point": {"connections": internet_connections},
    }
    servers: list[dict[str, Any]] = [
        {
            "name": "CM01",
            "zone": "intranet",
            "os": "windows_server_2008_r2",
            "address": "192.0.2.10",
            "intranet_fqdn": "cm01.corp.example.test",
        },
        site_system,
    ]
    data: dict[str, Any] = {
        "schema": 1,
        "site": {
            "code": code,
            "name": f"Example site {code}",
            "type": "primary",
            "mode": "native",
            "version": "SP2",
            "forest": "corp.example.test",
            "site_server": "CM01",
            "database_server": "CM01",
        },
        "servers": servers,
    }
    if replica:
        servers.append(
            {
                "name": "DMZSQL01",
                "zone": "perimeter",
                "os": "windows_server_2008_r2",
                "address": "198.51.100.11",
                "intranet_fqdn": "dmzsql01.corp.example.test",
            }
        )
        data["database_replica"] = {"server": "DMZSQL01", "database": f"SMS_{code}_replica"}
    if perimeter:
        data["directory"] = {"corp.example.test": [{"name": "DC01", "address": "192.0.2.5"}]}
    network: dict[str, Any] = {
        "front_firewall": {"name": "FW-FRONT"},
        "back_firewall": {"name": "FW-BACK", "perimeter_may_initiate": True},
    }
    if scenario == SCENARIO_PROXY.id:
        network["reverse_proxy"] = {
            "name": "PROXY01",
            "zone": "perimeter",
            "mode": "ssl_bridging",
            "public_ip": "203.0.113.10",
            "publishes": ["MP01"],
        }
    data["network"] = network
    data["pki"] = {
        "client_crl_checking": True,
        "crl_published_on_internet": True,
        "crl_url": "http://pki.example.com/crl/issuing-ca.crl",
    }
    data["clients"] = {
        "placement": "internet_and_intranet",
        "internet_features": ["inventory", "software_distribution"],
    }
    data["change"] = {
        "id": "CHG-0000",
        "title": f"Enable Internet-based client management for site {code}",
        "requested_by": "Requester Name",
        "implementer": "Implementer Name",
        "risk": "medium",
        "approvers": [{"name": "Approver Name", "role": "Change manager"}],
        "revision": 1,
    }
    return data


def starting_file(code: str, scenario: str, *, schema_url: str, shown_as: str) -> str:
    """The commented starting file of a site ``code`` for ``scenario`` (an id of :data:`TEMPLATES`).

    ``schema_url`` is written into the first line, the ``yaml-language-server``
    comment that tells editors where the JSON Schema is; ``shown_as`` is the
    file's name in the ``check`` hint.
    """
    code = site_code(code)
    template = TEMPLATES[scenario]
    header = [
        f"# yaml-language-server: $schema={schema_url}",
        *_comment(
            f"Site input of site {code}, written by `ibcm-runbook new --scenario {scenario}` as a starting point: "
            f"{template.scenario.title}. {template.note}",
            "",
        ),
        *_comment(
            "Every server name, FQDN, address and person below is a placeholder: replace it with your site's "
            "(192.0.2.x: intranet, 198.51.100.x: perimeter, 203.0.113.x: public addresses). The comment above "
            "each key is its description from docs/site-inputs.md, which also lists the keys this file leaves out "
            "and the validation rules.",
            "",
        ),
        *_comment(f"Check it with: ibcm-runbook check {shown_as}", ""),
        *_comment(
            f"As written, the check reports {len(template.warnings)} warning(s), on purpose: "
            + "; ".join(f"[{w.code}] {w.why}" for w in template.warnings)
            + ".",
            "",
        ),
    ]
    lines: list[str] = []
    _emit_mapping(SiteInput, _site_data(code, scenario), "", lines, set())
    return "\n".join([*header, "", *lines]) + "\n"


# --- a small YAML writer that puts each field's description above it ---------------------------------


def _comment(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text,
        width=COMMENT_WIDTH,
        initial_indent=f"{indent}# ",
        subsequent_indent=f"{indent}# ",
        break_on_hyphens=False,
        break_long_words=False,
    )


def _field(model: type[BaseModel], key: str) -> tuple[str, FieldInfo]:
    for name, info in model.model_fields.items():
        if (info.alias or name) == key:
            return name, info
    raise KeyError(f"{model.__name__} has no key {key!r}")


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        parts = [a for a in get_args(annotation) if a is not type(None)]
        return parts[0] if len(parts) == 1 else annotation
    return annotation


def _allowed_values(annotation: Any) -> list[Any]:
    annotation = _without_none(annotation)
    if get_origin(annotation) is list:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is typing.Literal:
        return list(get_args(annotation))
    return []


def field_comment(model: type[BaseModel], key: str) -> str:
    """What the starting file says above ``key`` of ``model``: description, allowed values, default."""
    _name, info = _field(model, key)
    parts = [info.description or ""]
    allowed = _allowed_values(info.annotation)
    if len(allowed) > 1:
        parts.append("One of: " + ", ".join(_scalar(v) for v in allowed) + ".")
    if info.is_required():
        parts.append("Required.")
    elif info.default is PydanticUndefined or info.default is None or isinstance(info.default, BaseModel | list | dict):
        parts.append("Optional.")
    else:
        parts.append(f"Default: {_scalar(info.default)}.")
    return " ".join(p for p in parts if p)


def _scalar(value: Any) -> str:
    """``value`` as a YAML plain scalar when that reads back as the same value, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    try:
        plain_ok = yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok and "#" not in text else json.dumps(text, ensure_ascii=False)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    annotation = _without_none(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is list:
        return _model_of(get_args(annotation)[0])
    return None


def _emit_mapping(
    model: type[BaseModel],
    data: dict[str, Any],
    indent: str,
    lines: list[str],
    seen: set[tuple[str, str]],
    *,
    dash: bool = False,
) -> None:
    """Write ``data`` (a mapping of ``model``) at ``indent``; with ``dash`` the first key starts a list item."""
    for position, (key, value) in enumerate(data.items()):
        _name, info = _field(model, key)
        first_of_item = dash and position == 0
        key_indent = indent + ("  " if dash and not first_of_item else "")
        prefix = f"{indent}- " if first_of_item else key_indent
        if (model.__name__, key) not in seen:
            seen.add((model.__name__, key))
            lines.extend(_comment(field_comment(model, key), indent if first_of_item else key_indent))
        _emit_value(info.annotation, key, value, prefix, key_indent, lines, seen)


def _emit_value(
    annotation: Any, key: str, value: Any, prefix: str, key_indent: str, lines: list[str], seen: set[tuple[str, str]]
) -> None:
    child = key_indent + "  "
    if isinstance(value, dict):
        lines.append(f"{prefix}{key}:")
        nested = _model_of(annotation)
        if nested is not None:
            _emit_mapping(nested, value, child, lines, seen)
            return
        # A mapping with free keys (``directory``): its values are lists of a model.
        value_annotation = get_args(_without_none(annotation))[1]
        for free_key, item in value.items():
            _emit_value(value_annotation, _scalar(free_key), item, child, child, lines, seen)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        lines.append(f"{prefix}{key}:")
        nested = _model_of(annotation)
        assert nested is not None, f"{key}: a list of mappings needs a model"
        for item in value:
            _emit_mapping(nested, item, child, lines, seen, dash=True)
    elif isinstance(value, list):
        lines.append(f"{prefix}{key}: [{', '.join(_scalar(v) for v in value)}]")
    else:
        lines.append(f"{prefix}{key}: {_scalar(value)}")
