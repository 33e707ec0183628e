"""Bulk seeding of people for the benchmarks.

Seeding a million people through ``contact_create`` would take hours (validation, history entries,
one transaction each), so this module writes the rows straight into the tables, on purpose: with
``executemany`` inside one transaction per batch on SQLite and ``COPY`` on PostgreSQL. It fills the
same columns the services fill (display name, the family-first ``sort_name`` key, the list copies
``primary_email``/``primary_phone``/``city``/``country`` and the child rows they come from), so the
lists see the data users would produce. Users, teams and tags, a handful of rows, do go through
their services.

The data is deterministic for a given seed: names from Italian, English, Chinese and Persian pools
(each script sorts differently), phones in E.164 for the country of the address, a lifecycle stage
on most people, tags on about a third, timestamps spread over five years.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction

#: (native spelling, Latin spelling used for email addresses)
Name = tuple[str, str]


def _latin(names: str) -> list[Name]:
    return [(name, name) for name in names.split(",")]


def _pairs(text: str) -> list[Name]:
    out = []
    for item in text.split(","):
        native, latin = item.split(":")
        out.append((native, latin))
    return out


GIVEN: dict[str, list[Name]] = {
    "it": _latin(
        "Marco,Giulia,Alessandro,Francesca,Luca,Chiara,Matteo,Sara,Lorenzo,Martina,Andrea,Elena,"
        "Giovanni,Valentina,Davide,Federica,Simone,Alessia,Riccardo,Silvia,Stefano,Paola,Tommaso,"
        "Beatrice,Gabriele,Anna,Nicola,Laura,Pietro,Roberta,Edoardo,Ilaria,Filippo,Caterina,"
        "Salvatore,Rosa,Giuseppe,Maria,Antonio,Lucia,Niccolò,Agnese"
    ),
    "en": _latin(
        "James,Mary,John,Patricia,Robert,Jennifer,Michael,Linda,William,Elizabeth,David,Barbara,"
        "Richard,Susan,Joseph,Jessica,Thomas,Sarah,Charles,Karen,Christopher,Nancy,Daniel,Lisa,"
        "Matthew,Betty,Anthony,Margaret,Mark,Sandra,Oliver,Amelia,Harry,Olivia,George,Isla,Noah,"
        "Ava,Jack,Emily,Zoë,Siobhan"
    ),
    "zh": _pairs(
        "伟:wei,芳:fang,娜:na,秀英:xiuying,敏:min,静:jing,丽:li,强:qiang,磊:lei,军:jun,洋:yang,"
        "勇:yong,艳:yan,杰:jie,娟:juan,涛:tao,明:ming,超:chao,秀兰:xiulan,霞:xia,平:ping,刚:gang,"
        "桂英:guiying,建华:jianhua,晓明:xiaoming,志强:zhiqiang,海燕:haiyan,欣怡:xinyi,子涵:zihan,"
        "浩然:haoran,梓萱:zixuan,宇轩:yuxuan,雨桐:yutong,俊杰:junjie,思远:siyuan,嘉怡:jiayi,"
        "文博:wenbo,佳琪:jiaqi,一鸣:yiming,诗涵:shihan"
    ),
    "fa": _pairs(
        "محمد:mohammad,علی:ali,حسین:hossein,رضا:reza,مهدی:mahdi,امیر:amir,سارا:sara,مریم:maryam,"
        "فاطمه:fatemeh,زهرا:zahra,نیلوفر:niloufar,پریسا:parisa,کیان:kian,آرش:arash,بهرام:bahram,"
        "داریوش:dariush,شیرین:shirin,لیلا:leila,نگار:negar,پرستو:parastoo,سینا:sina,کاوه:kaveh,"
        "یاسمن:yasaman,مینا:mina,فرهاد:farhad,بابک:babak,الهام:elham,ساناز:sanaz,امید:omid,"
        "حمید:hamid"
    ),
}
FAMILY: dict[str, list[Name]] = {
    "it": _latin(
        "Rossi,Russo,Ferrari,Esposito,Bianchi,Romano,Colombo,Ricci,Marino,Greco,Bruno,Gallo,Conti,"
        "De Luca,Mancini,Costa,Giordano,Rizzo,Lombardi,Moretti,Barbieri,Fontana,Santoro,Mariani,"
        "Rinaldi,Caruso,Ferrara,Galli,Martini,Leone,Longo,Gentile,Martinelli,Vitale,Lombardo,"
        "Serra,Coppola,De Santis,D'Angelo,Marchetti,Parisi,Villa,Conte,Ferraro,Fabbri,Bianco,"
        "Marini,Grasso,Valentini,Messina,Álvarez Pérez"
    ),
    "en": _latin(
        "Smith,Johnson,Williams,Brown,Jones,Miller,Davis,Wilson,Anderson,Taylor,Thomas,Moore,"
        "Jackson,Martin,Lee,Thompson,White,Harris,Clark,Lewis,Robinson,Walker,Young,Allen,King,"
        "Wright,Scott,Hill,Green,Adams,Baker,Nelson,Carter,Mitchell,Roberts,Turner,Phillips,"
        "Campbell,Parker,Evans,Edwards,Collins,Stewart,Morris,O'Brien,Murphy,Cook,Rogers,Morgan,"
        "Cooper"
    ),
    "zh": _pairs(
        "王:wang,李:li,张:zhang,刘:liu,陈:chen,杨:yang,黄:huang,赵:zhao,吴:wu,周:zhou,徐:xu,"
        "孙:sun,马:ma,朱:zhu,胡:hu,郭:guo,何:he,高:gao,林:lin,罗:luo,郑:zheng,梁:liang,谢:xie,"
        "宋:song,唐:tang,许:hsu,韩:han,冯:feng,邓:deng,曹:cao,彭:peng,曾:zeng,肖:xiao,田:tian,"
        "董:dong,袁:yuan,潘:pan,于:yu,蒋:jiang,蔡:cai,欧阳:ouyang,司马:sima"
    ),
    "fa": _pairs(
        "محمدی:mohammadi,حسینی:hosseini,احمدی:ahmadi,رضایی:rezaei,کریمی:karimi,موسوی:mousavi,"
        "جعفری:jafari,صادقی:sadeghi,رحیمی:rahimi,کاظمی:kazemi,قاسمی:ghasemi,نوری:nouri,"
        "هاشمی:hashemi,عباسی:abbasi,تهرانی:tehrani,شیرازی:shirazi,اصفهانی:esfahani,طاهری:taheri,"
        "بهرامی:bahrami,یزدانی:yazdani,فرهادی:farhadi,نجفی:najafi,سلیمانی:soleimani,اکبری:akbari,"
        "زارعی:zarei,میرزایی:mirzaei,ملکی:maleki,امینی:amini,کرمانی:kermani,رستمی:rostami"
    ),
}
LOCALES = ("it", "en", "zh", "fa")
LOCALE_WEIGHTS = (35, 35, 15, 15)


@dataclass(frozen=True)
class Country:
    name: str
    cities: tuple[str, ...]
    calling_code: str
    #: national mobile prefixes; the rest of the national number is random digits
    mobile_prefixes: tuple[str, ...]
    national_length: int
    domain: str


COUNTRIES: dict[str, Country] = {
    country.name: country
    for country in (
        Country(
            "Italy",
            ("Roma", "Milano", "Napoli", "Torino", "Palermo", "Genova", "Bologna", "Firenze",
             "Bari", "Catania", "Venezia", "Verona"),
            "39", ("320", "328", "333", "338", "340", "347", "349", "366", "380", "393"), 10,
            "example.it",
        ),
        Country(
            "United States",
            ("New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Philadelphia",
             "San Antonio", "San Diego", "Dallas", "Seattle", "Boston"),
            "1", ("212", "310", "312", "713", "602", "215", "210", "619", "214", "206", "617"),
            10, "example.com",
        ),
        Country(
            "United Kingdom",
            ("London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Liverpool", "Bristol",
             "Edinburgh"),
            "44", ("7700", "7911", "7400", "7500", "7800"), 10, "example.co.uk",
        ),
        Country(
            "China",
            ("北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "重庆"),
            "86", ("130", "135", "138", "139", "150", "186", "188"), 11, "example.cn",
        ),
        Country(
            "Iran",
            ("تهران", "مشهد", "اصفهان", "شیراز", "تبریز", "کرج", "قم", "اهواز"),
            "98", ("912", "935", "919", "901", "990"), 10, "example.ir",
        ),
        Country(
            "Germany",
            ("Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main"),
            "49", ("151", "160", "170", "176"), 11, "example.de",
        ),
        Country(
            "France",
            ("Paris", "Lyon", "Marseille", "Toulouse", "Nice"),
            "33", ("6", "7"), 9, "example.fr",
        ),
    )
}  # fmt: skip
#: Where people of each name pool live (country name, weight).
HOMES: dict[str, tuple[tuple[str, int], ...]] = {
    "it": (("Italy", 85), ("Germany", 5), ("France", 5), ("United Kingdom", 5)),
    "en": (("United States", 55), ("United Kingdom", 35), ("Italy", 5), ("Germany", 5)),
    "zh": (("China", 80), ("United States", 10), ("Italy", 5), ("United Kingdom", 5)),
    "fa": (("Iran", 75), ("Germany", 10), ("United States", 10), ("Italy", 5)),
}
STREETS = ("Via Roma", "Main Street", "High Street", "Corso Italia", "Rue de la Paix", "Ring")
GENERIC_DOMAINS = ("example.org", "example.net", "mail.example.com")
STAGE_WEIGHTS = {
    "Lead": 30,
    "Prospect": 20,
    "Customer": 25,
    "VIP": 3,
    "Former customer": 7,
    "": 15,
}
#: Tag name -> share of people carrying it, in per mille.
TAGS: dict[str, int] = {
    "newsletter": 150,
    "conference": 60,
    "partner": 40,
    "cliente storico": 30,
    "webinar 2025": 25,
    "客户": 20,
    "مشتری": 20,
    "press": 10,
    "board": 5,
    "investor": 2,
}
VISIBILITY_WEIGHTS = {"everyone": 70, "team": 20, "private": 10}
TEAMS = ("Sales", "Support", "Marketing")
OWNER_COUNT = 20
BENCH_ADMIN = "bench-admin"
BENCH_MEMBER = "bench-member"
SPAN = dt.timedelta(days=5 * 365)


def phone_for(rng: random.Random, country: Country) -> tuple[str, str]:
    """(as typed, E.164) of a mobile number that phonenumbers accepts as possible."""
    prefix = rng.choice(country.mobile_prefixes)
    rest = "".join(rng.choice("0123456789") for _ in range(country.national_length - len(prefix)))
    national = prefix + rest
    raw = f"+{country.calling_code} {national[:3]} {national[3:6]} {national[6:]}"
    return raw, f"+{country.calling_code}{national}"


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def names_for(given: str, family: str) -> tuple[str, str]:
    """(display_name, sort_name) exactly as contacts.services derives them."""
    display = f"{family}{given}" if _is_cjk(given + family) else f"{given} {family}"
    return display, f"{family} {given}".casefold()[:300]


@dataclass
class Table:
    """An INSERT/COPY for ``model`` that takes ``varying`` columns per row and fills every other
    column with its model default, so a field added to the model later does not break seeding.
    """

    model: type[models.Model]
    varying: Sequence[str]
    columns: list[str] = field(init=False)
    constants: tuple[Any, ...] = field(init=False)

    def __post_init__(self) -> None:
        fields = {f.attname: f for f in self.model._meta.concrete_fields}
        missing = [name for name in self.varying if name not in fields]
        if missing:
            raise ValueError(f"{self.model.__name__} has no column {missing}")
        constant_fields = [
            f
            for name, f in fields.items()
            if name not in self.varying and not (f.primary_key and isinstance(f, models.AutoField))
        ]
        for f in constant_fields:
            if not f.has_default() and not f.null and not f.blank:
                raise ValueError(f"{self.model.__name__}.{f.name} needs a value in the seeder")
        self.columns = [fields[name].column for name in self.varying] + [
            f.column for f in constant_fields
        ]
        self.constants = tuple(
            f.get_db_prep_save(f.get_default(), connection) for f in constant_fields
        )

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> int:
        rows = [row + self.constants for row in rows]
        if not rows:
            return 0
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        names = ", ".join(quote(column) for column in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        return len(rows)


@dataclass
class SeedResult:
    people: int
    emails: int = 0
    phones: int = 0
    addresses: int = 0
    taggings: int = 0
    seconds: float = 0.0
    analyze_seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.people / self.seconds if self.seconds else 0.0


@dataclass
class Reference:
    """The few rows people point at, created through their services."""

    admin: Any
    member: Any
    owners: list[Any]
    teams: dict[int, int]  # owner id -> team id
    stages: dict[str, int]
    tags: dict[str, int]


def reference_data() -> Reference:
    """Users (an administrator, the measured member, owners), teams and tags; idempotent."""
    from rubrica.accounts.models import Team, User
    from rubrica.accounts.services import team_create, user_create
    from rubrica.taxonomy.models import LifecycleStage
    from rubrica.taxonomy.services import tag_get_or_create

    def user(username: str, role: str) -> Any:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            return existing
        created, _password = user_create(
            actor=None, username=username, role=role, email=f"{username}@example.org"
        )
        return created

    admin = user(BENCH_ADMIN, "admin")
    member = user(BENCH_MEMBER, "member")
    owners = [member, admin] + [
        user(f"bench-owner-{index:02d}", "member") for index in range(1, OWNER_COUNT - 1)
    ]
    teams: dict[int, int] = {}
    for index, name in enumerate(TEAMS):
        team = Team.objects.filter(name=name).first()
        members = [owner for position, owner in enumerate(owners) if position % 3 == index]
        if team is None:
            team = team_create(actor=admin, name=name, members=members)
        for owner in members:
            teams[owner.pk] = team.pk
    stages = {stage.name: stage.pk for stage in LifecycleStage.objects.all()}
    tags = {name: tag_get_or_create(actor=admin, name=name).pk for name in TAGS}
    return Reference(admin, member, owners, teams, stages, tags)


def _weighted(rng: random.Random, weights: dict[str, int]) -> Callable[[], str]:
    names, values = list(weights), list(weights.values())
    return lambda: rng.choices(names, values)[0]


def seed_people(
    total: int,
    *,
    batch: int = 10_000,
    seed: int = 20_261_122,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Insert ``total`` people (ids 1..total) into an empty database and ANALYZE it."""
    from rubrica.contacts.models import Contact, ContactAddress, ContactEmail, ContactPhone

    if Contact.all_objects.exists():
        raise RuntimeError("seed_people expects no people in the database")
    ref = reference_data()
    rng = random.Random(seed)
    stage_of = _weighted(rng, STAGE_WEIGHTS)
    visibility_of = _weighted(rng, VISIBILITY_WEIGHTS)
    adapt = connection.ops.adapt_datetimefield_value
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - SPAN
    step = SPAN / max(total, 1)

    contacts = Table(
        Contact,
        (
            "id", "uid", "owner_id", "team_id", "visibility", "created_at", "updated_at",
            "given_name", "family_name", "display_name", "sort_name", "stage_id",
            "primary_email", "primary_phone", "city", "country", "source",
        ),
    )  # fmt: skip
    emails = Table(ContactEmail, ("contact_id", "label", "is_preferred", "position", "value"))
    phones = Table(ContactPhone, ("contact_id", "label", "is_preferred", "position", "raw", "e164"))
    addresses = Table(
        ContactAddress,
        ("contact_id", "label", "is_preferred", "position", "street", "city", "postal_code",
         "country"),
    )  # fmt: skip
    through = Contact.tags.through
    taggings = Table(through, ("contact_id", "tag_id"))
    tag_items = [(ref.tags[name], share) for name, share in TAGS.items()]
    homes = {
        locale: ([name for name, _ in pairs], [weight for _, weight in pairs])
        for locale, pairs in HOMES.items()
    }

    result = SeedResult(people=total)
    began = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # Only for this connection: a big page cache for building the indexes, and no fsync
            # (a crash while seeding costs nothing but a re-run).
            cursor.execute("PRAGMA cache_size=-1048576")
            cursor.execute("PRAGMA synchronous=OFF")
    tables = [m._meta.db_table for m in (Contact, ContactEmail, ContactPhone, ContactAddress)]
    indexes = _drop_indexes([*tables, through._meta.db_table])
    for first in range(1, total + 1, batch):
        last = min(first + batch, total + 1)
        people: list[tuple[Any, ...]] = []
        email_rows: list[tuple[Any, ...]] = []
        phone_rows: list[tuple[Any, ...]] = []
        address_rows: list[tuple[Any, ...]] = []
        tag_rows: list[tuple[Any, ...]] = []
        for pk in range(first, last):
            locale = rng.choices(LOCALES, LOCALE_WEIGHTS)[0]
            given, given_latin = rng.choice(GIVEN[locale])
            family, family_latin = rng.choice(FAMILY[locale])
            display, sort_name = names_for(given, family)
            country_names, country_weights = homes[locale]
            country = COUNTRIES[rng.choices(country_names, country_weights)[0]]
            owner = rng.choice(ref.owners)
            visibility = visibility_of()
            team_id = (
                ref.teams.get(owner.pk) if visibility == "team" or rng.random() < 0.5 else None
            )
            created = start + step * (pk - 1) + dt.timedelta(seconds=rng.randint(0, 3600))
            created = min(created, now)
            updated = created + (now - created) * (rng.random() ** 3)
            stage_name = stage_of()

            primary_email = ""
            if rng.random() < 0.85:
                local = f"{given_latin}.{family_latin}".casefold()
                local = "".join(ch for ch in local if ch.isascii() and (ch.isalnum() or ch == "."))
                domain = country.domain if rng.random() < 0.6 else rng.choice(GENERIC_DOMAINS)
                primary_email = f"{local}{rng.randint(1, 9999)}@{domain}"
                email_rows.append((pk, "home", True, 0, primary_email))
                if rng.random() < 0.15:
                    email_rows.append((pk, "work", False, 1, f"{local}@work.{domain}"))
            primary_phone = ""
            if rng.random() < 0.70:
                raw, primary_phone = phone_for(rng, country)
                phone_rows.append((pk, "mobile", True, 0, raw, primary_phone))
                if rng.random() < 0.10:
                    raw2, e164_2 = phone_for(rng, country)
                    phone_rows.append((pk, "work", False, 1, raw2, e164_2))
            city = country_name = ""
            if rng.random() < 0.80:
                city, country_name = rng.choice(country.cities), country.name
                street = f"{rng.choice(STREETS)} {rng.randint(1, 200)}"
                postal = f"{rng.randint(10000, 99999)}"
                address_rows.append((pk, "home", True, 0, street, city, postal, country_name))
            if rng.random() < 0.35:
                for tag_id, share in tag_items:
                    if rng.random() * 350 < share:
                        tag_rows.append((pk, tag_id))

            people.append(
                (
                    pk,
                    f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                    owner.pk,
                    team_id,
                    visibility,
                    adapt(created),
                    adapt(updated),
                    given,
                    family,
                    display,
                    sort_name,
                    ref.stages.get(stage_name),
                    primary_email,
                    primary_phone,
                    city,
                    country_name,
                    "benchmark",
                )
            )
        with transaction.atomic():
            contacts.insert(people)
            result.emails += emails.insert(email_rows)
            result.phones += phones.insert(phone_rows)
            result.addresses += addresses.insert(address_rows)
            result.taggings += taggings.insert(tag_rows)
        if progress is not None:
            progress(last - first)
    _create_indexes(indexes)
    _reset_sequences([Contact])
    result.seconds = time.perf_counter() - began
    analyze_began = time.perf_counter()
    analyze()
    result.analyze_seconds = time.perf_counter() - analyze_began
    return result


def _drop_indexes(tables: list[str]) -> list[str]:
    """Drop the secondary indexes of ``tables`` and return the statements that recreate them.

    A bulk load builds each index once, from sorted keys, instead of inserting a million random
    keys into a dozen B-trees; the unique and primary-key indexes stay, so the load still checks
    them. The indexes come back exactly as the migrations made them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({marks})",
                tables,
            )
        else:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [tables],
            )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in found]


def _create_indexes(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    """PostgreSQL: move the id sequences past the explicit ids the seeder wrote."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze() -> None:
    """Refresh the planner's statistics, as an operator would after a bulk load."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("ANALYZE")
