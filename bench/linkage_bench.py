"""The record-linkage benchmark: a labelled population corrupted the way people and imports corrupt
records, scanned by the real duplicate scan; precision, recall and F1 per tier, and the scan's time.

    .venv/bin/python bench/linkage_bench.py --size 100000 --contact-points none
    .venv/bin/python bench/linkage_bench.py --size 100000 --contact-points some

**The population** (seeded ``--seed``, so a run can be repeated): people of seven locales (Italian,
English, German, French, Spanish, Chinese, Persian; names from ``bench.dedup_bench.NAMES``, Chinese
and Persian ones in their own script or romanised), each with a birthday (95%), a street address
with postcode and city (90%), a membership number in a custom field marked *identifying* (30%)
and, with ``--contact-points some``, an e-mail (75%) and a mobile (65%); with ``none``, neither.
**Hard negatives**: households (2% of rows: two to four people with one family name, one address,
one landline) and namesakes of common names (0.5%).

**Duplicates**: 8% of the people get one or two more records, each with one to three corruptions:
a typo (one or two edits) in a name, a transposition, OCR-like confusions (rn/m, l/1, O/0, e/c),
swapped given and family names, a nickname (``rubrica.dedup.nicknames``), a transliteration
(Chinese script <-> pinyin <-> Wade-Giles; Persian script <-> Latin, with the usual variant
spellings: Mohammad/Mohammed/Muhammad), a birthday typo (one digit, or day and month swapped),
missing fields (birthday, address, identifier, e-mail, phone), a move (another street and
postcode) or another e-mail provider. The truth is kept by cluster; a pair is true when both
records come from one person.

Rows go straight into the tables (``bench.seed.Table``, as the other benchmarks seed), then the
key index is built with the real ``rubrica.dedup.reindex`` and the scan runs as a job. Each tier's
figures count the pairs of that tier and of surer ones. Results: a table on the terminal and
``var/bench/linkage-<contact points>[-faker]-<size>.json`` (``--names faker``: Faker's larger
name pools).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.dedup_bench import COMMON_NAMES, COUNTRIES, LATIN, LOCALE_WEIGHTS, NAMES, typo  # noqa: E402

STREETS = {
    "it": ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Viale Mazzini", "Via Verdi"),
    "en": ("High Street", "Station Road", "Church Lane", "Main Street", "Park Avenue", "Mill Road"),
    "de": ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schulstraße", "Lindenallee", "Bergstraße"),
    "fr": (
        "Rue de la Paix",
        "Avenue Victor Hugo",
        "Rue Pasteur",
        "Boulevard Voltaire",
        "Rue Nationale",
        "Place de la Gare",
    ),
    "es": (
        "Calle Mayor",
        "Avenida de la Constitución",
        "Calle Real",
        "Plaza España",
        "Calle Sol",
        "Gran Vía",
    ),
    "zh": (
        "Zhongshan Road",
        "Renmin Road",
        "Jiefang Road",
        "Nanjing Road",
        "Huaihai Road",
        "Beijing Road",
    ),
    "fa": (
        "Valiasr Street",
        "Enghelab Street",
        "Azadi Avenue",
        "Ferdowsi Street",
        "Hafez Street",
        "Shariati Street",
    ),
}
CITIES = {
    "it": "Roma Milano Napoli Torino Bologna Firenze Bari Padova",
    "en": "London Leeds Bristol Boston Denver Austin York Bath",
    "de": "Berlin Hamburg München Köln Leipzig Bremen Essen Bonn",
    "fr": "Paris Lyon Lille Nantes Nice Rennes Dijon Tours",
    "es": "Madrid Sevilla Valencia Bilbao Málaga Murcia Vigo Gijón",
    "zh": "Beijing Shanghai Guangzhou Shenzhen Chengdu Wuhan Xian Hangzhou",
    "fa": "Tehran Mashhad Isfahan Shiraz Tabriz Karaj Qom Yazd",
}
PHONE_COUNTRY = {"it": "IT", "en": "GB", "de": "DE", "fr": "FR", "es": "ES", "zh": "CN", "fa": "IR"}
PROVIDERS = ("gmail.com", "outlook.com", "yahoo.com", "libero.it", "web.de", "orange.fr", "qq.com")
#: Pinyin -> Wade-Giles, for the syllables of NAMES["zh"] that differ.
WADE_GILES = {
    "zhang": "chang", "zhou": "chou", "zhao": "chao", "xu": "hsu", "xie": "hsieh",
    "zheng": "cheng", "zhu": "chu", "xiaoming": "hsiao-ming", "zhiqiang": "chih-chiang",
    "qiang": "chiang", "jun": "chun", "jing": "ching", "jianhua": "chien-hua",
    "xiuying": "hsiu-ying",
    "xinyi": "hsin-yi", "jiaqi": "chia-chi", "jiayi": "chia-yi", "guo": "kuo", "gao": "kao",
    "gang": "kang", "song": "sung", "tang": "tang", "liang": "liang", "zhi": "chih",
}  # fmt: skip
#: Persian names in Latin script: the usual variant spellings.
PERSIAN_VARIANTS = {
    "mohammad": ("mohammed", "muhammad", "mohamad"), "hosseini": ("husseini", "hoseini"),
    "hossein": ("hussein", "hosein"), "rezaei": ("rezaee", "rezai"), "ali": ("aly",),
    "mohammadi": ("mohamadi", "muhammadi"), "mousavi": ("musavi", "moosavi"),
    "fatemeh": ("fatima", "fatemah"), "zahra": ("zahraa",), "maryam": ("mariam",),
    "jafari": ("jaafari",), "karimi": ("kareemi",), "ahmadi": ("ahmady",),
}  # fmt: skip
OCR = (("rn", "m"), ("m", "rn"), ("l", "1"), ("o", "0"), ("e", "c"), ("i", "l"), ("cl", "d"))
CORRUPTIONS = {
    "typo": 24,
    "transposition": 8,
    "ocr": 6,
    "swap": 8,
    "nickname": 8,
    "transliteration": 8,
    "birthday": 10,
    "missing": 18,
    "moved": 6,
    "email_provider": 4,
}


@dataclass
class Record:
    given: str
    family: str
    locale: str
    birthday: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    member_no: str = ""
    email: str = ""
    phone: str = ""
    cluster: int = 0
    corruptions: list[str] = field(default_factory=list)


def _romanised(name: str) -> str:
    return " ".join(LATIN.get(part, part) for part in [name]).capitalize()


#: Faker's person providers for the Latin-script locales (``--names faker``): hundreds of given
#: and family names each instead of 20-50, so that a million people are not ~120 to a full name.
FAKER_LOCALES = {"it": "it_IT", "en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}


def faker_names() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """NAMES with the Latin-script locales' pools taken from Faker's data (a PyPI package, here
    through factory_boy); Chinese and Persian keep the lists the transliterations know."""
    import importlib

    names = dict(NAMES)
    for locale, faker_locale in FAKER_LOCALES.items():
        provider = importlib.import_module(f"faker.providers.person.{faker_locale}").Provider
        given = sorted({str(n) for n in provider.first_names if str(n).isalpha()})
        family = sorted({str(n) for n in provider.last_names if str(n).isalpha()})
        names[locale] = (tuple(given), tuple(family))
    return names


class Generator:
    def __init__(self, size: int, seed: int, contact_points: bool, names: str = "bench") -> None:
        self.rng = random.Random(seed)
        self.names = faker_names() if names == "faker" else NAMES
        self.size = size
        self.contact_points = contact_points
        self.cluster = 0
        #: E-mail addresses handed out: a provider never gives one address to two people (the
        #: same name and number at another provider is possible, and stays so).
        self.addresses: set[str] = set()
        from rubrica.dedup.nicknames import NICKNAMES

        self.nicknames: dict[str, list[str]] = defaultdict(list)
        for short, full in NICKNAMES.items():
            self.nicknames[full].append(short)

    def _born(self) -> str:
        day = dt.date(1940, 1, 1) + dt.timedelta(days=self.rng.randrange(365 * 65))
        return day.isoformat()

    def _address(self, locale: str) -> tuple[str, str, str]:
        rng = self.rng
        street = f"{rng.choice(STREETS[locale])} {rng.randint(1, 180)}"
        if locale == "en" and rng.random() < 0.5:
            postcode = f"{rng.choice('BLMNS')}{rng.choice('ENW')}{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"  # noqa: E501
        else:
            postcode = f"{rng.randint(10000, 99999)}"
        return street, postcode, rng.choice(CITIES[locale].split())

    def _phone(self, locale: str) -> str:
        country = COUNTRIES[PHONE_COUNTRY[locale]]
        rest = "".join(str(self.rng.randint(0, 9)) for _ in range(country.length - 3))
        return f"+{country.calling} {self.rng.choice(country.mobile)}{rest}"

    def person(self, locale: str | None = None, given: str = "", family: str = "") -> Record:
        rng = self.rng
        if locale is None:
            locales, weights = zip(*LOCALE_WEIGHTS.items(), strict=True)
            locale = rng.choices(locales, weights)[0]
        given = given or rng.choice(self.names[locale][0])
        family = family or rng.choice(self.names[locale][1])
        if locale in ("zh", "fa") and rng.random() < 0.5:
            given, family = _romanised(given), _romanised(family)
        record = Record(given=given, family=family, locale=locale)
        if rng.random() < 0.95:
            record.birthday = self._born()
        if rng.random() < 0.9:
            record.street, record.postcode, record.city = self._address(locale)
        if rng.random() < 0.3:
            record.member_no = f"{rng.randint(10_000_000, 99_999_999)}"
        if self.contact_points:
            if rng.random() < 0.75:
                record.email = self._new_address(given, family)
            if rng.random() < 0.65:
                record.phone = self._phone(locale)
        return record

    # corruptions --------------------------------------------------------------------------------
    def corrupt(self, base: Record) -> Record:
        rng = self.rng
        dup = replace(base, corruptions=[])
        names, weights = zip(*CORRUPTIONS.items(), strict=True)
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            kind = rng.choices(names, weights)[0]
            getattr(self, f"_{kind}")(dup)
            dup.corruptions.append(kind)
        return dup

    def _latin_part(self, record: Record) -> str:
        return "given" if self.rng.random() < 0.5 else "family"

    def _typo(self, record: Record) -> None:
        part = self._latin_part(record)
        value = getattr(record, part)
        if len(value) >= 4:
            setattr(record, part, typo(self.rng, value, 2 if self.rng.random() < 0.2 else 1))

    def _transposition(self, record: Record) -> None:
        part = self._latin_part(record)
        chars = list(getattr(record, part))
        if len(chars) >= 4:
            i = self.rng.randrange(1, len(chars) - 1)
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
            setattr(record, part, "".join(chars))

    def _ocr(self, record: Record) -> None:
        part = self._latin_part(record)
        value = getattr(record, part)
        for wrong, right in self.rng.sample(OCR, len(OCR)):
            if wrong in value[1:]:
                at = value.index(wrong, 1)
                setattr(record, part, value[:at] + right + value[at + len(wrong) :])
                return
        if record.member_no:
            record.member_no = record.member_no.replace("1", "l", 1).replace("0", "O", 1)

    def _swap(self, record: Record) -> None:
        record.given, record.family = record.family, record.given

    def _nickname(self, record: Record) -> None:
        from rubrica.search.text import fold

        options = self.nicknames.get(fold(record.given))
        if options:
            record.given = self.rng.choice(options).capitalize()
        else:
            record.given = record.given[0] + "."  # an initial

    def _transliteration(self, record: Record) -> None:
        rng = self.rng
        for part in ("given", "family"):
            value = getattr(record, part)
            latin = LATIN.get(value)
            if latin:  # own script -> romanised
                setattr(record, part, latin.capitalize())
                continue
            low = value.casefold()
            if record.locale == "zh" and low in WADE_GILES:
                setattr(record, part, WADE_GILES[low].capitalize())
            elif record.locale == "fa" and low in PERSIAN_VARIANTS:
                setattr(record, part, rng.choice(PERSIAN_VARIANTS[low]).capitalize())

    def _birthday(self, record: Record) -> None:
        if not record.birthday:
            return
        year, month, day = record.birthday.split("-")
        if int(day) <= 12 and day != month and self.rng.random() < 0.5:
            record.birthday = f"{year}-{day}-{month}"
            return
        for _ in range(10):
            digits = list(year + month + day)
            i = self.rng.randrange(len(digits))
            digits[i] = str(self.rng.randint(0, 9))
            text = "".join(digits)
            try:
                record.birthday = dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
                return
            except ValueError:
                continue

    def _missing(self, record: Record) -> None:
        choices = ["birthday", "address", "member_no", "email", "phone"]
        what = self.rng.choice(choices)
        if what == "address":
            record.street = record.postcode = record.city = ""
        else:
            setattr(record, what, "")

    def _moved(self, record: Record) -> None:
        record.street, record.postcode, record.city = self._address(record.locale)

    def _new_address(self, given: str, family: str) -> str:
        """A free address made of the name and a number at one of the providers."""
        name = f"{LATIN.get(given, given)}.{LATIN.get(family, family)}".casefold().replace(" ", "")
        while True:
            address = f"{name}{self.rng.randint(1, 99)}@{self.rng.choice(PROVIDERS)}"
            if address not in self.addresses:
                self.addresses.add(address)
                return address

    def _email_provider(self, record: Record) -> None:
        if record.email:
            local = record.email.split("@")[0]
            for _ in range(len(PROVIDERS)):
                address = f"{local}@{self.rng.choice(PROVIDERS)}"
                if address not in self.addresses:
                    self.addresses.add(address)
                    record.email = address
                    return

    def rows(self) -> list[Record]:
        rng = self.rng
        rows: list[Record] = []
        while len(rows) < self.size:
            roll = rng.random()
            if roll < 0.005:
                locale, given, family = rng.choice(COMMON_NAMES)
                rows.append(self.person(locale, given, family))
                continue
            if roll < 0.025:
                head = self.person()
                taken = {head.given}
                for _ in range(rng.randint(1, 3)):
                    # Distinct given names: two people of one household named alike are Jr/Sr,
                    # whom a birthday alone tells apart; left out of this benchmark.
                    member = self.person(head.locale, family=head.family)
                    if member.given in taken:
                        continue
                    taken.add(member.given)
                    member.family = head.family
                    member.street, member.postcode, member.city = (
                        head.street,
                        head.postcode,
                        head.city,
                    )
                    if self.contact_points and head.phone:
                        member.phone = head.phone
                    rows.append(member)
                rows.append(head)
                continue
            base = self.person()
            rows.append(base)
            if rng.random() < 0.08:
                self.cluster += 1
                base.cluster = self.cluster
                for _ in range(2 if rng.random() < 0.15 else 1):
                    rows.append(self.corrupt(base))
        rows = rows[: self.size]
        rng.shuffle(rows)
        return rows


def seed(rows: list[Record]) -> dict[int, int]:
    """Insert the rows; returns contact id -> cluster (0: a singleton)."""
    from django.db import transaction

    from bench.dedup_bench import bench_admin
    from bench.seed import Table, names_for
    from rubrica.contacts.models import Contact, ContactAddress, ContactEmail, ContactPhone
    from rubrica.core import normalize
    from rubrica.customfields.services import definition_save

    admin = bench_admin()
    definition_save(
        actor=admin,
        data={
            "entity": "contact",
            "key": "member_no",
            "label": "Member number",
            "field_type": "text",
            "identifying": True,
        },
    )
    contacts = Table(
        Contact,
        (
            "id", "uid", "owner_id", "visibility", "created_at", "updated_at", "given_name",
            "family_name", "display_name", "sort_name", "primary_email", "primary_phone",
            "city", "birthday", "custom_fields", "source",
        ),
    )  # fmt: skip
    emails = Table(ContactEmail, ("contact_id", "label", "is_preferred", "position", "value"))
    phones = Table(ContactPhone, ("contact_id", "label", "is_preferred", "position", "raw", "e164"))
    addresses = Table(
        ContactAddress,
        ("contact_id", "label", "is_preferred", "position", "street", "postal_code", "city"),
    )
    now = dt.datetime.now(dt.UTC)
    truth: dict[int, int] = {}
    rng = random.Random(1)
    for start in range(0, len(rows), 10_000):
        people, email_rows, phone_rows, address_rows = [], [], [], []
        for offset, row in enumerate(rows[start : start + 10_000]):
            pk = start + offset + 1
            display, sort_name = names_for(row.given, row.family)
            e164 = ""
            if row.phone:
                try:
                    e164 = normalize.phone(row.phone).e164
                except ValueError:
                    e164 = ""
                phone_rows.append((pk, "mobile", True, 0, row.phone, e164))
            if row.email:
                email_rows.append((pk, "home", True, 0, row.email))
            if row.street or row.city:
                address_rows.append((pk, "home", True, 0, row.street, row.postcode, row.city))
            custom = json.dumps({"member_no": row.member_no} if row.member_no else {})
            people.append(
                (
                    pk, f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}", admin.pk,
                    "everyone", now, now, row.given, row.family, display, sort_name, row.email,
                    e164, row.city, row.birthday, custom, "linkage-benchmark",
                )
            )  # fmt: skip
            truth[pk] = row.cluster
        with transaction.atomic():
            contacts.insert(people)
            emails.insert(email_rows)
            phones.insert(phone_rows)
            addresses.insert(address_rows)
    return truth


def evaluate(truth: dict[int, int], rows: list[Record]) -> dict[str, Any]:
    from rubrica.dedup import linkage
    from rubrica.dedup.models import DuplicatePair

    clusters: dict[int, list[int]] = defaultdict(list)
    for pk, cluster in truth.items():
        if cluster:
            clusters[cluster].append(pk)
    true_pairs = {p for ids in clusters.values() for p in combinations(sorted(ids), 2)}
    found = list(DuplicatePair.objects.values_list("contact_a_id", "contact_b_id", "tier"))
    result: dict[str, Any] = {"true_pairs": len(true_pairs)}
    for depth, tier in enumerate(linkage.TIERS):
        wanted = set(linkage.TIERS[: depth + 1])
        pairs = {(a, b) for a, b, t in found if t in wanted}
        hits = len(pairs & true_pairs)
        precision = hits / len(pairs) if pairs else 0.0
        recall = hits / len(true_pairs) if true_pairs else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        result[tier] = {
            "pairs": len(pairs),
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        }
    # What the likely tier misses, by corruption of the duplicate record(s).
    likely = {(a, b) for a, b, t in found if t in ("sure", "likely")}
    missed: Counter[str] = Counter()
    by_pk = {pk: rows[pk - 1] for pk in truth if truth[pk]}
    for a, b in true_pairs - likely:
        kinds = sorted(set(by_pk[a].corruptions) | set(by_pk[b].corruptions))
        missed["+".join(kinds) or "none"] += 1
    result["missed_by_corruption"] = dict(missed.most_common(12))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--contact-points", choices=("none", "some"), default="none")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument(
        "--names",
        choices=("bench", "faker"),
        default="bench",
        help="name pools: the benchmark's own (20-50 names a part and locale) or Faker's data "
        "for the Latin-script locales (hundreds; a million people are then not ~120 to a name)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="scan again the database a previous run of the same size and seed left (no seeding, "
        "no key build; the pairs found before are removed first)",
    )
    args = parser.parse_args()
    var_dir = REPO / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    variant = "" if args.names == "bench" else f"-{args.names}"
    db = var_dir / f"linkage-{args.contact_points}{variant}-{args.size}.sqlite3"
    reuse = args.reuse and db.exists()
    for suffix in ("", "-wal", "-shm"):
        if not reuse:
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["RUBRICA_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.dedup_bench import bench_admin, cpu_seconds, peak_rss_mb, reset_peak_rss
    from bench.run import machine
    from rubrica import dedup
    from rubrica.dedup.models import DuplicateKey, DuplicateScan
    from rubrica.dedup.services import scan_start
    from rubrica.jobs.services import job_run

    call_command("migrate", verbosity=0, interactive=False)
    report: dict[str, Any] = {
        "size": args.size,
        "contact_points": args.contact_points,
        "names": args.names,
    }
    report["machine"] = machine("sqlite")
    started = time.perf_counter()
    rows = Generator(args.size, args.seed, args.contact_points == "some", args.names).rows()
    if reuse:
        from rubrica.dedup.models import DuplicatePair

        truth = {pk: row.cluster for pk, row in enumerate(rows, start=1)}
        DuplicatePair.objects.all().delete()
        report["seed_seconds"] = report["key_seconds"] = "reused"
    else:
        truth = seed(rows)
        report["seed_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        dedup.reindex()
        report["key_seconds"] = round(time.perf_counter() - started, 1)
    report["corruptions"] = dict(Counter(c for r in rows for c in r.corruptions))
    report["keys"] = DuplicateKey.objects.count()
    report["load_before_scan"] = os.getloadavg()
    reset_peak_rss()
    job = scan_start(actor=bench_admin(), enqueue=False)
    cpu = cpu_seconds()
    started = time.perf_counter()
    job = job_run(job.pk)
    report["scan_seconds"] = round(time.perf_counter() - started, 1)
    report["scan_cpu_seconds"] = round(cpu_seconds() - cpu, 1)
    report["scan_peak_rss_mb"] = round(peak_rss_mb())
    report["scan_result"] = job.result
    scan = DuplicateScan.objects.order_by("-id").first()
    assert scan is not None
    report["em"] = {k: scan.model[k] for k in ("lambda", "iterations", "converged", "pairs")}
    report["quality"] = evaluate(truth, rows)
    path = var_dir / f"linkage-{args.contact_points}{variant}-{args.size}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    quality = report["quality"]
    print(
        f"{args.size:,} people, contact points {args.contact_points}: seed {report['seed_seconds']} s, "  # noqa: E501
        f"keys {report['keys']:,} in {report['key_seconds']} s, scan {report['scan_seconds']} s "
        f"(CPU {report['scan_cpu_seconds']} s, peak {report['scan_peak_rss_mb']} MB, load "
        f"{report['load_before_scan'][0]:.1f}); {job.result.get('pairs_scored'):,} pairs compared; "
        f"{quality['true_pairs']:,} true pairs"
    )
    for tier in ("sure", "likely", "possible"):
        row = quality[tier]
        print(
            f"  {tier:9} pairs {row['pairs']:7,}  P {row['precision']:.4f}  "
            f"R {row['recall']:.4f}  F1 {row['f1']:.4f}"
        )
    print("  missed (likely):", quality["missed_by_corruption"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
