"""``ibcm-runbook new``: a commented starting file per placement scenario that passes the checks as written."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any, get_args, get_origin

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

from generator.cli import main
from generator.model.json_schema import SCHEMA_PATH, site_input_schema
from generator.model.schema import SiteInput
from generator.model.topology import placement_scenarios
from generator.pipeline import plan_site_text
from generator.scaffold import TEMPLATES, SiteCodeError, field_comment, site_code, starting_file

SCENARIOS = list(TEMPLATES)
SHOWN = "site_inputs/cm1.yaml"
SCHEMA_URL = "../schema/site-input-1.json"
MODELINE = f"# yaml-language-server: $schema={SCHEMA_URL}"


class EditorLoader(yaml.SafeLoader):
    """YAML 1.2 as editors read it: timestamps stay text."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def text_of(scenario: str, code: str = "cm1") -> str:
    return starting_file(code, scenario, schema_url=SCHEMA_URL, shown_as=SHOWN)


def comments(text: str) -> str:
    """Every comment of ``text`` joined into one line of words."""
    lines = [line.strip().removeprefix("#").strip() for line in text.splitlines() if line.strip().startswith("#")]
    return " ".join(" ".join(lines).split())


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if get_origin(annotation) is dict and arg is get_args(annotation)[0]:
            continue  # a mapping's keys are data (forest names), not keys of the format
        if (found := _model_in(arg)) is not None:
            return found
    return None


def keys_present(model: type[BaseModel], data: dict[str, Any]) -> set[tuple[type[BaseModel], str]]:
    """(model, key) for every key of the format that ``data`` uses, at any depth."""
    by_key = {info.alias or name: info for name, info in model.model_fields.items()}
    found: set[tuple[type[BaseModel], str]] = set()
    for key, value in data.items():
        found.add((model, key))
        annotation = by_key[key].annotation
        nested = _model_in(annotation)
        if nested is None:
            continue
        values = value.values() if typing.get_origin(annotation) is dict else [value]
        for item in values:
            for mapping in item if isinstance(item, list) else [item]:
                if isinstance(mapping, dict):
                    found |= keys_present(nested, mapping)
    return found


# --- the starting files -------------------------------------------------------------------------


