"""Consent wordings (issue 15 case 3): consent_answer and is_unrecognised_answer (dbt_project/macros/text.sql)
compiled by dbt and run in DuckDB over every wording of vars.consent_answers, their variants, and arbitrary
text: a value that is not in the yes list never reads as consent, and nothing non-blank reads as "no
statement" unless it is one of the no-statement wordings."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.dbt_runner import _INVOKE_LOCK, DBT_PROJECT_DIR, _manifest, dbt_args

AS_OF = date(2026, 11, 25)
ANSWERS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["consent_answers"]
_TEXT_SQL = (DBT_PROJECT_DIR / "macros" / "text.sql").read_text()
_FOLD = str.maketrans(
    re.search(r'_fullwidth = "([^"]+)"', _TEXT_SQL).group(1), re.search(r'_halfwidth = "([^"]+)"', _TEXT_SQL).group(1)
)


def normalised(text: str) -> str:
    """What the macro compares, in Python: half-width, no spaces, underscores, hyphens or middle dots, lower."""
    return re.sub(r"[\t\n\v\f\r _・-]+", "", text.translate(_FOLD)).lower()


@pytest.fixture(scope="module")
def read_answer(tmp_path_factory):
    """answer text -> (consent_answer, is_unrecognised_answer), through the SQL dbt compiles from the macros."""
    from dbt.cli.main import dbtRunner

    # named like every other test warehouse: the parsed project is cached per database name (crm.dbt_runner),
    # so another name would parse it again here and again in the next test
    warehouse = tmp_path_factory.mktemp("consent") / "warehouse.duckdb"
    inline = (
        "select {{ consent_answer('answer') }} as consent, {{ is_unrecognised_answer('answer') }} as unrecognised "
        "from answers"
    )
    with _INVOKE_LOCK:
        result = dbtRunner(manifest=_manifest(warehouse, AS_OF)).invoke(
            dbt_args(["compile", "--inline", inline], warehouse, AS_OF)
        )
    assert result.success, result.exception
    sql = result.result.results[0].node.compiled_code
    con = duckdb.connect()

    def read(text: str | None) -> tuple[bool | None, bool]:
        con.execute("create or replace temp table answers as select cast(? as varchar) as answer", [text])
        return con.execute(sql).fetchone()

    yield read
    con.close()


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_the_vocabulary_is_written_normalised_and_its_lists_do_not_overlap():
    for kind, words in ANSWERS.items():
        assert words and all(normalised(w) == w for w in words), kind
    consent, withdrawal, silent = (set(ANSWERS[k]) for k in ("consent", "withdrawal", "no_statement"))
    assert not (consent & withdrawal or consent & silent or withdrawal & silent)


@pytest.mark.parametrize(
    "kind, expected", [("consent", True), ("withdrawal", False), ("no_statement", None)], ids=lambda v: str(v)
)
def test_every_wording_and_its_variants_map_as_documented(read_answer, kind, expected):
    for word in ANSWERS[kind]:
        for variant in {word, word.upper(), f"  {word} ", _full_width(word.upper()), "　".join(word)}:
            assert read_answer(variant) == (expected, False), (kind, variant)


@pytest.mark.parametrize(
    "text",
    [
        "同意しない",
        "同意しません",
        "撤回",
        "拒否",
        "拒否する",
        "不可",
        "不同意",
        "no",
        "No",
        "FALSE",
        "0",
        "opt-out",
        "opt_out",
        "optout",
        "Opt Out",
        "unsubscribe",
        "unsubscribed",
        "withdrawn",
        "declined",
        "ｎｏ",
        "同意　しない",
    ],
)
def test_the_withdrawals_named_in_the_issue_are_no(read_answer, text):
    assert read_answer(text) == (False, False)


@pytest.mark.parametrize("text", [None, "", "   ", "　"])
def test_blank_is_no_statement(read_answer, text):
    assert read_answer(text) == (None, False)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1))
def test_only_the_yes_list_reads_as_consent_and_anything_unknown_is_no_consent_and_reported(read_answer, text):
    consent, unrecognised = read_answer(text)
    key = normalised(text)
    if consent is True:
        assert key in ANSWERS["consent"]
    if key and key not in ANSWERS["consent"]:
        assert consent is not True
    if key and not any(key in words for words in ANSWERS.values()):
        assert (consent, unrecognised) == (False, True)
    if consent is None:
        assert not key or key in ANSWERS["no_statement"]
