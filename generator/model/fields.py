"""Constrained domain types shared by the site model (names, FQDNs, ports, text), with the limits that keep
every output usable: lengths, scripts the PDF can print, no invisible or reordering characters in text."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

MAX_NAME = 64
"""Characters of a device name (NLB cluster, firewall, reverse proxy): it heads tables and names files."""
MAX_SINGLE_LINE = 200
"""Characters of single-line text: a title stays a few lines on the PDF's cover (1,000 crash xelatex)."""
MAX_MULTI_LINE = 4000
"""Characters of multi-line text (impact, rollback): about a page of the PDF."""
MAX_WORD = 60
"""Characters of one word of free text.  The PDF breaks a long word or name where it would stick out
(``generator.render.escape.breakable_latex``); the limit keeps a word readable and xelatex fast (a 3,000-character
word made it hang)."""
MAX_URL = 200
"""Characters of a URL."""

PRINTABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00AC),  # Latin-1 Supplement, without the (invisible) soft hyphen
    (0x00AE, 0x017F),  # ... and Latin Extended-A
    (0x0180, 0x01BB),  # Latin Extended-B, the letters every FreeFont face has
    (0x01BE, 0x01F5),
    (0x01F7, 0x021F),
    (0x0224, 0x0233),
    (0x0384, 0x038A),  # Greek
    (0x038C, 0x038C),
    (0x038E, 0x03A1),
    (0x03A3, 0x03CE),
    (0x0400, 0x045F),  # Cyrillic
    (0x048A, 0x04F9),
    (0x1E00, 0x1E9B),  # Latin Extended Additional (Vietnamese)
    (0x1EA0, 0x1EF9),
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x202F, 0x205E),  # narrow no-break space, per mille, primes, angle quotes
    (0x20AC, 0x20AC),  # euro sign
    (0x2116, 0x2116),  # numero sign
    (0x2122, 0x2122),  # trade mark sign
    (0x2190, 0x2199),  # arrows
    (0x2212, 0x2212),  # minus sign
    (0x2248, 0x2248),  # almost equal to
    (0x2260, 0x2260),  # not equal to
    (0x2264, 0x2265),  # less-than or equal to, greater-than or equal to
)
"""Characters free text may contain: those every face of GNU FreeFont (the PDF's FreeSerif, FreeSans and
FreeMono, each regular, bold and italic) can print, in the blocks above.  xelatex silently drops a character
its font lacks, so anything else (CJK, Arabic, emoji, combining marks) is an error naming the character."""
BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
"""Characters that reorder how text is shown (a "Trojan Source" override makes text read otherwise than it is)."""
INVISIBLE = frozenset([0x00AD, 0x034F, 0x180E, *range(0x200B, 0x200E), *range(0x2060, 0x2065), 0xFEFF])
"""Characters that show nothing: two values that look the same would differ."""


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    """A regular expression character class body, in the common subset of Python's re and ECMA-262."""
    return "".join(rf"\u{low:04x}" if low == high else rf"\u{low:04x}-\u{high:04x}" for low, high in ranges)


