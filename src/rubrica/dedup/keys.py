"""Match keys: the normalised facts two records of one person tend to share, and the blocking keys
built from them. Pure functions (no database), shared by the key index, the scan and the scoring.

Why the only name key includes a birthday
    A block is worth comparing only if its pairs can reach the proposal threshold. Two different
    people often share a name ("Maria Rossi" is common), so ``scoring`` never proposes on a name
    alone, nor on a name at the same organization: without a shared email or phone, only a
    similar name *and* the same birthday is enough. Pairs sharing an email or phone are found
    through those keys whatever their names, so the one name key is (birthday, sound of one name
    token), one per token: a typo or a nickname in one token still leaves the other. Bare-name or
    name+organization keys would only add large blocks of pairs that can never be proposed.
    The organization key (``organization_key``) is used by the scoring, not for blocking.

Email provider rules (``normalize_email``)
    * Gmail (gmail.com, googlemail.com): dots in the local part are ignored and everything from
      ``+`` on is a tag; googlemail.com is the same mailbox as gmail.com. Google documents both.
    * Outlook/Hotmail/Live/MSN, iCloud (icloud.com, me.com, mac.com), Proton (proton.me,
      protonmail.com, protonmail.ch, pm.me), Fastmail: ``+tag`` is dropped (plus addressing is
      documented), dots are kept (they are significant there). me.com and mac.com are the same
      iCloud account namespace as icloud.com, so they become icloud.com. Proton's domains are
      aliases of one account namespace too and become proton.me.
    * Yahoo: dots are significant and its disposable addresses use another base name, not
      ``+``, so only case is folded.
    * Any other domain: only case is folded; ``+`` may be a real character of the address, and we
      cannot know whether a company server does plus addressing.
    Local parts are case-folded everywhere: no mail system in use treats case as significant.

Email local part (``email_local_key``)
    "Changed email provider" (ada.lovelace@gmail.com -> ada.lovelace@outlook.com) keeps the local
    part; the key drops dots, dashes and underscores so that provider rules do not split it.
    It is a weak key: the scoring asks for a similar name as well. Role mailboxes (info@,
    sales@...) and very short local parts are not keys at all.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jellyfish
import phonenumbers

from rubrica.dedup.nicknames import NICKNAMES
from rubrica.search.text import fold

# Key kinds ----------------------------------------------------------------------------------

EMAIL = "email"
EMAIL_LOCAL = "email_local"
PHONE = "phone"
PHONE_NSN = "phone_nsn"
NAME_BIRTHDAY = "name_bday"
#: Blocking rules of the record-linkage model (ADR 0014), unioned with the ones above so that no
#: single field's typo hides a pair: the full birthday; an identifier (a custom field marked
#: identifying); the postcode with the sound of one name token; the sound of the whole name;
#: the family name within one deletion (a q-gram-like neighbourhood: "masonx" and "mason"
#: share "mason"; "mosan" and "mason" share "msan") with the given name's initial; and a sorted
#: neighbourhood on the
#: name (``SORTED_NAME``: compared with the next few in key order, not by equal keys).
BIRTHDAY = "bday"
IDENTIFIER = "ident"
POSTCODE_NAME = "post_name"
NAME_SOUND = "name_snd"
NAME_DELETE = "name_del"
SORTED_NAME = "name_sn"
#: Kinds whose people are compared when they share a key, in the order the scan walks them (a
#: pair is compared under the first rule that finds it, see ``rubrica.dedup.scan``).
BLOCK_KINDS = (
    EMAIL,
    PHONE,
    IDENTIFIER,
    BIRTHDAY,
    NAME_BIRTHDAY,
    EMAIL_LOCAL,
    PHONE_NSN,
    POSTCODE_NAME,
    NAME_SOUND,
    NAME_DELETE,
)
#: Every kind, the sorted neighbourhood last.
KINDS = (*BLOCK_KINDS, SORTED_NAME)
#: Keys are stored in a column of this size; longer ones are cut (they stay selective).
MAX_KEY_LENGTH = 200

# Emails -------------------------------------------------------------------------------------

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
#: Providers with documented plus addressing where dots stay significant.
PLUS_TAG_DOMAINS = frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "hotmail.it",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.de",
        "live.com",
        "live.it",
        "live.co.uk",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "fastmail.com",
        "fastmail.fm",
    }
)
#: Domains that are aliases of one account namespace.
DOMAIN_ALIASES = {
    "googlemail.com": "gmail.com",
    "me.com": "icloud.com",
    "mac.com": "icloud.com",
    "protonmail.com": "proton.me",
    "protonmail.ch": "proton.me",
    "pm.me": "proton.me",
}
#: Shared role mailboxes: a common local part says nothing about who a person is.
ROLE_LOCAL_PARTS = frozenset(
    {
        "info",
        "admin",
        "office",
        "contact",
        "contacts",
        "sales",
        "support",
        "hello",
        "mail",
        "email",
        "noreply",
        "no-reply",
        "team",
        "marketing",
        "webmaster",
        "postmaster",
        "billing",
        "accounts",
        "hr",
        "jobs",
        "press",
        "enquiries",
        "help",
        "segreteria",
        "amministrazione",
        "ufficio",
    }
)
MIN_LOCAL_KEY_LENGTH = 4


def normalize_email(value: str) -> str:
    """The mailbox ``value`` reaches, in one spelling (provider rules in the module docstring);
    "" when ``value`` is not an address."""
    text = str(value).strip().casefold()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return ""
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
    elif domain in PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
    domain = DOMAIN_ALIASES.get(domain, domain)
    if not local:
        return ""
    return f"{local}@{domain}"


def is_role_mailbox(normalized: str) -> bool:
    """info@, sales@...: shared by whoever works there, so it says nothing about who a person is."""
    return normalized.rpartition("@")[0] in ROLE_LOCAL_PARTS


_LOCAL_PUNCTUATION = re.compile(r"[._\-]")


def email_local_key(normalized: str) -> str:
    """The local part of a normalised address as a provider-independent key ("" for role
    mailboxes and short local parts)."""
    local = normalized.rpartition("@")[0]
    if not local or local in ROLE_LOCAL_PARTS:
        return ""
    key = _LOCAL_PUNCTUATION.sub("", local.split("+", 1)[0])
    if len(key) < MIN_LOCAL_KEY_LENGTH or key.isdigit():
        return ""
    return key


# Phones -------------------------------------------------------------------------------------

MIN_NSN_LENGTH = 7


def national_number(e164: str) -> str:
    """The national significant number of an E.164 number ("" when it is not one, or too short
    to tell people apart): the same digits behind a different country code often mean the number
    was typed without its prefix and parsed in the wrong region.

    Country calling codes are prefix-free, so the code is the first 1-3 digits that name one;
    this avoids a full parse (the scan calls it for every phone of every compared person)."""
    if not e164.startswith("+") or not e164[1:].isdigit():
        return ""
    digits = e164[1:]
    for length in (1, 2, 3):
        if int(digits[:length]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            # Leading zeros go: a national form typed with its trunk prefix ("06 67 33 90 91")
            # and read in another region keeps the 0 in its national number; the right parse
            # does not.
            nsn = digits[length:].lstrip("0")
            return nsn if len(nsn) >= MIN_NSN_LENGTH else ""
    return ""


def phone_e164(raw: str, e164: str = "", region: str | None = None) -> str:
    """E.164 of a phone: the stored form when there is one, else parsed from ``raw``."""
    if e164:
        return e164
    text = str(raw).strip()
    if not text:
        return ""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# Names --------------------------------------------------------------------------------------

_TOKEN_SPLIT = re.compile(r"[^\w]+")
#: Words of address that appear in typed display names; never part of the name key.
HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "sir",
        "dott",
        "dottssa",
        "dottoressa",
        "ing",
        "avv",
        "sig",
        "sigra",
        "signor",
        "signora",
        "jr",
        "sr",
    }
)


def canonical_token(token: str) -> str:
    """A folded name token with a known nickname replaced by the name it stands for."""
    return NICKNAMES.get(token, token)


_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def _is_cjk(text: str) -> bool:
    """Chinese characters present (a regular expression: ``search.text.is_cjk`` looks up every
    character's Unicode name, too slow for a scan)."""
    return _CJK.search(text) is not None


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(s for s in lazy_pinyin(text) if s.strip()).casefold()


@functools.lru_cache(maxsize=131072)
def _field_tokens(text: str) -> tuple[str, ...]:
    """Folded tokens of one name field. Chinese text becomes its pinyin as one token (a Chinese
    given or family name is one word however many characters it has). Cached: names repeat a
    lot across a million people, and a scan builds identities for every compared person."""
    folded = fold(text)
    if not folded:
        return ()
    if _is_cjk(folded):
        return (_pinyin(folded.replace(" ", "")),)
    return tuple(t for t in _TOKEN_SPLIT.split(folded) if t and t not in HONORIFICS and t != "_")


def _looks_like_contact_point(text: str) -> bool:
    """Display names derived from an email or a phone are not names."""
    return "@" in text or (bool(text) and sum(ch.isdigit() for ch in text) * 2 >= len(text))


def name_tokens(
    *,
    given_name: str = "",
    family_name: str = "",
    additional_name: str = "",
    display_name: str = "",
    nicknames: Iterable[str] = (),
) -> tuple[str, ...]:
    """The person's name as canonical folded tokens, in given-additional-family order.

    The structured parts win; without them the display name is used (a Chinese display name
    without spaces is split as family name = first character, given name = the rest), then the
    first nickname. Nicknames are canonicalised (Bob -> robert)."""
    tokens = [
        *_field_tokens(given_name),
        *_field_tokens(additional_name),
        *_field_tokens(family_name),
    ]
    if not tokens and display_name and not _looks_like_contact_point(display_name):
        folded = fold(display_name)
        if _is_cjk(folded) and " " not in folded and len(folded) >= 2:
            tokens = [_pinyin(folded[1:]), _pinyin(folded[0])]
        else:
            tokens = list(_field_tokens(display_name))
    if not tokens:
        for nickname in nicknames:
            tokens = list(_field_tokens(str(nickname)))
            if tokens:
                break
    return tuple(canonical_token(t) for t in tokens[:6])


def sorted_name_key(tokens: Iterable[str]) -> str:
    """Tokens in a fixed order, so swapped given and family names give the same key."""
    return " ".join(sorted(tokens))


def _is_latin(token: str) -> bool:
    return all(
        ch.isdigit() or ("LATIN" in unicodedata.name(ch, "")) for ch in token if ch.isalnum()
    )


@functools.lru_cache(maxsize=65536)
def phonetic(token: str) -> str:
    """A sound-alike code of one token (Metaphone for Latin script; other scripts have no
    phonetic algorithm here, so the folded token itself, which already unifies Arabic and
    Persian letter variants)."""
    if not token:
        return ""
    if _is_latin(token):
        code = jellyfish.metaphone(token)
        return code or token
    return token


#: Persian and Arabic letters as Latin ones, for ``name_codes`` only (a skeleton good enough
#: for "مریم" and "Maryam" to share a code; not a transliteration to show anyone).
_ARABIC_LATIN = str.maketrans(
    {
        "ا": "a", "آ": "a", "أ": "a", "إ": "e", "ب": "b", "پ": "p", "ت": "t", "ث": "s",
        "ج": "j", "چ": "ch", "ح": "h", "خ": "kh", "د": "d", "ذ": "z", "ر": "r", "ز": "z",
        "ژ": "zh", "س": "s", "ش": "sh", "ص": "s", "ض": "z", "ط": "t", "ظ": "z", "ع": "",
        "غ": "gh", "ف": "f", "ق": "gh", "ک": "k", "ك": "k", "گ": "g", "ل": "l", "م": "m",
        "ن": "n", "و": "v", "ه": "h", "ة": "h", "ی": "y", "ي": "y", "ى": "y", "ئ": "y",
        "ؤ": "o", "ء": "",
    }
)  # fmt: skip
#: Letter classes of the codes (Soundex's, the first letter included, so that Wade-Giles "chang"
#: and pinyin "zhang" share one); vowels and h, w, y separate nothing.
_LETTER_CLASS = str.maketrans(
    {
        **dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"),
        "l": "4", **dict.fromkeys("mn", "5"), "r": "6",
    }
)  # fmt: skip
_NOT_CLASS = re.compile(r"[^1-6]")


@functools.lru_cache(maxsize=131072)
def letter_classes(token: str) -> str:
    """A token's consonants as Soundex classes, runs collapsed, in any script this knows (Latin;
    Persian/Arabic through a letter skeleton; Chinese is already pinyin in the tokens): "maryam",
    "mariam" and "مریم" give "56"; "zhang" and "chang" give "252"."""
    latin = token.translate(_ARABIC_LATIN)
    classes = _NOT_CLASS.sub("", latin.translate(_LETTER_CLASS))
    return re.sub(r"(.)\1+", r"\1", classes)


def name_codes(person: Identity) -> frozenset[str]:
    """Codes of a person's name for ``linkage.worth_comparing``: the sound of each token, the
    letter classes of each token, its first two letters, and the first letter classes of given
    and family name as a pair (either order). Two records of one person share one of them
    through a typo, a transliteration or a swap; two people picked at random rarely do."""
    codes = {f"s{phonetic(t)}" for t in person.tokens if t}
    classes = {letter_classes(t) for t in person.tokens if t}
    codes.update(f"c{c}" for c in classes if len(c) >= 2)
    codes.update(f"p{t[:2]}" for t in person.tokens if len(t) >= 2)
    given, family = _first(person.given), _first(person.family)
    first_given, first_family = letter_classes(given)[:1], letter_classes(family)[:1]
    if first_given and first_family:
        codes.add("i" + "".join(sorted((first_given, first_family))))
    return frozenset(codes)


def phonetic_key(tokens: Iterable[str]) -> str:
    return " ".join(sorted(phonetic(t) for t in tokens if t))


# Organizations ------------------------------------------------------------------------------

LEGAL_FORMS = frozenset(
    {
        "the",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "snc",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "pty",
        "group",
    }
)


@functools.lru_cache(maxsize=65536)
def organization_key(name: str) -> str:
    """An organization's name without case, accents, punctuation and legal form ("ACME S.p.A."
    and "Acme SpA" give "acme")."""
    folded = fold(name).replace(".", "")
    words = [w for w in _TOKEN_SPLIT.split(folded) if w and w != "_"]
    kept = [w for w in words if w not in LEGAL_FORMS] or words
    return " ".join(kept)


@functools.lru_cache(maxsize=65536)
def _fold_cached(text: str) -> str:
    return fold(text)


def month_day(birthday: str) -> str:
    """MM-DD of a birthday stored as YYYY-MM-DD or --MM-DD; "" when unknown."""
    text = str(birthday or "")
    if len(text) >= 5 and text[-3] == "-":
        return text[-5:]
    return ""


def name_parts(
    *,
    given_name: str = "",
    family_name: str = "",
    additional_name: str = "",
    tokens: tuple[str, ...] = (),
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(given, family) canonical tokens. Structured parts win; a name known only as a whole
    (display name, nickname) counts its last token as the family name (a Chinese name read
    from a display name is already family-last in ``tokens``)."""
    given = tuple(
        canonical_token(t) for t in (*_field_tokens(given_name), *_field_tokens(additional_name))
    )
    family = tuple(canonical_token(t) for t in _field_tokens(family_name))
    if given or family:
        return given, family
    if len(tokens) >= 2:
        return tokens[:-1], tokens[-1:]
    return tokens, ()


_STREET_ABBREVIATIONS = {
    "st": "street",
    "str": "strasse",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "pl": "place",
    "cres": "crescent",
    "ct": "court",
    "dr": "drive",
    "ln": "lane",
    "sq": "square",
    "pde": "parade",
    "cl": "close",
    "hwy": "highway",
    "blvd": "boulevard",
    "v": "via",
    "vle": "viale",
    "pza": "piazza",
    "c": "corso",
}


@functools.lru_cache(maxsize=65536)
def normalize_street(text: str) -> str:
    """A street as folded words, common abbreviations spelled out ("12 Main St." -> "12 main
    street"; "straße" folds to "strasse")."""
    words = [w for w in _TOKEN_SPLIT.split(fold(text)) if w and w != "_"]
    return " ".join(_STREET_ABBREVIATIONS.get(w, w) for w in words)


_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def normalize_postcode(text: str) -> str:
    return _NOT_ALNUM.sub("", str(text or "")).upper()[:12]


def normalize_identifiers(values: Mapping[str, Any]) -> frozenset[str]:
    """ "key=value" of every identifying value: folded, without spaces, dots and dashes (an
    identifier is typed "123-45-678" or "12345678")."""
    found: set[str] = set()
    for key, value in values.items():
        if value is None or isinstance(value, (bool, list, dict)):
            continue
        text = _LOCAL_PUNCTUATION.sub("", fold(str(value))).replace(" ", "")
        if len(text) >= 3:
            found.add(f"{key}={text}")
    return frozenset(found)


def deletions(token: str) -> set[str]:
    """The token and every spelling of it with one letter deleted (a symmetric-deletion
    neighbourhood: two tokens one edit or one transposition apart share one of them)."""
    if len(token) < 4:
        return {token}
    return {token, *(token[:i] + token[i + 1 :] for i in range(len(token)))}


# A person's identity ------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What matching knows of one person: everything normalised once, compared many times."""

    tokens: tuple[str, ...] = ()
    emails: frozenset[str] = field(default_factory=frozenset)
    phones: frozenset[str] = field(default_factory=frozenset)
    organization: str = ""
    birthday: str = ""
    city: str = ""
    #: Derived from emails and phones (by ``identity``), kept so scoring does not recompute them.
    email_locals: frozenset[str] = field(default_factory=frozenset)
    national_numbers: frozenset[str] = field(default_factory=frozenset)
    #: The name in its parts (canonical folded tokens): given (with additional names) and family.
    given: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    #: The preferred address: street (folded words, extended address included) and postcode
    #: (letters and digits, upper case).
    street: str = ""
    postcode: str = ""
    #: What the postcode blocks under: the postcode, or its blind index while the domain keeps
    #: it sealed (``identity(postcode_key=)``), so the stored keys never hold it in clear.
    postcode_block: str = ""
    #: What the full birthday and its month-day block under: themselves, or their blind
    #: indexes while the domain keeps birthdays sealed (``identity(date_key=)``).
    birthday_block: str = ""
    month_day_block: str = ""
    #: What the phones and national numbers block under: themselves, or their blind indexes
    #: while the domain keeps phone numbers sealed (``identity(phone_key=)``).
    phone_blocks: frozenset[str] = field(default_factory=frozenset)
    national_blocks: frozenset[str] = field(default_factory=frozenset)
    #: Values of fields marked identifying, as "key=value" (folded, spaces and dashes removed).
    identifiers: frozenset[str] = field(default_factory=frozenset)


def identity(
    *,
    given_name: str = "",
    family_name: str = "",
    additional_name: str = "",
    display_name: str = "",
    nicknames: Iterable[str] = (),
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    organization: str = "",
    birthday: str = "",
    city: str = "",
    street: str = "",
    postcode: str = "",
    identifiers: Mapping[str, Any] | None = None,
    postcode_key: Callable[[str], str] | None = None,
    date_key: Callable[[str, str], str] | None = None,
    phone_key: Callable[[str, str], str] | None = None,
) -> Identity:
    """Build an Identity from raw values (``phones`` as E.164; ``identifiers`` the values of the
    fields marked identifying, by field key; ``postcode_key`` turns the normalized postcode
    into what it blocks under, e.g. a blind index; ``date_key(part, text)`` likewise the full
    birthday (``part`` "birthday") and its month-day (``part`` "month_day"), and
    ``phone_key(kind, number)`` each phone (``kind`` "e164") and national number ("nsn"))."""
    normalized_postcode = normalize_postcode(postcode)
    born = str(birthday or "")
    day = month_day(born)
    full = born if len(born) == 10 and born[:4].isdigit() else ""
    normalized_emails = frozenset(e for e in map(normalize_email, emails) if e)
    e164s = frozenset(p for p in phones if p)
    nsns = frozenset(n for n in map(national_number, e164s) if n)
    tokens = name_tokens(
        given_name=given_name,
        family_name=family_name,
        additional_name=additional_name,
        display_name=display_name,
        nicknames=nicknames,
    )
    given, family = name_parts(
        given_name=given_name,
        family_name=family_name,
        additional_name=additional_name,
        tokens=tokens,
    )
    return Identity(
        tokens=tokens,
        given=given,
        family=family,
        street=normalize_street(street),
        postcode=normalized_postcode,
        postcode_block=postcode_key(normalized_postcode)
        if postcode_key and normalized_postcode
        else normalized_postcode,
        identifiers=normalize_identifiers(identifiers or {}),
        emails=normalized_emails,
        phones=e164s,
        organization=organization_key(organization) if organization else "",
        birthday=born,
        birthday_block=date_key("birthday", full) if date_key and full else full,
        month_day_block=date_key("month_day", day) if date_key and day else day,
        city=_fold_cached(city),
        email_locals=frozenset(k for k in map(email_local_key, normalized_emails) if k),
        national_numbers=nsns,
        phone_blocks=frozenset(phone_key("e164", p) for p in e164s) if phone_key else e164s,
        national_blocks=frozenset(phone_key("nsn", n) for n in nsns) if phone_key else nsns,
    )


def _first(tokens: tuple[str, ...]) -> str:
    return tokens[0] if tokens else ""


def neighbourhood_key(person: Identity) -> str:
    """The sorted-neighbourhood key: family then given name ("" without both)."""
    family, given = " ".join(person.family), " ".join(person.given)
    if not family or not given:
        return ""
    return f"{family} {given}"


def blocking_keys(person: Identity) -> set[tuple[str, str]]:
    """(kind, key) pairs under which ``person`` is indexed; two records sharing one are compared
    (``SORTED_NAME`` keys: compared with their neighbours in key order). See the module
    docstring and ``BIRTHDAY`` above for the rules."""
    keys: set[tuple[str, str]] = set()
    keys.update((EMAIL, e) for e in person.emails if not is_role_mailbox(e))
    keys.update((EMAIL_LOCAL, k) for k in person.email_locals)
    keys.update((PHONE, p) for p in person.phone_blocks)
    keys.update((PHONE_NSN, n) for n in person.national_blocks)
    keys.update((IDENTIFIER, i) for i in person.identifiers)
    sounds = {phonetic(t) for t in person.tokens if len(t) >= 2}
    if person.month_day_block:
        keys.update((NAME_BIRTHDAY, f"{person.month_day_block}|{s}") for s in sounds)
    if person.birthday_block:
        keys.add((BIRTHDAY, person.birthday_block))
    given, family = _first(person.given), _first(person.family)
    if person.postcode_block:
        keys.update(
            (POSTCODE_NAME, f"{person.postcode_block}|{phonetic(t)}") for t in (given, family) if t
        )
    if given and family:
        keys.add((NAME_SOUND, " ".join(sorted((phonetic(given), phonetic(family))))))
        # The family name only (a key per letter of it): the given name's typos are left to
        # the sound of the name, the birthday, the postcode and the neighbourhood, so that a
        # million people carry ~8 of these keys each, not ~15.
        keys.update((NAME_DELETE, f"{d}|{given[0]}") for d in deletions(family))
    sorted_key = neighbourhood_key(person)
    if sorted_key:
        keys.add((SORTED_NAME, sorted_key))
    return {(kind, key[:MAX_KEY_LENGTH]) for kind, key in keys if key}
