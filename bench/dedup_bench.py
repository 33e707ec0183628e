"""Duplicate-scan benchmark: precision, recall, F1 and time of the real scan on planted duplicates.

Run it with ``.venv/bin/python bench/run.py --only dedup --sizes 100000,1000000 --engines
sqlite,postgresql`` (``--help`` for the rest). For each size and database it runs itself in a
child process (Django is configured once per process, and each run gets its own peak RSS):

1. **Generate** a population of ``size`` contacts: base people with names from seven locales
   (Italian, English, German, French, Spanish, Chinese, Persian), emails at several providers
   (Gmail with dots and +tags, Outlook, Yahoo, national providers, company domains), mobile
   phones of the country they live in, organizations of Zipf-like sizes, some birthdays. About
   5% of the rows are **planted duplicates** of a base person (ground truth kept): a typo of
   one or two edits in the given or family name, swapped given and family names, the phone typed
   another way (spaces, dashes, 00 prefix, national form), a nickname (from
   ``rubrica.dedup.nicknames``), the same local part at another provider or a Gmail dot/+tag
   spelling, a dropped email or phone, or two of these at once. Only people with an email or a
   phone get duplicates: a record holding nothing but a common name is not one anybody could
   tell apart. **Hard negatives** are planted too: many different people with the same common
   name ("Mario Rossi", "John Smith", "王伟", ...), some at the same organization, and
   households whose members share the family name, a landline and sometimes a family mailbox.
2. **Seed** the rows in bulk straight into the tables (``bench.seed.Table``: ``executemany`` on
   SQLite, ``COPY`` on PostgreSQL), bypassing the services on purpose, into a database of its
   own (``var/bench/dedup-N.sqlite3`` or the ``rubrica_dedup_bench`` PostgreSQL database, both
   recreated per run), then build the key index with the real ``rubrica.dedup.reindex`` (timed
   apart as "key index build").
3. **Scan** with the real runner through the jobs app (``job_create(kind="dedup_scan",
   enqueue=False)`` + ``job_run``), timing it and its peak RSS (``VmHWM``, reset before the
   scan), then score the open pairs against the ground truth: a pair counts once, and any two
   records of one planted cluster are a true pair.
4. **Naive baseline**: every pair of a random sample (2,000 people) is scored with the same
   ``score``; the time is extrapolated quadratically to the whole population.

The parent prints a table, writes ``var/bench/dedup-<engine>-<size>.json`` and replaces its
section of ``docs/benchmarks.md`` (between the ``bench:dedup`` markers).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, combinations
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TARGET_F1 = 0.97
TARGET_SECONDS_1M = 600.0
DUPLICATE_SHARE = 0.05
PG_DATABASE = "rubrica_dedup_bench"
DOCS_BEGIN = "<!-- bench:dedup:begin -->"
DOCS_END = "<!-- bench:dedup:end -->"

# --- the population -------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: (given names, family names) per locale; Latin unless said otherwise. Names that have a
#: nickname in rubrica.dedup.nicknames are deliberately frequent.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "it": (
        _words(
            "Marco Giulia Alessandro Francesca Luca Chiara Matteo Sara Lorenzo Martina Andrea "
            "Elena Giovanni Valentina Davide Federica Simone Alessia Riccardo Silvia Stefano "
            "Paola Tommaso Beatrice Gabriele Anna Nicola Laura Pietro Roberta Giuseppe Maria "
            "Antonio Lucia Salvatore Rosa Francesco Vincenzo Luigi Filippo Domenico Elisabetta "
            "Rosario Mario Niccolò Agnese"
        ),
        _words(
            "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
            "Conti De_Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro "
            "Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale "
            "Lombardo Serra Coppola De_Santis D'Angelo Marchetti Parisi Villa Conte Ferraro "
            "Fabbri Bianco Marini Grasso Valentini Messina"
        ),
    ),
    "en": (
        _words(
            "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David "
            "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Nancy "
            "Daniel Lisa Matthew Betty Anthony Margaret Mark Sandra Oliver Amelia Harry Olivia "
            "George Emily Edward Catherine Peter Stephen Rebecca Samuel Timothy Victoria"
        ),
        _words(
            "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
            "Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen "
            "King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner "
            "Phillips Campbell Parker Evans Edwards Collins Stewart Morris O'Brien Murphy Cook "
            "Rogers Morgan Cooper"
        ),
    ),
    "de": (
        _words(
            "Lukas Jonas Leon Felix Maximilian Paul Tobias Anna Lena Laura Sophie Marie Johanna "
            "Katharina Thomas Stefan Andreas Michael Sabine Petra Jürgen Uwe Heike Monika"
        ),
        _words(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schäfer Koch "
            "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
            "Hartmann Lange"
        ),
    ),
    "fr": (
        _words(
            "Louis Gabriel Jules Hugo Arthur Lucas Nathan Camille Léa Manon Chloé Inès Juliette "
            "Zoé Nicolas Philippe Isabelle Nathalie Sophie Pierre"
        ),
        _words(
            "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
            "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier"
        ),
    ),
    "es": (
        _words(
            "Antonio Manuel José Francisco David Juan Javier Daniel Carlos Alejandro María Carmen "
            "Ana Laura Isabel Lucía Cristina Marta Elena Pilar"
        ),
        _words(
            "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
            "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez"
        ),
    ),
    "zh": (
        _words(
            "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 "
            "平 刚 建华 晓明 志强 海燕 欣怡 子涵 浩然 梓萱 宇轩 雨桐 俊杰 思远 "
            "嘉怡 文博 佳琪 一鸣"
        ),
        _words(
            "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 "
            "谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 欧阳 司马"
        ),
    ),
    "fa": (
        _words(
            "محمد علی حسین رضا مهدی امیر سارا مریم فاطمه زهرا نیلوفر پریسا کیان آرش بهرام داریوش "
            "شیرین لیلا نگار پرستو سینا کاوه یاسمن مینا فرهاد بابک الهام ساناز امید حمید"
        ),
        _words(
            "محمدی حسینی احمدی رضایی کریمی موسوی جعفری صادقی رحیمی کاظمی قاسمی نوری هاشمی عباسی "
            "تهرانی شیرازی اصفهانی طاهری بهرامی یزدانی فرهادی نجفی سلیمانی اکبری زارعی میرزایی "
            "ملکی امینی کرمانی رستمی"
        ),
    ),
}
#: Romanisation of the non-Latin names, for email addresses.
LATIN: dict[str, str] = {
    item.partition(":")[0]: item.partition(":")[2]
    for item in _words(
        "伟:wei 芳:fang 娜:na 秀英:xiuying 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun "
        "洋:yang 勇:yong 艳:yan 杰:jie 娟:juan 涛:tao 明:ming 超:chao 秀兰:xiulan 霞:xia "
        "平:ping 刚:gang 建华:jianhua 晓明:xiaoming 志强:zhiqiang 海燕:haiyan 欣怡:xinyi "
        "子涵:zihan 浩然:haoran 梓萱:zixuan 宇轩:yuxuan 雨桐:yutong 俊杰:junjie 思远:siyuan "
        "嘉怡:jiayi 文博:wenbo 佳琪:jiaqi 一鸣:yiming 王:wang 李:li 张:zhang 刘:liu 陈:chen "
        "杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun 马:ma 朱:zhu 胡:hu 郭:guo 何:he "
        "高:gao 林:lin 罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang 许:xu 韩:han 冯:feng "
        "邓:deng 曹:cao 彭:peng 曾:zeng 肖:xiao 田:tian 董:dong 袁:yuan 潘:pan 于:yu 蒋:jiang "
        "蔡:cai 欧阳:ouyang 司马:sima محمد:mohammad علی:ali حسین:hossein رضا:reza مهدی:mahdi "
        "امیر:amir سارا:sara مریم:maryam فاطمه:fatemeh زهرا:zahra نیلوفر:niloufar "
        "پریسا:parisa کیان:kian آرش:arash بهرام:bahram داریوش:dariush شیرین:shirin لیلا:leila "
        "نگار:negar پرستو:parastoo سینا:sina کاوه:kaveh یاسمن:yasaman مینا:mina فرهاد:farhad "
        "بابک:babak الهام:elham ساناز:sanaz امید:omid حمید:hamid محمدی:mohammadi "
        "حسینی:hosseini احمدی:ahmadi رضایی:rezaei کریمی:karimi موسوی:mousavi جعفری:jafari "
        "صادقی:sadeghi رحیمی:rahimi کاظمی:kazemi قاسمی:ghasemi نوری:nouri هاشمی:hashemi "
        "عباسی:abbasi تهرانی:tehrani شیرازی:shirazi اصفهانی:esfahani طاهری:taheri "
        "بهرامی:bahrami یزدانی:yazdani فرهادی:farhadi نجفی:najafi سلیمانی:soleimani "
        "اکبری:akbari زارعی:zarei میرزایی:mirzaei ملکی:maleki امینی:amini کرمانی:kermani "
        "رستمی:rostami"
    )
}
LOCALE_WEIGHTS = {"it": 30, "en": 28, "de": 8, "fr": 8, "es": 8, "zh": 10, "fa": 8}
#: Common names planted many times over (different people): the namesake trap.
COMMON_NAMES = (
    ("it", "Mario", "Rossi"),
    ("it", "Giuseppe", "Russo"),
    ("en", "John", "Smith"),
    ("en", "Mary", "Johnson"),
    ("de", "Thomas", "Müller"),
    ("es", "María", "García"),
    ("fr", "Nicolas", "Martin"),
    ("zh", "伟", "王"),
    ("fa", "محمد", "محمدی"),
)


@dataclass(frozen=True)
class Country:
    code: str  # ISO region, for phonenumbers
    name: str
    calling: str
    cities: tuple[str, ...]
    mobile: tuple[str, ...]  # national mobile prefixes
    length: int  # national significant number length
    trunk: str  # national trunk prefix ("" when none)
    providers: tuple[str, ...]  # national mail providers


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country("IT", "Italy", "39", ("Roma", "Milano", "Napoli", "Torino", "Bologna", "Firenze"),
                ("320", "328", "333", "338", "340", "347", "349", "393"), 10, "",
                ("libero.it", "virgilio.it", "tiscali.it")),
        Country("US", "United States", "1", ("New York", "Chicago", "Boston", "Seattle"),
                ("212", "310", "312", "617", "206", "415"), 10, "1", ("aol.com", "comcast.net")),
        Country("GB", "United Kingdom", "44", ("London", "Manchester", "Leeds", "Bristol"),
                ("7700", "7911", "7400", "7500"), 10, "0", ("btinternet.com", "sky.com")),
        Country("DE", "Germany", "49", ("Berlin", "München", "Hamburg", "Köln"),
                ("151", "160", "170", "176"), 11, "0", ("web.de", "gmx.de", "t-online.de")),
        Country("FR", "France", "33", ("Paris", "Lyon", "Marseille", "Toulouse"),
                ("6", "7"), 9, "0", ("orange.fr", "free.fr", "laposte.net")),
        Country("ES", "Spain", "34", ("Madrid", "Barcelona", "Valencia", "Sevilla"),
                ("6", "7"), 9, "", ("telefonica.net", "terra.es")),
        Country("CN", "China", "86", ("北京", "上海", "广州", "深圳", "成都"),
                ("130", "135", "138", "139", "186"), 11, "", ("qq.com", "163.com", "126.com")),
        Country("IR", "Iran", "98", ("تهران", "مشهد", "اصفهان", "شیراز"),
                ("912", "935", "919", "901"), 10, "0", ("chmail.ir", "yahoo.com")),
    )
}  # fmt: skip
HOMES: dict[str, tuple[tuple[str, int], ...]] = {
    "it": (("IT", 88), ("DE", 4), ("GB", 4), ("FR", 4)),
    "en": (("US", 55), ("GB", 40), ("IT", 5)),
    "de": (("DE", 90), ("GB", 5), ("US", 5)),
    "fr": (("FR", 90), ("GB", 5), ("ES", 5)),
    "es": (("ES", 90), ("FR", 5), ("US", 5)),
    "zh": (("CN", 80), ("US", 15), ("IT", 5)),
    "fa": (("IR", 75), ("DE", 15), ("US", 10)),
}
GLOBAL_PROVIDERS = ("gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com")
PROVIDER_WEIGHTS = (40, 15, 8, 8, 6)
ORG_WORDS = (
    "Tecnologie", "Logistics", "Consulting", "Maschinenbau", "Bank", "Foods", "Design",
    "Energia", "Pharma", "Studio", "Software", "Trading", "Immobiliare", "Vins", "Media",
)  # fmt: skip
ORG_FORMS = ("S.p.A.", "SRL", "Ltd", "Inc.", "GmbH", "AG", "SARL", "S.A.", "LLC", "")
#: Variations of a planted duplicate, with their weights.
VARIATIONS = {
    "typo": 20,
    "swap": 10,
    "phone_format": 20,
    "nickname": 12,
    "email_provider": 14,
    "gmail_variant": 8,
    "drop_contact_point": 8,
    "moved_city": 8,
}
KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


@dataclass
class Row:
    """One contact as the seeder writes it."""

    given: str
    family: str
    locale: str
    country: str
    city: str
    emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (as typed, E.164)
    organization: int | None = None  # index into the organization list
    birthday: str = ""
    # ground truth (not written to the contact)
    cluster: int = 0  # planted duplicate cluster (0: none)
    variations: tuple[str, ...] = ()
    group: str = ""  # "common:<name>" / "household:<n>" for hard negatives


@dataclass
class Truth:
    """The ground truth of a generated population, by contact id."""

    clusters: dict[int, list[int]] = field(default_factory=dict)  # cluster -> contact ids
    variations: dict[int, list[str]] = field(default_factory=dict)  # duplicate id -> variations
    groups: dict[int, str] = field(default_factory=dict)  # contact id -> hard-negative group
    rows: int = 0
    planted_records: int = 0
    households: int = 0
    common_name_people: int = 0

    @property
    def true_pairs(self) -> int:
        return sum(len(ids) * (len(ids) - 1) // 2 for ids in self.clusters.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "clusters": self.clusters,
            "variations": self.variations,
            "groups": self.groups,
            "rows": self.rows,
            "planted_records": self.planted_records,
            "households": self.households,
            "common_name_people": self.common_name_people,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Truth:
        return cls(
            clusters={int(k): v for k, v in data["clusters"].items()},
            variations={int(k): v for k, v in data["variations"].items()},
            groups={int(k): v for k, v in data["groups"].items()},
            rows=data["rows"],
            planted_records=data["planted_records"],
            households=data["households"],
            common_name_people=data["common_name_people"],
        )


def _nickname_table() -> dict[str, list[str]]:
    from rubrica.dedup.nicknames import NICKNAMES

    table: dict[str, list[str]] = defaultdict(list)
    for nickname, canonical in NICKNAMES.items():
        if nickname != canonical and len(nickname) >= 2:
            table[canonical].append(nickname)
    return dict(table)


def _latin(name: str) -> str:
    """An ASCII spelling of a name for an email address."""
    import unicodedata

    name = LATIN.get(name, name)
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.casefold() if ch.isalnum())


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text)


def typo(rng: random.Random, word: str, edits: int) -> str:
    """``word`` with ``edits`` random edits (substitution, deletion, insertion, transposition),
    never turning it into an empty or one-letter word."""
    chars = list(word)
    for _ in range(edits):
        if len(chars) < 3:
            break
        i = rng.randrange(1, len(chars))  # first letters are seldom mistyped
        # A short name loses no letter: "Zoe" typed "Zo" is another name.
        op = rng.choice(("sub", "del", "ins", "swap") if len(chars) > 4 else ("sub", "ins", "swap"))
        if op == "sub":
            chars[i] = rng.choice(KEYBOARD)
        elif op == "del":
            del chars[i]
        elif op == "ins":
            chars.insert(i, rng.choice(KEYBOARD))
        elif i < len(chars) - 1:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i - 1], chars[i] = chars[i], chars[i - 1]
    return "".join(chars)


class Generator:
    """A deterministic population of ``size`` contacts (see the module docstring)."""

    def __init__(self, size: int, seed: int = 20_261_122) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.nicknames = _nickname_table()
        from rubrica.dedup.nicknames import NICKNAMES

        self.canonical = dict(NICKNAMES)
        self.used_locals: set[str] = set()
        self.used_phones: set[str] = set()
        self.org_count = max(20, size // 40)
        rng = self.rng
        self.organizations: list[tuple[str, str]] = []  # (name, email domain)
        for index in range(self.org_count):
            family = rng.choice(NAMES[rng.choice(("it", "en", "de", "fr", "es"))][1])
            word = rng.choice(ORG_WORDS)
            name = f"{family.replace('_', ' ')} {word} {rng.choice(ORG_FORMS)}".strip()
            domain = f"{_latin(family)}{_latin(word)}{index}.example"
            self.organizations.append((name, domain))
        # Zipf-like sizes: a few organizations with thousands of people, most with a handful.
        self.org_cumulative = list(
            accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(self.org_count))
        )
        self.org_range = range(self.org_count)
        self.cluster = 0
        self.household = 0
        # Planted clusters per eligible base person, so that duplicates are ~5% of the rows.
        self.cluster_rate = DUPLICATE_SHARE / (1 - DUPLICATE_SHARE) / 1.15 / 0.93

    # base people -----------------------------------------------------------------------------
    def _country(self, locale: str) -> Country:
        codes, weights = zip(*HOMES[locale], strict=True)
        return COUNTRIES[self.rng.choices(codes, weights)[0]]

    def _local(self, given: str, family: str) -> str:
        """A mailbox name, unique across the population once punctuation is dropped (two people
        can share a common name, not a mailbox name; see the docs for what this assumes)."""
        rng = self.rng
        g, f = _latin(given), _latin(family.replace("_", ""))
        style = rng.random()
        if style < 0.45:
            base = f"{g}.{f}"
        elif style < 0.65:
            base = f"{g}{f}"
        elif style < 0.8:
            base = f"{g[:1]}.{f}"
        elif style < 0.9:
            base = f"{g}_{f}"
        else:
            base = f"{f}.{g}"
        local = base
        while local.replace(".", "").replace("_", "") in self.used_locals or len(local) < 5:
            local = f"{base}{rng.randint(1, 9999)}"
        self.used_locals.add(local.replace(".", "").replace("_", ""))
        return local

    def _mobile(self, country: Country) -> tuple[str, str]:
        rng = self.rng
        while True:
            prefix = rng.choice(country.mobile)
            rest = "".join(rng.choice("0123456789") for _ in range(country.length - len(prefix)))
            national = prefix + rest
            e164 = f"+{country.calling}{national}"
            if e164 not in self.used_phones:
                self.used_phones.add(e164)
                raw = f"+{country.calling} {national[:3]} {national[3:6]} {national[6:]}"
                return raw, e164

    def _email(self, local: str, country: Country, organization: int | None) -> str:
        rng = self.rng
        if organization is not None and rng.random() < 0.35:
            return f"{local}@{self.organizations[organization][1]}"
        if rng.random() < 0.25:
            return f"{local}@{rng.choice(country.providers)}"
        return f"{local}@{rng.choices(GLOBAL_PROVIDERS, PROVIDER_WEIGHTS)[0]}"

    def person(self, locale: str, given: str, family: str, group: str = "") -> Row:
        rng = self.rng
        country = self._country(locale)
        row = Row(given, family, locale, country.code, rng.choice(country.cities), group=group)
        if rng.random() < 0.5:
            row.organization = rng.choices(self.org_range, cum_weights=self.org_cumulative)[0]
        if rng.random() < 0.88:
            row.emails.append(self._email(self._local(given, family), country, row.organization))
            if rng.random() < 0.12:
                row.emails.append(self._email(self._local(given, family), country, None))
        if rng.random() < 0.75:
            row.phones.append(self._mobile(country))
        if rng.random() < 0.25:
            row.birthday = (
                f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            )
        return row

    def _names(self, locale: str) -> tuple[str, str]:
        givens, families = NAMES[locale]
        return self.rng.choice(givens), self.rng.choice(families)

    # planted duplicates ----------------------------------------------------------------------
    def duplicate(self, base: Row, variations: Sequence[str]) -> Row:
        rng = self.rng
        dup = Row(
            base.given,
            base.family,
            base.locale,
            base.country,
            base.city,
            list(base.emails),
            list(base.phones),
            base.organization if rng.random() < 0.85 else None,
            base.birthday if rng.random() < 0.85 else "",
            cluster=base.cluster,
            variations=tuple(variations),
        )
        country = COUNTRIES[base.country]
        for variation in variations:
            if variation == "typo":
                which = "given" if rng.random() < 0.5 else "family"
                word = getattr(dup, which)
                # Two slips in one short name would make it another name: two edits only in
                # names of six letters or more.
                edits = 2 if len(word) >= 6 and rng.random() < 0.3 else 1
                setattr(dup, which, typo(rng, word, edits))
            elif variation == "swap":
                dup.given, dup.family = dup.family, dup.given
            elif variation == "nickname":
                from rubrica.search.text import fold

                which = "family" if dup.family == base.given else "given"  # after a swap
                options = self.nicknames.get(fold(getattr(dup, which)), [])
                if options:
                    setattr(dup, which, rng.choice(options).title())
            elif variation == "phone_format":
                dup.phones = [self._reformat(raw, e164, country) for raw, e164 in dup.phones]
            elif variation == "email_provider":
                dup.emails = [self._other_provider(email) for email in dup.emails[:1]]
            elif variation == "gmail_variant":
                dup.emails = [self._gmail_variant(email) for email in dup.emails]
            elif variation == "drop_contact_point":
                if dup.emails and dup.phones:
                    if rng.random() < 0.5:
                        dup.emails = []
                    else:
                        dup.phones = []
            elif variation == "moved_city":
                dup.city = rng.choice([c for c in country.cities if c != base.city] or [dup.city])
        return dup

    def _reformat(self, raw: str, e164: str, country: Country) -> tuple[str, str]:
        """The same number typed another way; its E.164 as the services would store it."""
        from rubrica.core import normalize

        country = next((c for c in COUNTRIES.values() if e164.startswith(f"+{c.calling}")), country)
        national = e164[1 + len(country.calling) :]
        rng = self.rng
        forms = [
            f"+{country.calling}{national}",
            f"00{country.calling} {national[:3]}-{national[3:6]}-{national[6:]}",
            f"+{country.calling} ({national[:3]}) {national[3:6]} {national[6:]}",
            f"{country.trunk}{national[:3]} {national[3:]}",  # national form, no country code
            f"{country.trunk}{national[:3]}-{national[3:6]}-{national[6:]}",
        ]
        typed = rng.choice(forms)
        try:
            return typed, normalize.phone(typed).e164
        except ValueError:  # a national form the default region cannot read: typed anew
            return forms[1], e164

    def _other_provider(self, email: str) -> str:
        local, _at, domain = email.rpartition("@")
        choices = [
            p for p in (*GLOBAL_PROVIDERS, "proton.me", "libero.it", "web.de") if p != domain
        ]
        return f"{local}@{self.rng.choice(choices)}"

    def _gmail_variant(self, email: str) -> str:
        rng = self.rng
        local, _at, domain = email.rpartition("@")
        if domain != "gmail.com":
            return self._other_provider(email)
        plain = local.replace(".", "")
        if rng.random() < 0.5 and len(plain) > 3:
            cut = rng.randrange(1, len(plain) - 1)
            local = f"{plain[:cut]}.{plain[cut:]}"
        else:
            local = plain
        if rng.random() < 0.6:
            local += f"+{rng.choice(('news', 'shop', 'work', 'crm', 'spam'))}"
        if rng.random() < 0.3:
            local = local.capitalize()
        return f"{local}@{rng.choice(('gmail.com', 'googlemail.com'))}"

    def _variations(self, base: Row) -> list[str]:
        rng = self.rng
        names, weights = zip(*VARIATIONS.items(), strict=True)
        wanted = 2 if rng.random() < 0.3 else 1
        chosen: list[str] = []
        while len(chosen) < wanted:
            variation = rng.choices(names, weights)[0]
            if variation in chosen:
                continue
            if variation == "nickname" and not self.nicknames.get(_fold(base.given)):
                variation = "typo"
            if variation == "typo" and not (_is_latin(base.given) and _is_latin(base.family)):
                variation = "swap"
            if variation == "phone_format" and not base.phones:
                variation = "email_provider"
            if variation in ("email_provider", "gmail_variant") and not base.emails:
                variation = "phone_format"
            if variation == "drop_contact_point" and not (base.emails and base.phones):
                variation = "moved_city"
            if variation not in chosen:
                chosen.append(variation)
        return chosen

    # the whole population --------------------------------------------------------------------
    def rows(self) -> Iterable[Row]:
        """Rows in the order they are inserted (ids 1..size); duplicates come a little after
        their base person, households together."""
        rng = self.rng
        locales, weights = zip(*LOCALE_WEIGHTS.items(), strict=True)
        emitted = 0
        pending: list[tuple[int, Row]] = []  # (emit at, row): duplicates entered later
        while emitted < self.size:
            due = [row for at, row in pending if at <= emitted]
            if due:
                pending = [(at, row) for at, row in pending if at > emitted]
                for row in due[: self.size - emitted]:
                    yield row
                    emitted += 1
                continue
            roll = rng.random()
            batch: list[Row] = []
            if roll < 0.006:  # a namesake of a common name
                locale, given, family = rng.choice(COMMON_NAMES)
                batch.append(self.person(locale, given, family, group=f"common:{given} {family}"))
            elif roll < 0.026:  # a household: two to four people, one landline, one surname
                self.household += 1
                locale = rng.choices(locales, weights)[0]
                family = self._names(locale)[1]
                country = self._country(locale)
                landline = self._mobile(country)
                city = rng.choice(country.cities)
                shared_mail = (
                    f"{self._local('famiglia' if locale == 'it' else 'family', family)}"
                    f"@{rng.choices(GLOBAL_PROVIDERS, PROVIDER_WEIGHTS)[0]}"
                    if rng.random() < 0.3
                    else ""
                )
                # Distinct first names, also once nicknames are resolved (no Elizabeth and
                # Betty in one family: that would be one person twice).
                givens = list(
                    {
                        self.canonical.get(_fold(name), _fold(name)): name
                        for name in rng.sample(NAMES[locale][0], rng.randint(2, 4))
                    }.values()
                )
                for given in givens:
                    member = self.person(locale, given, family, group=f"household:{self.household}")
                    member.country, member.city = country.code, city
                    member.phones.append(landline)
                    if shared_mail:
                        member.emails.append(shared_mail)
                    batch.append(member)
            else:
                locale = rng.choices(locales, weights)[0]
                batch.append(self.person(locale, *self._names(locale)))
            for row in batch:
                if (row.emails or row.phones) and rng.random() < self.cluster_rate:
                    self.cluster += 1
                    row.cluster = self.cluster  # set before the row is handed out
                    for copy in range(2 if rng.random() < 0.15 else 1):
                        # A second copy never drops a contact point: two copies that each
                        # dropped a different one share nothing but their base person.
                        variations = self._variations(row)
                        if copy and "drop_contact_point" in variations:
                            variations.remove("drop_contact_point")
                            variations = variations or ["phone_format" if row.phones else "swap"]
                        dup = self.duplicate(row, variations)
                        pending.append((emitted + rng.randint(1, 500), dup))
                yield row
                emitted += 1
                if emitted >= self.size:
                    return


def _fold(text: str) -> str:
    from rubrica.search.text import fold

    return fold(text)


# --- seeding ----------------------------------------------------------------------------------


@dataclass
class SeedFigures:
    rows: int = 0
    emails: int = 0
    phones: int = 0
    organizations: int = 0
    seconds: float = 0.0
    keys: int = 0
    key_seconds: float = 0.0
    key_cpu_seconds: float = float("nan")


def seed(
    size: int, *, batch: int = 10_000, seed_value: int = 20_261_122, analyze: bool = True
) -> tuple[SeedFigures, Truth]:
    """Generate and insert ``size`` contacts into an empty database; returns figures and the
    ground truth (by contact id). Not the services: bulk rows, as ``bench.seed`` does."""
    from django.db import connection, transaction

    from bench.seed import Table, _create_indexes, _drop_indexes, _reset_sequences, names_for
    from bench.seed import analyze as analyze_db
    from rubrica.contacts.models import Contact, ContactEmail, ContactPhone
    from rubrica.organizations.models import Organization

    admin = bench_admin()
    figures, truth = SeedFigures(), Truth()
    began = time.perf_counter()
    generator = Generator(size, seed_value)
    rng = random.Random(seed_value + 1)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-262144")
            cursor.execute("PRAGMA synchronous=OFF")
    orgs = Organization.objects.bulk_create(
        [
            Organization(owner=admin, name=name, sort_name=name.casefold(), visibility="everyone")
            for name, _domain in generator.organizations
        ],
        batch_size=2000,
    )
    org_ids = [org.pk for org in orgs]
    figures.organizations = len(org_ids)
    contacts = Table(
        Contact,
        (
            "id", "uid", "owner_id", "visibility", "created_at", "updated_at", "given_name",
            "family_name", "display_name", "sort_name", "primary_email", "primary_phone",
            "city", "country", "organization_id", "birthday", "source",
        ),
    )  # fmt: skip
    emails = Table(ContactEmail, ("contact_id", "label", "is_preferred", "position", "value"))
    phones = Table(ContactPhone, ("contact_id", "label", "is_preferred", "position", "raw", "e164"))
    tables = [m._meta.db_table for m in (Contact, ContactEmail, ContactPhone)]
    # Indexes are built once after the load, unless inside a transaction (tests), where
    # PostgreSQL refuses to build them over rows with pending constraint checks.
    indexes = [] if connection.in_atomic_block else _drop_indexes(tables)
    stamp = adapt(now)
    rows = generator.rows()
    pk = 0
    done = False
    while not done:
        people: list[tuple[Any, ...]] = []
        email_rows: list[tuple[Any, ...]] = []
        phone_rows: list[tuple[Any, ...]] = []
        for row in rows:
            pk += 1
            given, family = row.given.replace("_", " "), row.family.replace("_", " ")
            display, sort_name = names_for(given, family)
            for position, value in enumerate(row.emails):
                email_rows.append(
                    (pk, "work" if position else "home", position == 0, position, value)
                )
            for position, (raw, e164) in enumerate(row.phones):
                phone_rows.append((pk, "mobile", position == 0, position, raw, e164))
            people.append(
                (
                    pk,
                    f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                    admin.pk,
                    "everyone",
                    stamp,
                    stamp,
                    given,
                    family,
                    display,
                    sort_name,
                    row.emails[0] if row.emails else "",
                    row.phones[0][1] if row.phones else "",
                    row.city,
                    COUNTRIES[row.country].name,
                    org_ids[row.organization] if row.organization is not None else None,
                    row.birthday,
                    "dedup-benchmark",
                )
            )
            if row.cluster:
                truth.clusters.setdefault(row.cluster, []).append(pk)
                if row.variations:
                    truth.variations[pk] = list(row.variations)
                    truth.planted_records += 1
            if row.group:
                truth.groups[pk] = row.group
                if row.group.startswith("common:"):
                    truth.common_name_people += 1
            if len(people) >= batch:
                break
        else:
            done = True
        with transaction.atomic():
            contacts.insert(people)
            figures.emails += emails.insert(email_rows)
            figures.phones += phones.insert(phone_rows)
        figures.rows += len(people)
    _create_indexes(indexes)
    _reset_sequences([Contact])
    if analyze:
        analyze_db()
    figures.seconds = time.perf_counter() - began
    truth.rows = figures.rows
    truth.households = generator.household
    # A cluster whose duplicates were cut off by the end of the population is no cluster.
    truth.clusters = {c: ids for c, ids in truth.clusters.items() if len(ids) > 1}
    return figures, truth


def bench_admin() -> Any:
    from rubrica.accounts.models import User
    from rubrica.accounts.services import user_create

    existing = User.objects.filter(username="dedup-bench").first()
    if existing is not None:
        return existing
    user, _password = user_create(
        actor=None, username="dedup-bench", role="admin", email="dedup-bench@example.org"
    )
    return user


# --- measuring --------------------------------------------------------------------------------


def reset_peak_rss() -> None:
    """Start a new peak for VmHWM (Linux: writing 5 to clear_refs resets it)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Quality:
    found: int
    true_pairs: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    clusters: int = 0
    clusters_joined: int = 0
    missed_by_variation: dict[str, int] = field(default_factory=dict)
    false_positives_by_kind: dict[str, int] = field(default_factory=dict)
    examples_missed: list[list[int]] = field(default_factory=list)
    examples_false: list[list[int]] = field(default_factory=list)


