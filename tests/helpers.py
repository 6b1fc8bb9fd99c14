"""Builders for site inputs used across the tests."""

from __future__ import annotations

import copy
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from generator.diagnostics import Diagnostic
from generator.pipeline import load_site_text
from generator.validate import ValidSite as LoadedSite

BASE_SITE: dict[str, Any] = {
    "schema": 1,
    "site": {
        "code": "TST",
        "name": "Test Site",
        "type": "primary",
        "mode": "native",
        "version": "SP2",
        "forest": "corp.example.test",
        "site_server": "CM01",
        "database_server": "SQL01",
    },
    "servers": [
        {
            "name": "CM01",
            "zone": "intranet",
            "os": "windows_server_2003",
            "intranet_fqdn": "cm01.corp.example.test",
            "roles": {"software_update_point": {"connections": "intranet"}},
        },
        {"name": "SQL01", "zone": "intranet", "os": "windows_server_2003"},
        {
            "name": "DMZ01",
            "zone": "perimeter",
            "os": "windows_server_2003",
            "internet_fqdn": "ibcm.example.com",
            "public_ip": "203.0.113.10",
            "roles": {
                "management_point": {"connections": "internet"},
                "distribution_point": {"connections": "internet"},
            },
        },
    ],
    "network": {"front_firewall": {"name": "FW-FRONT"}, "back_firewall": {"name": "FW-BACK"}},
    "pki": {"crl_published_on_internet": True},
}
"""A valid SC1 site with no warnings: perimeter MP+DP reaching SQL01 directly."""

Mutation = Callable[[dict[str, Any]], None]


def site_dict(*mutations: Mutation) -> dict[str, Any]:
    data = copy.deepcopy(BASE_SITE)
    for mutate in mutations:
        mutate(data)
    return data


def server(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in data["servers"] if s["name"] == name)


def add_server(**fields: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["servers"].append(copy.deepcopy({"zone": "perimeter", "os": "windows_server_2003", **fields}))

    return mutate


def set_path(path: str, value: Any) -> Mutation:
    """Set a dotted path; ``servers[DMZ01]`` selects a server by name."""

    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            if part.startswith("servers[") and part.endswith("]"):
                target = server(data, part[8:-1])
            else:
                target = target.setdefault(part, {})
        target[parts[-1]] = copy.deepcopy(value)  # cases share values; tests must not mutate them

    return mutate


def delete_path(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            target = server(data, part[8:-1]) if part.startswith("servers[") else target[part]
        del target[parts[-1]]

    return mutate


def load(data: dict[str, Any] | str, name: str = "site_inputs/t.yaml") -> tuple[LoadedSite | None, list[Diagnostic]]:
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    return load_site_text(text, name)


def load_valid(*mutations: Mutation) -> LoadedSite:
    site, diagnostics = load(site_dict(*mutations))
    assert site is not None, [d.format() for d in diagnostics]
    return site


def codes(diagnostics: list[Diagnostic], *, errors_only: bool = False) -> list[str]:
    return [d.code for d in diagnostics if d.is_error or not errors_only]


def site_yaml(data: dict[str, Any]) -> str:
    """The YAML text :func:`load` parses for a site dict (deterministic, so line numbers are stable)."""
    return yaml.safe_dump(data, sort_keys=False)


def formatted(diagnostics: list[Diagnostic]) -> list[str]:
    """Diagnostics as printed: ``path:line:col: severity: message [code]``."""
    return [d.format() for d in diagnostics]


def code_of(line: str) -> str:
    """The code of a formatted diagnostic line (its trailing ``[code]``)."""
    return line.removesuffix("]").rsplit(" [", 1)[1]


def git(repo: Path, *args: str) -> str:
    """``git -C repo ARGS`` with a fixed identity and no user or system configuration; its standard output."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.test", "-c", "commit.gpgsign=false"]
    done = subprocess.run(
        ["git", "-C", str(repo), *identity, *args], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    return done.stdout
