"""docs/SECURITY.md stays true: every ASVS 5.0 level 1–2 requirement is listed once, each tested one
names tests that exist, each documented one names places that exist, and the figures are current."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "SECURITY.md"

# OWASP ASVS 5.0 (May 2025): the requirement ids of level 1, and those first required at level 2.
LEVEL_1 = """
1.2.1-5 1.3.1-2 1.5.1 2.1.1 2.2.1-2 2.3.1 3.2.1-2 3.3.1 3.4.1-2 3.5.1-3 4.1.1 4.4.1 5.2.1-2 5.3.1-2
6.1.1 6.2.1-8 6.3.1-2 6.4.1-2 7.2.1-4 7.4.1-2 8.1.1 8.2.1-2 8.3.1 9.1.1-3 9.2.1 10.4.1-5 11.3.1-2
11.4.1 12.1.1 12.2.1-2 13.4.1 14.2.1 14.3.1 15.1.1 15.2.1 15.3.1
"""
LEVEL_2 = """
1.1.1-2 1.2.6-9 1.3.3-11 1.4.1-3 1.5.2 2.1.2-3 2.2.3 2.3.2-4 2.4.1 3.3.2-4 3.4.3-6 3.5.4-5 3.7.1-2
4.1.2-3 4.2.1 4.3.1-2 4.4.2-4 5.1.1 5.2.3 5.4.1-3 6.1.2-3 6.2.9-12 6.3.3-4 6.4.3-4 6.5.1-5 6.6.1-3
6.8.1-4 7.1.1-3 7.3.1-2 7.4.3-5 7.5.1-2 7.6.1-2 8.1.2 8.2.3 8.4.1 9.2.2-4 10.1.1-2 10.2.1-2 10.3.1-4
10.4.6-11 10.5.1-5 10.6.1-2 10.7.1-3 11.1.1-2 11.2.1-3 11.3.3 11.4.2-4 11.5.1 11.6.1 12.1.2-3
12.3.1-4 13.1.1 13.2.1-5 13.3.1-2 13.4.2-5 14.1.1-2 14.2.2-4 14.3.2-3 15.1.2-3 15.2.2-3 15.3.2-7
16.1.1 16.2.1-5 16.3.1-4 16.4.1-3 16.5.1-3 17.1.1 17.2.1-4 17.3.1-2
"""
SECTIONS = {
    "Applicable, tested": "tested",
    "Documented": "documented",
    "Known gaps": "gap",
    "Not applicable": "not applicable",
}
FIGURES = {
    "tested": r"Requirements covered by tests: \*\*(\d+)\*\*",
    "documented": r"Documentation requirements fulfilled by a document: \*\*(\d+)\*\*",
    "gap": r"Known gaps \(apply, not met\): \*\*(\d+)\*\*",
    "not applicable": r"Not applicable to this portal: \*\*(\d+)\*\*",
}


def expand(spec: str) -> dict[str, None]:
    ids: dict[str, None] = {}
    for item in spec.split():
        prefix, _, last = item.rpartition(".")
        first, _, end = last.partition("-")
        for number in range(int(first), int(end or first) + 1):
            ids[f"V{prefix}.{number}"] = None
    return ids


def asvs_levels() -> dict[str, int]:
    return {**dict.fromkeys(expand(LEVEL_1), 1), **dict.fromkeys(expand(LEVEL_2), 2)}


@cache
def rows() -> list[tuple[str, str, int, str, str]]:
    """(category, id, level, summary, evidence) for every requirement row of the four tables."""
    found, category = [], None
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            category = SECTIONS.get(line[3:].strip())
        match = re.match(r"\| (V\d+\.\d+\.\d+) \| (\d) \| (.+?) \| (.+) \|$", line)
        if match and category:
            found.append((category, match[1], int(match[2]), match[3], match[4]))
    return found


def quoted(evidence: str) -> list[str]:
    return re.findall(r"`([^`]+)`", evidence)


@cache
def defined_tests(path: str) -> frozenset[str]:
    """The test functions and test methods a module defines, as pytest names them (no collection)."""
    tree = ast.parse((ROOT / path).read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name.startswith("test"):
                    names.add(f"{node.name}::{member.name}")
    return frozenset(names)


def node_exists(node_id: str) -> bool:
    path, _, name = node_id.partition("::")
    return (ROOT / path).is_file() and re.sub(r"\[.*\]$", "", name) in defined_tests(path)


def headings() -> set[str]:
    """GitHub's anchors for the headings of SECURITY.md."""
    titles = re.findall(r"^#+ (.+)$", DOC.read_text(), re.M)
    return {re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-") for title in titles}


def test_every_level_1_and_2_requirement_is_listed_once_with_its_level():
    listed = [(requirement, level) for _category, requirement, level, _summary, _evidence in rows()]
    ids = [requirement for requirement, _level in listed]
    duplicates = sorted({requirement for requirement in ids if ids.count(requirement) > 1})
    assert not duplicates, f"listed more than once: {duplicates}"
    expected = asvs_levels()
    assert len(expected) == 253
    assert not sorted(set(expected) - set(ids)), f"missing: {sorted(set(expected) - set(ids))}"
    assert not sorted(set(ids) - set(expected)), f"not ASVS 5.0 level 1–2: {sorted(set(ids) - set(expected))}"
    wrong = [(requirement, level) for requirement, level in listed if expected[requirement] != level]
    assert not wrong, f"wrong level: {wrong}"


def test_every_tested_requirement_names_tests_that_exist():
    problems = []
    for category, requirement, _level, _summary, evidence in rows():
        if category != "tested":
            continue
        node_ids = quoted(evidence)
        if not node_ids or not all("::" in node_id for node_id in node_ids):
            problems.append(f"{requirement}: names no test")
        problems += [f"{requirement}: no test {node_id}" for node_id in node_ids if not node_exists(node_id)]
    assert not problems, "\n".join(problems)


def test_every_documented_requirement_names_a_place_that_exists():
    anchors = headings()
    problems = []
    for category, requirement, _level, _summary, evidence in rows():
        if category != "documented":
            continue
        places = quoted(evidence)
        if not places:
            problems.append(f"{requirement}: names no document")
        for place in places:
            path, _, anchor = place.partition("#")
            if not (ROOT / path).is_file():
                problems.append(f"{requirement}: no file {path}")
            elif anchor and (path != "docs/SECURITY.md" or anchor not in anchors):
                problems.append(f"{requirement}: no section #{anchor} in {path}")
    assert not problems, "\n".join(problems)


def test_gaps_and_exclusions_give_a_reason():
    short = [
        requirement
        for category, requirement, _level, _summary, evidence in rows()
        if category in {"gap", "not applicable"} and len(evidence.strip()) < 6
    ]
    assert not short, f"no reason given: {short}"


def test_the_requirement_figures_are_current():
    text = DOC.read_text()
    for category, pattern in FIGURES.items():
        stated = int(re.search(pattern, text)[1])
        actual = sum(1 for row in rows() if row[0] == category)
        assert stated == actual, f"SECURITY.md says {stated} {category}, the table has {actual}"
    level_1 = sum(1 for level in asvs_levels().values() if level == 1)
    assert f"**{len(asvs_levels())}** ({level_1} at level 1, {len(asvs_levels()) - level_1} at level 2)" in text


def test_the_authorization_matrix_figures_are_current():
    from tests.security.matrix import ROWS
    from tests.security.test_authorization_matrix import ADMIN_NAMES

    text = DOC.read_text()
    names = len({row.name for row in ROWS})
    assert f"authorization matrix: **{names}** (in {len(ROWS)} rows" in text.replace("\n  ", " ")
    assert f"plus the **{len(ADMIN_NAMES)}** URL names of the admin site" in text.replace("\n  ", " ")


def test_every_fault_listed_names_a_test_that_exists():
    section = DOC.read_text().split("- Faults tested", 1)[1].split("\n## ", 1)[0]
    node_ids = quoted(section)
    assert len(node_ids) >= 7
    assert all(node_exists(node_id) for node_id in node_ids), [n for n in node_ids if not node_exists(n)]


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("**{}** failures of one username from one address", lambda: settings.AXES_FAILURE_LIMIT),
        ("cool-off of **{} hour**", lambda: settings.AXES_COOLOFF_TIME),
        ("after **{} minutes** without activity", lambda: settings.SESSION_IDLE_TIMEOUT // 60),
        ("**{} hours** after sign-in", lambda: settings.SESSION_COOKIE_AGE // 3600),
        ("at most **{} MiB** each", lambda: settings.UPLOAD_MAX_BYTES // (1024 * 1024)),
        (
            "at least **{}** characters",
            lambda: next(
                v["OPTIONS"]["min_length"] for v in settings.AUTH_PASSWORD_VALIDATORS if "MinimumLength" in v["NAME"]
            ),
        ),
    ],
)
def test_the_configuration_stated_is_the_configuration_in_force(sentence, value):
    assert sentence.format(value()) in DOC.read_text().replace("\n  ", " ")