def evaluate(found: Iterable[tuple[int, int]], truth: Truth) -> Quality:
    """Precision, recall and F1 of ``found`` pairs (ids in either order; a pair counts once)
    against the planted clusters: two records of one cluster are a true pair, any other pair
    is a false one. Misses are counted by the variations of the duplicate involved, false
    pairs by the hard-negative group they come from."""
    cluster_of = {pk: c for c, ids in truth.clusters.items() for pk in ids}
    pairs = {(min(a, b), max(a, b)) for a, b in found if a != b}
    true_pairs = {
        (min(a, b), max(a, b)) for ids in truth.clusters.values() for a, b in combinations(ids, 2)
    }
    hits = pairs & true_pairs
    tp = len(hits)
    precision = tp / len(pairs) if pairs else 1.0
    recall = tp / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    missed: Counter[str] = Counter()
    examples_missed: list[list[int]] = []
    for a, b in sorted(true_pairs - hits):
        labels = sorted(set(truth.variations.get(a, [])) | set(truth.variations.get(b, [])))
        if a in truth.variations and b in truth.variations:
            labels = ["two duplicates: " + "+".join(labels)]
        missed["+".join(labels) or "?"] += 1
        if len(examples_missed) < 20:
            examples_missed.append([a, b])
    false: Counter[str] = Counter()
    examples_false: list[list[int]] = []
    for a, b in sorted(pairs - hits):
        ga, gb = truth.groups.get(a, ""), truth.groups.get(b, "")
        if ga and ga == gb:
            kind = ga.split(":", 1)[0]
            kind = "same household" if kind == "household" else "planted namesakes"
        elif a in cluster_of or b in cluster_of:
            kind = "planted duplicate with another person"
        else:
            kind = "other people"
        false[kind] += 1
        if len(examples_false) < 20:
            examples_false.append([a, b])
    # Clusters whose records all end up connected by found pairs (what a merge queue needs).
    joined = 0
    for ids in truth.clusters.values():
        members, reach, stack = set(ids), {ids[0]}, [ids[0]]
        while stack:
            current = stack.pop()
            for other in members - reach:
                if (min(current, other), max(current, other)) in hits:
                    reach.add(other)
                    stack.append(other)
        joined += reach == members
    return Quality(
        found=len(pairs),
        true_pairs=len(true_pairs),
        true_positives=tp,
        precision=precision,
        recall=recall,
        f1=f1,
        clusters=len(truth.clusters),
        clusters_joined=joined,
        missed_by_variation=dict(missed.most_common()),
        false_positives_by_kind=dict(false.most_common()),
        examples_missed=examples_missed,
        examples_false=examples_false,
    )


