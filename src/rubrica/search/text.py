"""Text normalisation shared by indexing and querying: both sides must fold text the same way.

Folding: Unicode NFKD with combining marks dropped ("muller" finds "Müller"), casefold, Arabic
and Persian letter variants mapped to one form (ي/ی, ك/ک, ة/ه, أ/إ/آ/ٱ→ا, ؤ→و, ئ→ی, ى→ی),
tatweel and Arabic diacritics removed, whitespace collapsed, control characters dropped.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from rubrica.core import normalize

ARABIC_FOLD = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ـ": None,  # tatweel
        "\u200c": " ",  # zero-width non-joiner, common in Persian names
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
        "۰": "0",
        "۱": "1",
        "۲": "2",
        "۳": "3",
        "۴": "4",
        "۵": "5",
        "۶": "6",
        "۷": "7",
        "۸": "8",
        "۹": "9",
    }
)

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """The searchable form of ``text`` (see the module docstring)."""
    text = str(text)
    if text.isascii() and text.isprintable():
        # Printable ASCII has nothing to decompose, drop or map: only case and spaces change.
        # Most text is such (emails, phone digits, Latin names without accents), and an import
        # folds a dozen values a person.
        return " ".join(text.casefold().split())
    if len(text) <= _CACHED_LENGTH and "@" not in text:
        return _fold_cached(text)
    return _fold(text)


#: Short non-ASCII text (names, cities, tags: they repeat) is folded once per process; email
#: addresses do not repeat, and an import of a million people filled the cache with them
#: (about 20 MB held for nothing).
_CACHED_LENGTH = 64


@functools.lru_cache(maxsize=65_536)
def _fold_cached(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    # After NFKD, so that presentation forms (U+FExx) are base letters before the table applies.
    decomposed = unicodedata.normalize("NFKD", str(text)).translate(ARABIC_FOLD)
    kept = []
    for ch in decomposed:
        category = unicodedata.category(ch)
        if category in ("Mn", "Me", "Cf"):
            continue
        if category in ("Cc", "Cs", "Co", "Cn"):
            kept.append(" ")
            continue
        kept.append(ch)
    # NFC puts Hangul syllables back together after NFKD took them apart.
    folded = unicodedata.normalize("NFC", "".join(kept)).casefold()
    return _SPACES.sub(" ", folded).strip()


def is_cjk(text: str) -> bool:
    return any("CJK" in unicodedata.name(ch, "") for ch in text)


def pinyin_forms(text: str) -> list[str]:
    """Chinese ``text`` as pinyin, with and without spaces ("wang xiao ming", "wangxiaoming"),
    plus the characters spaced out so that single characters are words for prefix search."""
    return list(_pinyin_forms(text))


@functools.lru_cache(maxsize=65_536)
def _pinyin_forms(text: str) -> tuple[str, ...]:
    """Cached: names repeat (a rebuild of a million people converts each family name once)."""
    if not is_cjk(text):
        return ()
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(text) if s.strip()]
    chars = " ".join(ch for ch in text if not ch.isspace())
    forms = [" ".join(syllables), "".join(syllables), chars]
    return tuple(fold(form) for form in forms if form)


def phone_digits(e164: str, raw: str = "") -> list[str]:
    """Digits a person may type for a phone: E.164 without '+', the national form, as typed."""
    forms: list[str] = []
    if e164:
        forms.append(e164.lstrip("+"))
        national = normalize.national_form(e164)
        if national is not None:
            forms.append(digits(national))
    if raw:
        forms.append(digits(raw))
    return list(dict.fromkeys(form for form in forms if form))


def digits(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isdigit())


#: What separates words in indexed text (ranking, typo tolerance, the vocabulary).
WORD_SPLIT = re.compile(r"[\s@.,;:/()\[\]\-_+'\"]+")
#: Vocabulary words: shorter ones are never within the typo tolerance of a term (a 4 character
#: term allows one edit, a longer one two), longer ones are not names.
WORD_MIN, WORD_MAX = 3, 100


def name_words(name: str) -> set[str]:
    """The words of a document's (folded) ``name`` text that go into the vocabulary."""
    return {w for w in WORD_SPLIT.split(name) if WORD_MIN <= len(w) <= WORD_MAX}


PHONE_QUERY = re.compile(r"^[\d\s+\-().\/]+$")


def query_terms(text: str, *, max_terms: int = 8, max_length: int = 256) -> list[str]:
    """Split a typed query into folded terms. Syntax characters are not operators here: they
    are trimmed from the ends of terms and, inside a term, searched for literally. A query that
    looks like a phone number becomes one term of its digits."""
    text = str(text)[: max_length * 4]
    folded = fold(text)[:max_length]
    if not folded:
        return []
    if PHONE_QUERY.match(folded):
        number = digits(folded)
        if len(number) >= 3:
            return [number]
    terms = []
    for raw in folded.split(" "):
        term = raw.strip("\"'*()-:^+,;.!?[]{}<>|\\/`~")
        if term and term not in terms:
            terms.append(term)
    return terms[:max_terms]
