"""Fingerprints: same shape → same hash, different shape → different hash (fixtures/fingerprints.sql)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from observer.sql.fingerprint import fingerprint, normalize

FIXTURE = Path(__file__).with_name("fixtures") / "fingerprints.sql"


def _groups() -> list[tuple[str, str | None, list[str]]]:
    groups: list[tuple[str, str | None, list[str]]] = []
    for block in re.split(r"^-- group: ", FIXTURE.read_text(), flags=re.M)[1:]:
        title, _, body = block.partition("\n")
        dialect = None
        match = re.match(r"-- dialect: (\w+)\n", body)
        if match:
            dialect, body = match.group(1), body[match.end() :]
        statements = [s.strip() for s in re.split(r"^;;$", body, flags=re.M) if s.strip()]
        groups.append((title.strip(), dialect, statements))
    return groups


GROUPS = _groups()


@pytest.mark.parametrize(("title", "dialect", "statements"), GROUPS, ids=[g[0] for g in GROUPS])
def test_group_shares_one_fingerprint(title: str, dialect: str | None, statements: list[str]) -> None:
    prints = {fingerprint(s, dialect) for s in statements}
    assert len(prints) == 1, [normalize(s, dialect) for s in statements]


def test_groups_do_not_collide() -> None:
    prints = [fingerprint(g[2][0], g[1]) for g in GROUPS]
    assert len(set(prints)) == len(prints)


def test_dialect_is_part_of_the_fingerprint() -> None:
    assert fingerprint("select 1", "snowflake") != fingerprint("select 1", "postgres")


def test_fingerprint_is_hex_and_fits_the_store_column() -> None:
    fp = fingerprint("select * from t where x = 1")
    assert re.fullmatch(r"[0-9a-f]{32}", fp)


def test_normal_form_keeps_structure() -> None:
    assert normalize("SELECT a, b FROM t WHERE x = 'q' AND y IN (1, 2)") == "select a, b from t where x = and y in ()"


# The string-literal branches were rewritten "unrolled" for speed; fingerprints are stored hashes, so
# they must match exactly what the plain alternation matched, on any input.
_REFERENCE = [r"'(?:[^'\\]|\\.|'')*'", r"--[^\n]*", r"/\*.*?\*/", r"\$\$.*?\$\$"]
_REFERENCE_DQ = r'"(?:[^"\\]|\\.|"")*"'


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="a1'\"\\-/*$#\n .(),", max_size=40))
def test_literal_patterns_match_the_plain_alternation(text: str) -> None:
    from observer.sql import fingerprint as module

    reference = {
        "ident": re.compile("|".join(_REFERENCE), re.S),
        "string": re.compile("|".join([*_REFERENCE, _REFERENCE_DQ]), re.S),
        "mysql": re.compile("|".join([*_REFERENCE, _REFERENCE_DQ, r"#[^\n]*"]), re.S),
    }
    for kind, pattern in reference.items():
        assert module._LITERALS[kind].sub("", text) == pattern.sub("", text), kind