def naive_estimate(total: int, sample: int, seed_value: int = 7) -> dict[str, Any]:
    """Score every pair of a random sample with the scan's own ``score`` and extrapolate the
    time quadratically (pairs) plus linearly (loading identities) to ``total`` people."""
    from rubrica.contacts.models import Contact
    from rubrica.dedup.index import identities
    from rubrica.dedup.scoring import score

    ids = list(Contact.objects.values_list("pk", flat=True))
    chosen = random.Random(seed_value).sample(ids, min(sample, len(ids)))
    began = time.perf_counter()
    people = list(identities(chosen).values())
    load = time.perf_counter() - began
    began = time.perf_counter()
    compared = 0
    for first, second in combinations(people, 2):
        score(first, second)
        compared += 1
    scoring = time.perf_counter() - began
    all_pairs = total * (total - 1) / 2
    per_pair = scoring / compared if compared else 0.0
    estimate = per_pair * all_pairs + load / max(len(people), 1) * total
    return {
        "sample": len(people),
        "sample_pairs": compared,
        "sample_seconds": scoring + load,
        "per_pair_us": per_pair * 1e6,
        "all_pairs": all_pairs,
        "estimate_seconds": estimate,
    }


def run_scan() -> tuple[Any, float, float, float]:
    """The real scan through the jobs app: (job, seconds, CPU seconds, peak RSS in MB)."""
    from rubrica.jobs.services import job_create, job_run

    admin = bench_admin()
    job = job_create(
        actor=admin, kind="dedup_scan", title="Duplicate scan (benchmark)", params={}, enqueue=False
    )
    reset_peak_rss()
    began, cpu = time.perf_counter(), cpu_seconds()
    job = job_run(job.pk)
    seconds = time.perf_counter() - began
    return job, seconds, cpu_seconds() - cpu, peak_rss_mb()