_PRINTABLE = _class(PRINTABLE_RANGES)
_NOT_SINGLE_LINE_TEXT = re.compile(f"[^{_PRINTABLE}]")
_NOT_MULTI_LINE_TEXT = re.compile(f"[^{_PRINTABLE}\\t\\n]")
_LONG_WORD = re.compile(f"[^ \\t\\n]{{{MAX_WORD + 1},}}")
_SERVER_NAME = re.compile(r"[A-Za-z0-9-]{1,15}")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_SITE_CODE = re.compile(r"[A-Za-z0-9]{3}")
_ACCOUNT_DOMAIN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,14}"
_ACCOUNT_USER = r"[A-Za-z0-9!#$%&'()^_{}~.-]{1,20}"
_ACCOUNT = re.compile(rf"{_ACCOUNT_DOMAIN}\\{_ACCOUNT_USER}")
_NAME = re.compile(r"[ -~]*")
_URL_TEXT = re.compile(r"[!-~]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SHOWN = 60


def _shown(value: str) -> str:
    """``value`` quoted for a message, cut so that the message stays one readable line."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 4] + "...'"


_CONTROL_NAMES = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}
"""Names of the control characters a site input is likeliest to hold (Unicode gives controls no name)."""


def describe_character(char: str) -> str:
    """``U+4E2D (CJK UNIFIED IDEOGRAPH-4E2D)``: the code point and its name, so that a message names what no
    editor shows (a control character, a look-alike letter, an invisible one)."""
    code = ord(char)
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(code, "")
    if not name and 0xD800 <= code <= 0xDFFF:
        name = "a lone surrogate"
    return f"U+{code:04X} ({name})" if name else f"U+{code:04X}"


def _not_ascii(value: str) -> str:
    """Why an ASCII-only value is not ASCII: its first other character, named (a look-alike shows as itself)."""
    char = next(c for c in value if not c.isascii())
    return f"{describe_character(char)} is not ASCII"


def _reject_non_string(value: object) -> object:
    # YAML turns `no`, `1234` or `2026-01-01` into bool/int/date; a name must be written as text.
    if isinstance(value, bool | int | float):
        raise ValueError(f"must be text (got {value!r}); quote it in YAML")
    return value


def _check_server_name(value: str) -> str:
    if not _SERVER_NAME.fullmatch(value):
        why = f"; {_not_ascii(value)}" if not value.isascii() else ""
        raise ValueError(f"must be a NetBIOS computer name of 1-15 letters, digits or '-' (got {_shown(value)}{why})")
    return value


def _check_name(value: str) -> str:
    if len(value) > MAX_NAME:
        raise ValueError(f"must be at most {MAX_NAME} characters (got {len(value)})")
    if not value.isascii():
        raise ValueError(
            f"must be ASCII letters, digits, spaces and punctuation (got {_shown(value)}; {_not_ascii(value)}): "
            "a look-alike letter would make two names that read the same"
        )
    if not _NAME.fullmatch(value):
        raise ValueError("must be a single line without control characters")
    return value


def _check_fqdn(value: str) -> str:
    problem = fqdn_problem(value)
    if problem:
        raise ValueError(f"must be an RFC 1123 FQDN: {problem} (got {_shown(value)})")
    return value


def fqdn_problem(value: str) -> str | None:
    """Why ``value`` is not an acceptable FQDN, or None when it is."""
    if value.endswith("."):
        return "no trailing dot"
    if len(value) > 253:
        return "at most 253 characters"
    if not value.isascii():
        return f"{_not_ascii(value)} (write an internationalised name in its xn-- form)"
    labels = value.split(".")
    if len(labels) < 2:
        return "at least two labels"
    for label in labels:
        if not _LABEL.fullmatch(label):
            return f"label {_shown(label)} must be 1-63 ASCII letters, digits or '-', not starting or ending with '-'"
        if label.isdigit():
            return f"label {_shown(label)} must not be all-numeric"
    return None


def _check_site_code(value: str) -> str:
    # Checked before upper-casing: 'ß'.upper() is 'SS', so 'ßA' would become the valid 'SSA'.
    if not _SITE_CODE.fullmatch(value):
        raise ValueError(f"must be 3 characters A-Z or 0-9 (got {_shown(value)})")
    return value.upper()


def text_problem(value: str, *, multi_line: bool) -> str | None:
    """Why ``value`` is not acceptable free text, or None: too long, a character the PDF cannot print, a word
    too long to wrap.  Only ``multi_line`` text may contain tabs and line breaks."""
    limit = MAX_MULTI_LINE if multi_line else MAX_SINGLE_LINE
    if len(value) > limit:
        return f"must be at most {limit} characters (got {len(value)})"
    found = (_NOT_MULTI_LINE_TEXT if multi_line else _NOT_SINGLE_LINE_TEXT).search(value)
    if found:
        char = found.group()
        if _CONTROL.match(char) or char in "\t\n":
            return (
                "must not contain control characters"
                if multi_line
                else "must be a single line without control characters"
            )
        if ord(char) in BIDI_CONTROLS:
            return f"must not contain {describe_character(char)}: it changes the order in which the text is shown"
        if ord(char) in INVISIBLE:
            return f"must not contain {describe_character(char)}: it is invisible"
        if unicodedata.combining(char):
            return f"must not contain {describe_character(char)}: write each accented letter as one character"
        return (
            f"must not contain {describe_character(char)}: the PDF's fonts cannot print it (use Latin, Greek or "
            "Cyrillic letters, digits and common punctuation)"
        )
    word = _LONG_WORD.search(value)
    if word:
        return (
            f"has a word of {len(word.group())} characters ({_shown(word.group())}); at most {MAX_WORD} fit on a "
            "line of the PDF: add spaces"
        )
    return None


def _check_single_line(value: str) -> str:
    problem = text_problem(value, multi_line=False)
    if problem:
        raise ValueError(problem)
    return value


def _check_multi_line(value: str) -> str:
    problem = text_problem(value, multi_line=True)
    if problem:
        raise ValueError(problem)
    return value


def _check_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"must be an IPv4 or IPv6 address (got {_shown(value)})") from None


def _check_account(value: str) -> str:
    if not _ACCOUNT.fullmatch(value):
        why = f"; {_not_ascii(value)}" if not value.isascii() else ""
        raise ValueError(
            "must be DOMAIN\\user: a NetBIOS domain of 1-15 letters, digits, '.', '_' or '-', and a user name of "
            f"1-20 of those or !#$%&'()^{{}}~ (got {_shown(value)}{why})"
        )
    return value


def _check_port_range(value: str) -> str:
    match = re.fullmatch(r"(\d{1,5})-(\d{1,5})", value)
    if not match:
        raise ValueError(f"must be 'low-high', for example '50000-50100' (got {_shown(value)})")
    low, high = int(match[1]), int(match[2])
    if not 1 <= low <= high <= 65535:
        raise ValueError(f"must satisfy 1 <= low <= high <= 65535 (got {_shown(value)})")
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
    pattern=f"^{_SERVER_NAME.pattern}$",
    patternErrorMessage="must be a NetBIOS computer name of 1-15 letters, digits or '-'",
)
_SCHEMA_NAME = JsonSchemaKeywords(
    maxLength=MAX_NAME,
    pattern="^[ -~]*[!-~][ -~]*$",
    patternErrorMessage="must be ASCII letters, digits, spaces and punctuation",
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
    pattern=f"^{_SITE_CODE.pattern}$", patternErrorMessage="must be 3 characters A-Z or 0-9"
)
_SCHEMA_SINGLE_LINE = JsonSchemaKeywords(
    maxLength=MAX_SINGLE_LINE,
    pattern=rf"^(?!.*[^ ]{{{MAX_WORD + 1}}})[{_PRINTABLE}]*(?=\S)[{_PRINTABLE}]+$",
    patternErrorMessage=(
        f"must be one line of Latin, Greek or Cyrillic letters, digits and common punctuation, words of at most "
        f"{MAX_WORD} characters"
    ),
)
_SCHEMA_MULTI_LINE = JsonSchemaKeywords(
    maxLength=MAX_MULTI_LINE,
    pattern=rf"^(?![\s\S]*[^ \t\n]{{{MAX_WORD + 1}}})[{_PRINTABLE}\t\n]*$",
    patternErrorMessage=(
        f"must be Latin, Greek or Cyrillic letters, digits and common punctuation, words of at most {MAX_WORD} "
        "characters"
    ),
)
_SCHEMA_IP = JsonSchemaKeywords(
    anyOf=[{"format": "ipv4"}, {"format": "ipv6"}],
    pattern=f"^(?:{_IPV4_PATTERN}|{_ipv6_pattern()})$",
    patternErrorMessage="must be an IPv4 or IPv6 address",
)
_SCHEMA_ACCOUNT = JsonSchemaKeywords(
    pattern=f"^{_ACCOUNT.pattern}$",
    patternErrorMessage="must be DOMAIN\\user: a NetBIOS domain of 1-15 characters, a user name of 1-20",
)
_SCHEMA_PORT_RANGE = JsonSchemaKeywords(
    pattern=rf"^(?=[0-9]{{1,5}}-[0-9]{{1,5}}$)0*{_PORT_NUMBER}-0*{_PORT_NUMBER}$",
    patternErrorMessage="must be 'low-high' with 1 <= low <= high <= 65535, for example '50000-50100'",
)
_SCHEMA_PORT = JsonSchemaKeywords(minimum=1, maximum=65535)
_SCHEMA_URL = JsonSchemaKeywords(
    format="uri",
    maxLength=MAX_URL,
    pattern=(
        rf"^(?=[!-~]+$)[Hh][Tt][Tt][Pp][Ss]?://(?:[^/?#@]*@)?{_HOST_PATTERN}(?::0*{_PORT_NUMBER})?"
        rf"(?:[/?#][!-~]*)?$"
    ),
    patternErrorMessage="must be an http:// or https:// URL with an FQDN host, ASCII without spaces",
)


_Text = Annotated[str, BeforeValidator(_reject_non_string), StringConstraints(strip_whitespace=True)]

ServerName = Annotated[_Text, AfterValidator(_check_server_name), _SCHEMA_SERVER_NAME]
"""A NetBIOS computer name (compared case-insensitively)."""
Name = Annotated[_Text, StringConstraints(min_length=1), AfterValidator(_check_name), _SCHEMA_NAME]
"""The name of a device (NLB cluster, firewall, reverse proxy): ASCII, so that no look-alike letter hides in it."""
Fqdn = Annotated[_Text, AfterValidator(_check_fqdn), _SCHEMA_FQDN]
"""An RFC 1123 host name with at least two labels."""
SiteCode = Annotated[_Text, AfterValidator(_check_site_code), _SCHEMA_SITE_CODE]
"""Three characters A-Z/0-9, upper-cased on load."""
SingleLine = Annotated[_Text, StringConstraints(min_length=1), AfterValidator(_check_single_line), _SCHEMA_SINGLE_LINE]
"""One line of text the PDF can print (:func:`text_problem`)."""
MultiLine = Annotated[str, BeforeValidator(_reject_non_string), AfterValidator(_check_multi_line), _SCHEMA_MULTI_LINE]
"""Text that may span lines, which the PDF can print (:func:`text_problem`)."""
IpAddress = Annotated[_Text, AfterValidator(_check_ip), _SCHEMA_IP]
"""IPv4 or IPv6 address, normalised."""
Account = Annotated[_Text, AfterValidator(_check_account), _SCHEMA_ACCOUNT]
"""A ``DOMAIN\\user`` account name."""
PortRange = Annotated[_Text, AfterValidator(_check_port_range), _SCHEMA_PORT_RANGE]
"""A ``low-high`` TCP port range."""
Port = Annotated[int, AfterValidator(_check_port), _SCHEMA_PORT]
"""A TCP port number."""


def _check_url(value: str) -> str:
    if len(value) > MAX_URL:
        raise ValueError(f"must be at most {MAX_URL} characters (got {len(value)})")
    if not _URL_TEXT.fullmatch(value):
        raise ValueError(f"must be ASCII without spaces or control characters (got {_shown(value)})")
    parts = urlsplit(value)
    try:
        port = parts.port  # raises ValueError for a port outside 0-65535 or not a number
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(f"must have a port from 1 to 65535 (got {_shown(value)})")
    if parts.scheme not in ("http", "https") or not parts.hostname or fqdn_problem(parts.hostname):
        raise ValueError(f"must be an http:// or https:// URL with an FQDN host (got {_shown(value)})")
    return value


Url = Annotated[_Text, AfterValidator(_check_url), _SCHEMA_URL]
"""An http(s) URL whose host is an FQDN."""