def test_there_is_one_starting_file_per_placement_scenario_of_the_spec() -> None:
    assert SCENARIOS == ["perimeter-direct", "perimeter-replica", "reverse-proxy", "intranet-direct"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_starting_file_passes_the_checks_and_matches_its_scenario(scenario: str) -> None:
    plan, diagnostics = plan_site_text(text_of(scenario), SHOWN)
    assert plan is not None, [d.format() for d in diagnostics]
    assert [d.format() for d in diagnostics if d.is_error] == []
    assert [s.id for s in placement_scenarios(plan.site.topology)] == [scenario]
    assert plan.code == "CM1"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_starting_file_names_exactly_the_warnings_it_produces(scenario: str) -> None:
    text = text_of(scenario)
    _plan, diagnostics = plan_site_text(text, SHOWN)
    produced = sorted({d.code for d in diagnostics})
    announced = sorted(w.code for w in TEMPLATES[scenario].warnings)
    assert produced == announced
    header = comments(text)
    assert f"the check reports {len(announced)} warning(s)" in header
    for code in announced:
        assert f"[{code}]" in header


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_starting_file_starts_with_the_editor_line_and_validates_against_the_schema(scenario: str) -> None:
    text = text_of(scenario)
    assert text.splitlines()[0] == MODELINE
    data = yaml.load(text, Loader=EditorLoader)
    validator = jsonschema.Draft202012Validator(site_input_schema())
    assert [e.message for e in validator.iter_errors(data)] == []


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_comments_explain_every_key_present_with_the_model_description(scenario: str) -> None:
    text = text_of(scenario)
    said = comments(text)
    present = keys_present(SiteInput, yaml.safe_load(text))
    assert len(present) >= 30
    for model, key in sorted(present, key=lambda pair: (pair[0].__name__, pair[1])):
        explanation = " ".join(field_comment(model, key).split())
        assert explanation in said, f"{model.__name__}.{key}: its description is not in the comments"
        info = next(i for name, i in model.model_fields.items() if (i.alias or name) == key)
        assert info.description and info.description in explanation


def test_each_key_is_explained_right_above_its_first_use() -> None:
    lines = text_of("perimeter-replica").splitlines()
    first = lines.index("        database: replica")
    assert lines[first - 2 : first] == [
        "        # Read the site database directly or a SQL Server replica. One of: site, replica. Default:",
        "        # site.",
    ]
    assert lines[lines.index("  - name: CM01") - 1] == "  # NetBIOS computer name. Required."


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_placeholders_are_documentation_names_and_addresses(scenario: str) -> None:
    text = text_of(scenario)
    data = yaml.safe_load(text)
    addresses = re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", text)
    assert addresses
    assert all(a.startswith(("192.0.2.", "198.51.100.", "203.0.113.")) for a in addresses), addresses
    assert data["site"]["forest"] == "corp.example.test"
    for server in data["servers"]:
        for key in ("intranet_fqdn", "internet_fqdn"):
            if key in server:
                assert server[key].endswith((".example.test", ".example.com")), server[key]


def test_the_site_code_is_checked_and_upper_cased_like_site_code() -> None:
    assert site_code("cm1") == "CM1"
    assert yaml.safe_load(text_of("reverse-proxy", "x9z"))["site"]["code"] == "X9Z"
    with pytest.raises(SiteCodeError, match=r"^site code must be 3 characters A-Z or 0-9 \(got 'ABCD'\)$"):
        site_code("ABCD")
    # The same words as the model's own diagnostic for a bad site.code.
    _plan, diagnostics = plan_site_text(text_of("reverse-proxy").replace("code: CM1", "code: ABCD"), SHOWN)
    assert any("must be 3 characters A-Z or 0-9 (got 'ABCD')" in d.message for d in diagnostics)


def test_a_numeric_site_code_is_quoted_so_that_it_stays_text() -> None:
    text = text_of("perimeter-direct", "123")
    assert '  code: "123"' in text.splitlines()
    plan, diagnostics = plan_site_text(text, SHOWN)
    assert plan is not None, [d.format() for d in diagnostics]


# --- ibcm-runbook new ---------------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema").mkdir()
    (tmp_path / SCHEMA_PATH).write_text("{}\n", encoding="utf-8")
    return tmp_path


def test_new_writes_site_inputs_code_yaml_by_default(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "Cm1", "--scenario", "perimeter-direct"]) == 0
    written = workdir / "site_inputs" / "cm1.yaml"
    assert written.read_text(encoding="utf-8") == text_of("perimeter-direct")
    out, err = capsys.readouterr()
    assert out == "site_inputs/cm1.yaml\n"
    assert "ibcm-runbook check site_inputs/cm1.yaml" in err
    assert main(["check", "site_inputs/cm1.yaml"]) == 0


def test_new_names_the_schema_relative_to_the_file_it_writes(workdir: Path) -> None:
    assert main(["new", "CM2", "--scenario", "reverse-proxy", "-o", "deep/er/site.yaml"]) == 0
    first = (workdir / "deep" / "er" / "site.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schema/site-input-1.json"


def test_new_prints_to_standard_output_with_dash(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "cm1", "--scenario", "intranet-direct", "-o", "-"]) == 0
    assert capsys.readouterr().out == text_of("intranet-direct")
    assert not (workdir / "site_inputs").exists()


def test_new_refuses_to_overwrite_a_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = workdir / "site_inputs" / "cm1.yaml"
    existing.parent.mkdir()
    existing.write_text("mine\n", encoding="utf-8")
    assert main(["new", "CM1", "--scenario", "perimeter-replica"]) == 1
    assert existing.read_text(encoding="utf-8") == "mine\n"
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "ibcm-runbook: error: site_inputs/cm1.yaml already exists; choose another file with -o, or remove it first\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "ABCD", "--scenario", "perimeter-direct"], "argument CODE: site code must be 3 characters A-Z or 0-9"),
        (["new", "C-1", "--scenario", "perimeter-direct"], "argument CODE: site code must be 3 characters A-Z or 0-9"),
        (["new", "CM1", "--scenario", "dmz"], "argument --scenario: invalid choice: 'dmz'"),
        (["new", "CM1"], "the following arguments are required: --scenario"),
    ],
    ids=["too-long", "bad-character", "unknown-scenario", "no-scenario"],
)
def test_new_usage_mistakes_are_one_line_and_exit_2(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("ibcm-runbook new: error: ")
    assert message in err
    assert not (workdir / "site_inputs").exists()
