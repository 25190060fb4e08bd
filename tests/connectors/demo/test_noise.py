"""Property tests for the demo's noise functions: noise changes the form, never the identity."""

from __future__ import annotations

import random
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from connectors.demo import noise

ascii_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
katakana = st.text(
    alphabet=st.sampled_from("アイウエオカガキギクグサザシジタダチツテデトドナハバパビピフブプマヤユヨラワンー"),
    min_size=1,
    max_size=12,
)
national_mobile = st.from_regex(r"0[789]0[0-9]{8}", fullmatch=True)


@given(ascii_text)
def test_fullwidth_folds_back_under_nfkc(text):
    assert unicodedata.normalize("NFKC", noise.to_fullwidth(text)) == unicodedata.normalize("NFKC", text)


@given(katakana)
def test_halfwidth_katakana_folds_back_under_nfkc(text):
    assert unicodedata.normalize("NFKC", noise.to_halfwidth_katakana(text)) == text


@given(katakana)
def test_hiragana_is_the_same_reading(text):
    hira = noise.katakana_to_hiragana(text)
    assert all(not ("ァ" <= ch <= "ヶ") for ch in hira)
    assert len(hira) == len(text)


@given(national_mobile, st.integers(min_value=0, max_value=5))
def test_every_phone_style_keeps_the_number(number, style):
    written = unicodedata.normalize("NFKC", noise.format_phone(number, style))
    digits = re.sub(r"[^0-9]", "", written)
    if written.startswith("+81"):
        digits = "0" + digits[2:]
    assert digits == number


@given(st.text(min_size=0, max_size=30), st.integers())
def test_typo_changes_at_most_one_character(text, seed):
    slipped = noise.typo(text, random.Random(seed))
    assert abs(len(slipped) - len(text)) <= 1
    if len(text) < 3:
        assert slipped == text


@given(st.from_regex(r"[a-z0-9._]{3,20}@[a-z]{2,10}\.(jp|com)", fullmatch=True), st.integers())
def test_email_noise_keeps_one_at_sign_and_the_domain(email, seed):
    rng = random.Random(seed)
    for changed in (noise.email_typo(email, rng), noise.email_case(email, rng)):
        assert changed.count("@") == 1
        assert changed.lower().split("@")[1] == email.split("@")[1]


def test_kanji_variants_are_the_known_ones():
    assert noise.kanji_variant("高橋") == "髙橋"
    assert noise.kanji_variant("山崎") == "山﨑"
    assert noise.kanji_variant("田中") == "田中"
