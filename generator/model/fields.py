"""Constrained domain types shared by the site model (names, FQDNs, ports, text)."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, StringConstraints

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


_Text = Annotated[str, BeforeValidator(_reject_non_string), StringConstraints(strip_whitespace=True)]

ServerName = Annotated[_Text, AfterValidator(_check_server_name)]
"""A NetBIOS computer name (compared case-insensitively)."""
Fqdn = Annotated[_Text, AfterValidator(_check_fqdn)]
"""An RFC 1123 host name with at least two labels."""
SiteCode = Annotated[_Text, AfterValidator(_check_site_code)]
"""Three characters A-Z/0-9, upper-cased on load."""
SingleLine = Annotated[_Text, StringConstraints(min_length=1), AfterValidator(_check_single_line)]
"""Text without line breaks or control characters."""
MultiLine = Annotated[str, BeforeValidator(_reject_non_string), AfterValidator(_check_multi_line)]
"""Text that may span lines."""
IpAddress = Annotated[_Text, AfterValidator(_check_ip)]
"""IPv4 or IPv6 address, normalised."""
Account = Annotated[_Text, AfterValidator(_check_account)]
"""A ``DOMAIN\\user`` account name."""
PortRange = Annotated[_Text, AfterValidator(_check_port_range)]
"""A ``low-high`` TCP port range."""
Port = Annotated[int, AfterValidator(_check_port)]
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


Url = Annotated[_Text, AfterValidator(_check_single_line), AfterValidator(_check_url)]
"""An http(s) URL whose host is an FQDN."""