def cpu_seconds() -> float:
    """User + system CPU time of this process: on a shared machine, what the work cost, where
    the wall time also counts the waits for a core."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def open_pairs() -> list[tuple[int, int]]:
    from rubrica.dedup.models import DuplicatePair, PairStatus

    return list(
        DuplicatePair.objects.filter(status=PairStatus.OPEN)
        .values_list("contact_a_id", "contact_b_id")
        .iterator(chunk_size=20_000)
    )


# --- one run (child process) ------------------------------------------------------------------


def _pg_url(base: str, database: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _pg_admin(url: str, statement: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in ("test", "postgres", "rubrica", "rubrica_bench") or "dedup" not in name:
        raise SystemExit(f"dedup bench: refusing to touch database {name!r}")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if statement == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def reset_dedup_schema() -> None:
    """Drop the dedup app's tables (keys and pairs: derived data) so that ``migrate`` makes them
    as the current code defines them; for ``--rekey`` on a database seeded by an older version."""
    from django.apps import apps
    from django.db import connection

    cascade = " CASCADE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        for model in apps.get_app_config("dedup").get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DROP TABLE IF EXISTS {table}{cascade}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["dedup"])


def child(args: argparse.Namespace) -> int:
    """One size on one database: configure Django on a fresh benchmark database, seed, build
    keys, scan, evaluate, write the JSON report."""
    var_dir: Path = args.var_dir
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["RUBRICA_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    sqlite_path = var_dir / f"dedup-{args.size}.sqlite3"
    truth_path = var_dir / f"dedup-{args.engine}-{args.size}.truth.json"
    if args.engine == "postgresql":
        # One database per size, so that --reuse finds the population its truth file describes.
        url = _pg_url(args.pg_url, f"{args.pg_database}_{args.size}")
        if not args.reuse:
            _pg_admin(url, "create")
        os.environ["DATABASE_URL"] = url
    else:
        if sqlite_path.name == "people-1000000.sqlite3":
            raise SystemExit("dedup bench: that database belongs to the list-page benchmark")
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.run import machine

    if args.reuse and args.rekey:
        reset_dedup_schema()
    call_command("migrate", verbosity=0, interactive=False)
    info = machine(args.engine)
    print(f"[{args.engine} {args.size:,}] load average {os.getloadavg()}", flush=True)
    previous: dict[str, Any] = {}
    if args.reuse and truth_path.exists():
        truth = Truth.from_json(json.loads(truth_path.read_text()))
        report_path = var_dir / f"dedup-{args.engine}-{args.size}.json"
        if report_path.exists():
            previous = json.loads(report_path.read_text())
            figures = SeedFigures(**previous["seed"])
            info["key_build_rss_mb"] = previous["machine"].get("key_build_rss_mb")
        else:  # the seeding run stopped before its report: only the keys can be reported
            figures = SeedFigures(rows=truth.rows, seconds=float("nan"))
            args.rekey = True
        print(f"[{args.engine} {args.size:,}] reusing the seeded database", flush=True)
    else:
        reset_peak_rss()
        figures, truth = seed(args.size)
        seed_rss = peak_rss_mb()
        print(
            f"[{args.engine} {args.size:,}] seeded {figures.rows:,} rows in {figures.seconds:.0f} s"
            f" (peak RSS {seed_rss:.0f} MB)",
            flush=True,
        )
        truth_path.write_text(json.dumps(truth.as_json()))
    if not args.reuse or args.rekey:
        from rubrica import dedup
        from rubrica.dedup.models import DuplicateKey

        connection.close()
        reset_peak_rss()
        began, cpu = time.perf_counter(), cpu_seconds()
        dedup.reindex()
        figures.key_seconds = time.perf_counter() - began
        figures.key_cpu_seconds = cpu_seconds() - cpu
        figures.keys = DuplicateKey.objects.count()
        info["key_build_rss_mb"] = peak_rss_mb()
        from bench.seed import analyze as analyze_db

        analyze_db()
        print(
            f"[{args.engine} {args.size:,}] key index: {figures.keys:,} keys in "
            f"{figures.key_seconds:.0f} s",
            flush=True,
        )
    connection.close()
    load_before = os.getloadavg()
    job, seconds, cpu, rss = run_scan()
    load_after = os.getloadavg()
    print(
        f"[{args.engine} {args.size:,}] scan {job.status} in {seconds:.0f} s, peak RSS "
        f"{rss:.0f} MB: {job.result} {job.error or ''}",
        flush=True,
    )
    quality = evaluate(open_pairs(), truth)
    print(
        f"[{args.engine} {args.size:,}] precision {quality.precision:.4f} recall "
        f"{quality.recall:.4f} F1 {quality.f1:.4f}; missed {_top(quality.missed_by_variation)}; "
        f"false {quality.false_positives_by_kind}",
        flush=True,
    )
    naive = naive_estimate(truth.rows, args.naive_sample) if args.naive_sample else {}
    if not naive and args.reuse and previous.get("naive"):
        naive = {**previous["naive"], "from_earlier_run": True}
    report = {
        "engine": args.engine,
        "size": args.size,
        "machine": {**info, "load_scan": [load_before, load_after]},
        "seed": figures.__dict__,
        "truth": {
            "rows": truth.rows,
            "planted_records": truth.planted_records,
            "clusters": len(truth.clusters),
            "true_pairs": truth.true_pairs,
            "households": truth.households,
            "common_name_people": truth.common_name_people,
        },
        "scan": {
            "status": str(job.status),
            "error": job.error,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "peak_rss_mb": rss,
            "result": job.result,
        },
        "quality": quality.__dict__,
        "naive": naive,
    }
    (var_dir / f"dedup-{args.engine}-{args.size}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False, default=str)
    )
    connection.close()
    if not args.keep and args.engine == "postgresql":
        _pg_admin(url, "drop")
    return 0


# --- the parent: runs, table, docs ------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Duplicate scan on planted duplicates: precision, recall, F1, time, memory."
    )
    parser.add_argument("--sizes", default="100000", help="comma-separated contact counts")
    parser.add_argument("--engines", default="sqlite", help="sqlite,postgresql")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("DEDUP_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="server to create the benchmark database on",
    )
    parser.add_argument("--pg-database", default=PG_DATABASE)
    parser.add_argument("--var-dir", type=Path, default=REPO / "var" / "bench")
    parser.add_argument("--naive-sample", type=int, default=2000, help="0 to skip the baseline")
    parser.add_argument("--reuse", action="store_true", help="scan the last seeded database again")
    parser.add_argument(
        "--rekey", action="store_true", help="with --reuse: build the key index again"
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: rebuild the table and docs from the JSON reports of earlier runs",
    )
    parser.add_argument("--docs", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="sqlite", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.var_dir = args.var_dir.resolve()
    return args


def _fmt_s(seconds: float) -> str:
    if seconds != seconds:
        return "–"
    if seconds >= 86400 * 2:
        return f"{seconds / 86400:,.0f} d"
    if seconds >= 7200:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds:,.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def _top(counts: dict[str, int], shown: int = 8) -> str:
    """The largest counts by name, the rest summed as "other"."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    parts = [f"{name} {count:,}" for name, count in ordered[:shown]]
    rest = sum(count for _name, count in ordered[shown:])
    return ", ".join(parts + ([f"other {rest:,}"] if rest else []))


