"""The ways the same person's data differs between sources, as pure functions of a value and an RNG.

Each function is total: any string in, a string out (or None for a dropped value), never an exception.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

_FULLWIDTH_OFFSET = 0xFEE0  # '!'(0x21) .. '~'(0x7E)  <->  U+FF01 .. U+FF5E

# kanji that Japanese systems store in two forms (standard vs. "itai-ji" variant)
KANJI_VARIANTS = {"高": "髙", "崎": "﨑", "辺": "邊", "斉": "齋", "沢": "澤", "浜": "濱", "島": "嶋", "吉": "𠮷"}

_KATAKANA_TO_HALFWIDTH = dict(
    zip(
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォッャュョー",
        "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｯｬｭｮｰ",
    )
)
_VOICED = {  # voiced katakana -> base + half-width dakuten / handakuten
    **{v: b + "ﾞ" for v, b in zip("ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ", "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎｳ")},
    **{v: b + "ﾟ" for v, b in zip("パピプペポ", "ﾊﾋﾌﾍﾎ")},
}


def to_fullwidth(text: str) -> str:
    """ASCII letters, digits and symbols to their full-width forms; a space to an ideographic space."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0x21 <= code <= 0x7E:
            out.append(chr(code + _FULLWIDTH_OFFSET))
        elif ch == " ":
            out.append("\u3000")
        else:
            out.append(ch)
    return "".join(out)


def to_halfwidth_katakana(text: str) -> str:
    """Full-width katakana to the half-width forms old systems and agency exports still use."""
    return "".join(_VOICED.get(ch) or _KATAKANA_TO_HALFWIDTH.get(ch, ch) for ch in text)


def katakana_to_hiragana(text: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in text)


def kanji_variant(text: str) -> str:
    """Swap standard kanji for their variant forms where the name has one (高橋 -> 髙橋)."""
    return "".join(KANJI_VARIANTS.get(ch, ch) for ch in text)


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip: a dropped, doubled or swapped character. Strings under 3 characters are left alone."""
    if len(text) < 3:
        return text
    pos = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:pos] + text[pos + 1 :]
    if kind == 1:
        return text[:pos] + text[pos] + text[pos:]
    return text[: pos - 1] + text[pos] + text[pos - 1] + text[pos + 1 :]


def email_typo(email: str, rng: random.Random) -> str:
    """A slip in the local part only, so the address stays well-formed."""
    local, _, domain = email.partition("@")
    return typo(local, rng) + "@" + domain


def email_case(email: str, rng: random.Random) -> str:
    local, _, domain = email.partition("@")
    if rng.random() < 0.5:
        return email.upper()
    return local[:1].upper() + local[1:] + "@" + domain


def format_phone(national: str, style: int) -> str:
    """A Japanese mobile number ('09012345678') written in one of the ways forms and people write it."""
    a, b, c = national[:3], national[3:7], national[7:]
    if style == 0:
        return f"{a}-{b}-{c}"
    if style == 1:
        return national
    if style == 2:
        return f"+81 {a[1:]} {b} {c}"
    if style == 3:
        return to_fullwidth(f"{a}-{b}-{c}")
    if style == 4:
        return f"({a}){b}-{c}"
    return f"+81-{a[1:]}-{b}-{c}"


def birth_date_typo(day: date, rng: random.Random) -> date:
    """A birth date as someone mistyped it, still a real date: day and month swapped, one digit changed, or the
    year off by one. Falls back to the year off by one when a swap or digit change gives no valid date."""
    kind = rng.randrange(3)
    if kind == 0 and day.day <= 12 and day.day != day.month:
        return day.replace(month=day.day, day=day.month)
    if kind == 1:
        text = day.strftime("%Y%m%d")
        position = rng.choice((3, 5, 7))  # the last digit of the year, the month or the day
        typed = text[:position] + str((int(text[position]) + rng.randint(1, 9)) % 10) + text[position + 1 :]
        try:
            return date(int(typed[:4]), int(typed[4:6]), int(typed[6:]))
        except ValueError:
            pass
    try:
        return day.replace(year=day.year + rng.choice((-1, 1)))
    except ValueError:  # 29 February
        return day - timedelta(days=1)


_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def street_form(street: str, rng: random.Random) -> str:
    """A Japanese block address ('1-2-3') in another of the ways it is written: 1丁目2番3号, 1丁目2-3,
    full-width digits, or with a building and room after it."""
    parts = street.split("-")
    if len(parts) != 3:
        return street
    a, b, c = parts
    kind = rng.randrange(4)
    if kind == 0:
        return f"{a}丁目{b}番{c}号"
    if kind == 1:
        return f"{a}丁目{b}-{c}"
    if kind == 2:
        return street.translate(_FULLWIDTH_DIGITS).replace("-", "－")
    return f"{a}丁目{b}番地{c}"
