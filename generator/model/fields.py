"""Constrained domain types shared by the site model (names, FQDNs, ports, text)."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

_SERVER_NAME = re.compile(r"^[A-Za-z0-9-]{1,15}$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_SITE_CODE = re.compile(r"^[A-Z0-9]{3}$")
_ACCOUNT = re.compile(r"^[^\\/\s]+\\[^\\/\s]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _reject_non_string(value: object) -> object:
    # YAML turns `no`, `1234` or `2026-01-01` into bool/int/date; a name must be written as text.
    if isinstance(value, bool | int | float):
        raise ValueError(f"must be text (got {value!r}); quote it in YAML")
    return value


def _check_server_name(value: str) -> str:
    if not _SERVER_NAME.match(value):
        raise ValueError(f"must be a NetBIOS computer name of 1-15 letters, digits or '-' (got {value!r})")
    return value


def _check_fqdn(value: str) -> str:
    problem = fqdn_problem(value)
    if problem:
        raise ValueError(f"must be an RFC 1123 FQDN: {problem} (got {value!r})")
    return value


def fqdn_problem(value: str) -> str | None:
    """Why ``value`` is not an acceptable FQDN, or None when it is."""
    if value.endswith("."):
        return "no trailing dot"
    if len(value) > 253:
        return "at most 253 characters"
    labels = value.split(".")
    if len(labels) < 2:
        return "at least two labels"
    for label in labels:
        if not _LABEL.match(label):
            return f"label {label!r} must be 1-63 ASCII letters, digits or '-', not starting or ending with '-'"
        if label.isdigit():
            return f"label {label!r} must not be all-numeric"
    return None


def _check_site_code(value: str) -> str:
    value = value.upper()
    if not _SITE_CODE.match(value):
        raise ValueError(f"must be 3 characters A-Z or 0-9 (got {value!r})")
    return value


def _check_single_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must be a single line without control characters")
    return value


def _check_multi_line(value: str) -> str:
    if _CONTROL.search(value.replace("\n", "").replace("\t", "")):
        raise ValueError("must not contain control characters")
    return value


def _check_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"must be an IPv4 or IPv6 address (got {value!r})") from None


def _check_account(value: str) -> str:
    if not _ACCOUNT.match(value):
        raise ValueError(f"must be DOMAIN\\user (got {value!r})")
    return value


def _check_port_range(value: str) -> str:
    match = re.fullmatch(r"(\d{1,5})-(\d{1,5})", value)
    if not match:
        raise ValueError(f"must be 'low-high', for example '50000-50100' (got {value!r})")
    low, high = int(match[1]), int(match[2])
    if not 1 <= low <= high <= 65535:
        raise ValueError(f"must satisfy 1 <= low <= high <= 65535 (got {value!r})")
    return f"{low}-{high}"


def _check_port(value: int) -> int:
    if not 1 <= value <= 65535:
        raise ValueError(f"must be a TCP port from 1 to 65535 (got {value})")
    return value


class JsonSchemaKeywords:
    """JSON Schema keywords that describe a constrained type to editors; they change no validation.

    The validators above decide what a site input accepts; the ``pattern`` and
    ``format`` given here express the same rule as closely as JSON Schema can,
    so that an editor flags the mistake while typing
    (``generator.model.json_schema``; ``tests/test_schema.py`` checks that both
    agree).  ``patternErrorMessage`` is what VS Code and the YAML language
    server show instead of the raw pattern.
    """

    __slots__ = ("keywords",)

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __repr__(self) -> str:
        return f"JsonSchemaKeywords({', '.join(sorted(self.keywords))})"

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema


# Regular expressions in the common subset of Python's re and ECMA-262 (what JSON Schema patterns use).
_CONTROL_CHARS = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
_PORT_NUMBER = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
_LABEL_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_PATTERN = rf"(?:(?![0-9]+\.){_LABEL_PATTERN}\.)+(?![0-9]+(?:[^A-Za-z0-9-]|$)){_LABEL_PATTERN}"
_IPV4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4_PATTERN = rf"{_IPV4_OCTET}(?:\.{_IPV4_OCTET}){{3}}"


def _ipv6_pattern() -> str:
    """RFC 3986's IPv6address, with an optional zone (``%eth0``) as Python's ipaddress accepts it."""
    h16 = "[0-9A-Fa-f]{1,4}"
    ls32 = f"(?:{h16}:{h16}|{_IPV4_PATTERN})"
    forms = [
        f"(?:{h16}:){{6}}{ls32}",
        f"::(?:{h16}:){{5}}{ls32}",
        f"(?:{h16})?::(?:{h16}:){{4}}{ls32}",
        f"(?:(?:{h16}:){{0,1}}{h16})?::(?:{h16}:){{3}}{ls32}",
        f"(?:(?:{h16}:){{0,2}}{h16})?::(?:{h16}:){{2}}{ls32}",
        f"(?:(?:{h16}:){{0,3}}{h16})?::{h16}:{ls32}",
        f"(?:(?:{h16}:){{0,4}}{h16})?::{ls32}",
        f"(?:(?:{h16}:){{0,5}}{h16})?::{h16}",
        f"(?:(?:{h16}:){{0,6}}{h16})?::",
    ]
    return f"(?:{'|'.join(forms)})(?:%[^%\\s]+)?"


_SCHEMA_SERVER_NAME = JsonSchemaKeywords(
    pattern=_SERVER_NAME.pattern,
    patternErrorMessage="must be a NetBIOS computer name of 1-15 letters, digits or '-'",
)
_SCHEMA_FQDN = JsonSchemaKeywords(
    format="hostname",
    pattern=rf"^(?=.{{1,253}}$){_HOST_PATTERN}$",
    patternErrorMessage=(
        "must be an RFC 1123 FQDN: at least two labels of ASCII letters, digits or '-', no trailing dot, "
        "no all-numeric label"
    ),
)
_SCHEMA_SITE_CODE = JsonSchemaKeywords(
    pattern="^[A-Za-z0-9]{3}$", patternErrorMessage="must be 3 characters A-Z or 0-9"
)
_SCHEMA_SINGLE_LINE = JsonSchemaKeywords(
    pattern=rf"^[^{_CONTROL_CHARS}]*[^{_CONTROL_CHARS}\s][^{_CONTROL_CHARS}]*$",
    patternErrorMessage="must be a single line of text without control characters",
)
_SCHEMA_MULTI_LINE = JsonSchemaKeywords(
    pattern=r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]*$",
    patternErrorMessage="must not contain control characters",
)
_SCHEMA_IP = JsonSchemaKeywords(
    anyOf=[{"format": "ipv4"}, {"format": "ipv6"}],
    pattern=f"^(?:{_IPV4_PATTERN}|{_ipv6_pattern()})$",
    patternErrorMessage="must be an IPv4 or IPv6 address",
)
_SCHEMA_ACCOUNT = JsonSchemaKeywords(pattern=_ACCOUNT.pattern, patternErrorMessage="must be DOMAIN\\user")
_SCHEMA_PORT_RANGE = JsonSchemaKeywords(
    pattern=rf"^(?=[0-9]{{1,5}}-[0-9]{{1,5}}$)0*{_PORT_NUMBER}-0*{_PORT_NUMBER}$",
    patternErrorMessage="must be 'low-high' with 1 <= low <= high <= 65535, for example '50000-50100'",
)
_SCHEMA_PORT = JsonSchemaKeywords(minimum=1, maximum=65535)
_SCHEMA_URL = JsonSchemaKeywords(
    format="uri",
    pattern=(
        rf"^[Hh][Tt][Tt][Pp][Ss]?://(?:[^/?#@\s]*@)?{_HOST_PATTERN}(?::0*{_PORT_NUMBER})?"
        rf"(?:[/?#][^{_CONTROL_CHARS}]*)?$"
    ),
    patternErrorMessage="must be an http:// or https:// URL with an FQDN host",
)


_Text = Annotated[str, BeforeValidator(_reject_non_string), StringConstraints(strip_whitespace=True)]

ServerName = Annotated[_Text, AfterValidator(_check_server_name), _SCHEMA_SERVER_NAME]
"""A NetBIOS computer name (compared case-insensitively)."""
Fqdn = Annotated[_Text, AfterValidator(_check_fqdn), _SCHEMA_FQDN]
"""An RFC 1123 host name with at least two labels."""
SiteCode = Annotated[_Text, AfterValidator(_check_site_code), _SCHEMA_SITE_CODE]
"""Three characters A-Z/0-9, upper-cased on load."""
SingleLine = Annotated[_Text, StringConstraints(min_length=1), AfterValidator(_check_single_line), _SCHEMA_SINGLE_LINE]
"""Text without line breaks or control characters."""
MultiLine = Annotated[str, BeforeValidator(_reject_non_string), AfterValidator(_check_multi_line), _SCHEMA_MULTI_LINE]
"""Text that may span lines."""
IpAddress = Annotated[_Text, AfterValidator(_check_ip), _SCHEMA_IP]
"""IPv4 or IPv6 address, normalised."""
Account = Annotated[_Text, AfterValidator(_check_account), _SCHEMA_ACCOUNT]
"""A ``DOMAIN\\user`` account name."""
PortRange = Annotated[_Text, AfterValidator(_check_port_range), _SCHEMA_PORT_RANGE]
"""A ``low-high`` TCP port range."""
Port = Annotated[int, AfterValidator(_check_port), _SCHEMA_PORT]
"""A TCP port number."""


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    try:
        port = parts.port  # raises ValueError for a port outside 0-65535 or not a number
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(f"must have a port from 1 to 65535 (got {value!r})")
    if parts.scheme not in ("http", "https") or not parts.hostname or fqdn_problem(parts.hostname):
        raise ValueError(f"must be an http:// or https:// URL with an FQDN host (got {value!r})")
    return value


Url = Annotated[_Text, AfterValidator(_check_single_line), AfterValidator(_check_url), _SCHEMA_URL]
"""An http(s) URL whose host is an FQDN."""