def markdown(reports: list[dict[str, Any]]) -> str:
    lines = [
        "### Duplicate scan: figures",
        "",
    ]
    if reports:
        m = reports[0]["machine"]
        lines += [
            f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, "
            f"Python {m['python']}, Django {m['django']}. The load average before each scan is "
            "in the table (above 2 on 2 cores: the scan shared the machine).",
            "",
        ]
    lines += [
        "| size | db | started | key build (CPU) | keys | scan | scan CPU | load | pairs compared "
        "| found | precision | recall | F1 | peak RSS (scan) | naive estimate | naive / scan |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: |",
    ]
    for r in reports:
        q, s, seed_info, naive = r["quality"], r["scan"], r["seed"], r["naive"]
        estimate = naive.get("estimate_seconds", float("nan"))
        ratio = estimate / s["seconds"] if s["seconds"] else float("nan")
        db = "SQLite" if r["engine"] == "sqlite" else "PostgreSQL"
        lines.append(
            f"| {r['truth']['rows']:,} | {db} | {r['machine']['date'][11:16]} "
            f"| {_fmt_s(seed_info['key_seconds'])} "
            f"({_fmt_s(seed_info.get('key_cpu_seconds', float('nan')))}) "
            f"| {seed_info['keys']:,} | **{_fmt_s(s['seconds'])}** "
            f"| {_fmt_s(s.get('cpu_seconds', float('nan')))} "
            f"| {r['machine']['load_scan'][0][0]:.1f} "
            f"| {s['result'].get('pairs_scored', 0):,} | {q['found']:,} | {q['precision']:.4f} "
            f"| {q['recall']:.4f} | **{q['f1']:.4f}** | {s['peak_rss_mb']:,.0f} MB "
            f"| {_fmt_s(estimate)} | {ratio:,.0f}× |"
        )
    lines.append("")
    for r in reports:
        q, t = r["quality"], r["truth"]
        db = "SQLite" if r["engine"] == "sqlite" else "PostgreSQL"
        lines.append(
            f"- {t['rows']:,} on {db}: {t['planted_records']:,} planted duplicate records in "
            f"{t['clusters']:,} clusters ({t['true_pairs']:,} true pairs; "
            f"{q['clusters_joined']:,} clusters fully joined), "
            f"{t['common_name_people']:,} namesakes of common names, {t['households']:,} "
            f"households. Missed pairs by variation: "
            + (_top(q["missed_by_variation"]) or "none")
            + "; false pairs: "
            + (", ".join(f"{k} {v}" for k, v in q["false_positives_by_kind"].items()) or "none")
            + f"; blocks skipped as too large: {r['scan']['result'].get('skipped_blocks', 0):,}."
        )
    lines.append("")
    return "\n".join(lines)


def write_docs(path: Path, text: str) -> None:
    current = path.read_text()
    block = f"{DOCS_BEGIN}\n{text}{DOCS_END}\n"
    if DOCS_BEGIN in current and DOCS_END in current:
        head, rest = current.split(DOCS_BEGIN, 1)
        _old, tail = rest.split(DOCS_END, 1)
        path.write_text(head + block + tail.lstrip("\n"))
    else:
        path.write_text(current.rstrip("\n") + "\n\n" + block)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(engines) - {"sqlite", "postgresql"})
    if unknown:
        raise SystemExit(f"dedup bench: unknown engine {', '.join(unknown)}")
    reports: list[dict[str, Any]] = []
    for size in sizes:
        for engine in engines:
            path = args.var_dir / f"dedup-{engine}-{size}.json"
            if args.report_only:
                if path.exists():
                    reports.append(json.loads(path.read_text()))
                continue
            command = [
                sys.executable, __file__, "--child", "--size", str(size), "--engine", engine,
                "--pg-url", args.pg_url, "--pg-database", args.pg_database,
                "--var-dir", str(args.var_dir), "--naive-sample", str(args.naive_sample),
            ]  # fmt: skip
            command += ["--reuse"] if args.reuse else []
            command += ["--rekey"] if args.rekey else []
            command += ["--keep"] if args.keep else []
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            code = subprocess.call(command, cwd=REPO, env=env)
            if code:
                print(f"dedup bench: {engine} {size:,} failed ({code})", file=sys.stderr)
                return code
            reports.append(json.loads(path.read_text()))
    text = markdown(reports)
    print(text)
    if not args.no_docs:
        write_docs(args.docs, text)
        print(f"Docs: {args.docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
