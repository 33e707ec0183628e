"""Realistic demo data, written through the services like any other input.

The lists below are curated by hand rather than drawn from Faker: they are small, deterministic
for a given seed, and cover what a demo must show (Italian, Chinese and Persian names and
addresses, right-to-left text, CJK name order, +39/+86/+98 phones) next to English, German and
French records. Phone numbers use fictional ranges where a country has them (US 555-01xx, UK
Ofcom drama numbers); email and web domains end in the reserved ``.example``.

``language`` (``rubrica demo --language it|zh_Hans|fa|en``, ADR 0040) makes a demo for a team of
that language: most people, and every organization, come from that language's list, and the
tags and custom fields are named in it; "en" keeps the international mix.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from rubrica.accounts.models import User
from rubrica.contacts.types import ContactInput
from rubrica.core.types import AddressInput, PhoneInput, ValueInput
from rubrica.customfields.types import DefinitionInput
from rubrica.organizations.types import OrganizationInput

DEMO_SOURCE = "demo"

#: (name, colour) of the demo tags.
TAGS: list[tuple[str, str]] = [
    ("VIP", "#dc3545"),
    ("Newsletter", "#0d6efd"),
    ("Trade fair 2025", "#6f42c1"),
    ("Partner", "#198754"),
    ("Supplier", "#fd7e14"),
    ("Follow up", "#ffc107"),
    ("Key account", "#d63384"),
]

CONTACT_FIELDS: list[DefinitionInput] = [
    {
        "entity": "contact",
        "key": "preferred_channel",
        "label": "Preferred channel",
        "field_type": "choice",
        "choices": ["Email", "Phone", "WeChat", "Telegram", "In person"],
        "position": 1,
    },
    {
        "entity": "contact",
        "key": "customer_since",
        "label": "Customer since",
        "field_type": "date",
        "position": 2,
    },
]
ORGANIZATION_FIELDS: list[DefinitionInput] = [
    {
        "entity": "organization",
        "key": "account_number",
        "label": "Account number",
        "field_type": "text",
        "pattern": r"ACC-\d{5}",
        "help_text": "ACC- followed by five digits",
        "position": 1,
    },
]


@dataclass(frozen=True)
class Vocabulary:
    """The demo's tags and custom fields in one language: tag names in the order of ``TAGS``,
    the labels of the three custom fields and the preferred-channel choices (same order as the
    English ones)."""

    tags: tuple[str, ...]
    preferred_channel: str
    customer_since: str
    account_number: str
    account_help: str
    channels: tuple[str, ...]


ENGLISH_WORDS = Vocabulary(
    tags=tuple(name for name, _colour in TAGS),
    preferred_channel="Preferred channel",
    customer_since="Customer since",
    account_number="Account number",
    account_help="ACC- followed by five digits",
    channels=("Email", "Phone", "WeChat", "Telegram", "In person"),
)

#: Django's locale name -> the words of a demo in that language.
VOCABULARIES: dict[str, Vocabulary] = {
    "en": ENGLISH_WORDS,
    "it": Vocabulary(
        tags=(
            "VIP",
            "Newsletter",
            "Fiera 2025",
            "Partner",
            "Fornitore",
            "Da ricontattare",
            "Cliente chiave",
        ),
        preferred_channel="Canale preferito",
        customer_since="Cliente dal",
        account_number="Codice cliente",
        account_help="ACC- seguito da cinque cifre",
        channels=("E-mail", "Telefono", "WeChat", "Telegram", "Di persona"),
    ),
    "zh_Hans": Vocabulary(
        tags=("VIP", "订阅简报", "2025年展会", "合作伙伴", "供应商", "待跟进", "大客户"),
        preferred_channel="首选联系方式",
        customer_since="成为客户日期",
        account_number="客户编号",
        account_help="ACC- 加五位数字",
        channels=("电子邮件", "电话", "微信", "Telegram", "当面"),
    ),
    "fa": Vocabulary(
        tags=(
            "ویژه",
            "خبرنامه",
            "نمایشگاه ۱۴۰۴",
            "شریک تجاری",
            "تأمین‌کننده",
            "پیگیری",
            "مشتری کلیدی",
        ),
        preferred_channel="راه ارتباطی ترجیحی",
        customer_since="مشتری از",
        account_number="شمارهٔ حساب مشتری",
        account_help="ACC- و پس از آن پنج رقم",
        channels=("ایمیل", "تلفن", "ویچت", "تلگرام", "حضوری"),
    ),
}
DEMO_LANGUAGES = tuple(VOCABULARIES)

#: The share of people of the demo's own language (the rest: the international mix).
OWN_LANGUAGE_SHARE = 0.85


def demo_language(language: str | None, *, user: User | None = None) -> str:
    """The demo's language: ``language`` when given ("zh-hans" and "zh" are "zh_Hans"), else the
    acting user's own language, else the one of the team's country (IT, CN, IR), else "en"."""
    from rubrica.accounts.selectors import team_country, user_settings

    def known(code: str) -> str:
        code = code.strip().replace("-", "_")
        for name in DEMO_LANGUAGES:
            if code.lower() in (name.lower(), name.split("_")[0]):
                return name
        return ""

    if language:
        found = known(language)
        if not found:
            raise ValueError(language)
        return found
    if user is not None:
        own = known(user_settings(user).language or "")
        if own:
            return own
    return {"IT": "it", "SM": "it", "VA": "it", "CN": "zh_Hans", "IR": "fa"}.get(
        team_country(), "en"
    )


@dataclass(frozen=True)
class City:
    city: str
    region: str
    postal: Callable[[random.Random], str]
    country: str
    landline: Callable[[random.Random], str]
    streets: tuple[str, ...]
    time_zone: str


@dataclass(frozen=True)
class Locale:
    code: str
    weight: int
    male: tuple[tuple[str, str], ...]  # (name, romanisation or "")
    female: tuple[tuple[str, str], ...]
    family: tuple[tuple[str, str], ...]
    cities: tuple[City, ...]
    mobile: Callable[[random.Random], str]
    street_line: Callable[[str, int], str]
    mail_domains: tuple[str, ...]
    titles: tuple[str, ...]
    departments: tuple[str, ...]
    languages: tuple[str, ...]
    notes: tuple[str, ...]
    profile_label: str
    organizations: tuple[dict[str, Any], ...] = field(default=())


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(count))


def _plain(names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, "") for name in names.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``"王:Wang 李:Li"`` → (("王", "Wang"), ("李", "Li"))."""
    return tuple(tuple(item.split(":", 1)) for item in text.split())  # type: ignore[misc]


_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


ITALIAN = Locale(
    code="it",
    weight=25,
    male=_plain("Marco Giuseppe Luca Alessandro Francesco Matteo Lorenzo Andrea Davide Stefano"),
    female=_plain("Giulia Francesca Chiara Sara Martina Elena Valentina Alessia Federica Silvia"),
    family=_plain(
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
        "Conti Costa Fontana Moretti Barbieri Lombardi"
    ),
    cities=(
        City(
            "Milano",
            "MI",
            lambda r: f"201{r.randint(0, 6)}{r.randint(0, 9)}",
            "Italia",
            lambda r: f"+39 02 {_digits(r, 4)} {_digits(r, 4)}",
            ("Via Montenapoleone", "Corso Buenos Aires", "Via Torino", "Viale Monza"),
            "Europe/Rome",
        ),
        City(
            "Roma",
            "RM",
            lambda r: f"001{r.randint(10, 99)}",
            "Italia",
            lambda r: f"+39 06 {_digits(r, 4)} {_digits(r, 4)}",
            ("Via del Corso", "Via Nazionale", "Viale di Trastevere", "Via Appia Nuova"),
            "Europe/Rome",
        ),
        City(
            "Torino",
            "TO",
            lambda r: f"101{r.randint(10, 56)}",
            "Italia",
            lambda r: f"+39 011 {_digits(r, 3)} {_digits(r, 4)}",
            ("Via Roma", "Corso Vittorio Emanuele II", "Via Po"),
            "Europe/Rome",
        ),
        City(
            "Bologna",
            "BO",
            lambda r: f"401{r.randint(21, 41)}",
            "Italia",
            lambda r: f"+39 051 {_digits(r, 3)} {_digits(r, 4)}",
            ("Via dell'Indipendenza", "Strada Maggiore", "Via Zamboni"),
            "Europe/Rome",
        ),
    ),
    mobile=lambda r: f"+39 3{r.choice('2345689')}{r.randint(0, 9)} {_digits(r, 3)} {_digits(r, 4)}",
    street_line=lambda street, n: f"{street}, {n}",
    mail_domains=("posta.example", "mail.example"),
    titles=(
        "Amministratore delegato",
        "Direttore commerciale",
        "Responsabile acquisti",
        "Responsabile marketing",
        "Consulente",
        "Office manager",
    ),
    departments=("Vendite", "Acquisti", "Amministrazione", "Marketing", "Produzione"),
    languages=("it", "en"),
    notes=(
        "Conosciuto alla fiera di Milano; interessato all'offerta annuale.",
        "Preferisce essere contattato la mattina.",
        "Chiedere del nuovo stabilimento di Bergamo.",
    ),
    profile_label="LinkedIn",
    organizations=(
        {"name": "Ferraris Meccanica S.r.l.", "industry": "Meccanica", "slug": "ferraris"},
        {"name": "Studio Legale Bianchi & Associati", "industry": "Legale", "slug": "bianchi"},
        {"name": "Trattoria Da Gino", "industry": "Ristorazione", "slug": "dagino"},
        {"name": "Colombo Design S.p.A.", "industry": "Design", "slug": "colombo"},
    ),
)

CHINESE = Locale(
    code="zh",
    weight=15,
    male=_pairs("伟:Wei 强:Qiang 磊:Lei 军:Jun 洋:Yang 勇:Yong 杰:Jie 涛:Tao 明:Ming 超:Chao"),
    female=_pairs(
        "娜:Na 芳:Fang 敏:Min 静:Jing 丽:Li 艳:Yan 娟:Juan 秀英:Xiuying 霞:Xia 子涵:Zihan"
    ),
    family=_pairs(
        "王:Wang 李:Li 张:Zhang 刘:Liu 陈:Chen 杨:Yang 黄:Huang 赵:Zhao 吴:Wu 周:Zhou "
        "徐:Xu 孙:Sun 马:Ma 朱:Zhu 胡:Hu 郭:Guo 林:Lin"
    ),
    cities=(
        City(
            "北京",
            "北京市",
            lambda r: f"1000{r.randint(10, 99)}",
            "中国",
            lambda r: f"+86 10 {_digits(r, 4)} {_digits(r, 4)}",
            ("朝阳区建国路", "海淀区中关村大街", "东城区王府井大街", "西城区金融大街"),
            "Asia/Shanghai",
        ),
        City(
            "上海",
            "上海市",
            lambda r: f"2000{r.randint(10, 99)}",
            "中国",
            lambda r: f"+86 21 {_digits(r, 4)} {_digits(r, 4)}",
            ("浦东新区世纪大道", "黄浦区南京东路", "徐汇区淮海中路", "静安区南京西路"),
            "Asia/Shanghai",
        ),
        City(
            "深圳",
            "广东省",
            lambda r: f"5180{r.randint(10, 99)}",
            "中国",
            lambda r: f"+86 755 {_digits(r, 4)} {_digits(r, 4)}",
            ("南山区科技园南路", "福田区深南大道"),
            "Asia/Shanghai",
        ),
        City(
            "杭州",
            "浙江省",
            lambda r: f"3100{r.randint(10, 99)}",
            "中国",
            lambda r: f"+86 571 {_digits(r, 4)} {_digits(r, 4)}",
            ("西湖区文三路", "滨江区网商路"),
            "Asia/Shanghai",
        ),
    ),
    mobile=lambda r: f"+86 1{r.choice('358')}{r.randint(0, 9)} {_digits(r, 4)} {_digits(r, 4)}",
    street_line=lambda street, n: f"{street}{n}号",
    mail_domains=("youxiang.example", "mail.example"),
    titles=("总经理", "销售经理", "技术总监", "采购经理", "市场总监", "客户经理"),
    departments=("销售部", "采购部", "技术部", "市场部", "财务部"),
    languages=("zh", "en"),
    notes=(
        "在上海展会上认识，对年度合同感兴趣。",
        "请用微信联系，邮件回复较慢。",
        "下季度可能扩大订单。",
    ),
    profile_label="WeChat",
    organizations=(
        {"name": "北京华信科技有限公司", "industry": "软件", "slug": "huaxin"},
        {"name": "上海东方贸易有限公司", "industry": "贸易", "slug": "dongfang"},
        {"name": "深圳创新电子股份有限公司", "industry": "电子", "slug": "chuangxin"},
        {"name": "杭州绿茶文化传播有限公司", "industry": "传媒", "slug": "lvcha"},
    ),
)

PERSIAN = Locale(
    code="fa",
    weight=15,
    male=_pairs(
        "محمد:Mohammad علی:Ali حسین:Hossein رضا:Reza مهدی:Mahdi امیر:Amir حمید:Hamid سعید:Saeed"
    ),
    female=_pairs(
        "زهرا:Zahra فاطمه:Fatemeh مریم:Maryam سارا:Sara نرگس:Narges لیلا:Leila شیرین:Shirin "
        "مهسا:Mahsa"
    ),
    family=_pairs(
        "رضایی:Rezaei احمدی:Ahmadi محمدی:Mohammadi حسینی:Hosseini کریمی:Karimi موسوی:Mousavi "
        "جعفری:Jafari صادقی:Sadeghi رحیمی:Rahimi کاظمی:Kazemi نوری:Nouri"
    ),
    cities=(
        City(
            "تهران",
            "استان تهران",
            lambda r: f"1{_digits(r, 4)}-{_digits(r, 5)}",
            "ایران",
            lambda r: f"+98 21 {_digits(r, 4)} {_digits(r, 4)}",
            ("خیابان ولیعصر", "خیابان انقلاب", "بلوار کشاورز", "خیابان شریعتی"),
            "Asia/Tehran",
        ),
        City(
            "اصفهان",
            "استان اصفهان",
            lambda r: f"81{_digits(r, 3)}-{_digits(r, 5)}",
            "ایران",
            lambda r: f"+98 31 {_digits(r, 4)} {_digits(r, 4)}",
            ("خیابان چهارباغ عباسی", "خیابان نظر شرقی", "خیابان هشت بهشت"),
            "Asia/Tehran",
        ),
        City(
            "شیراز",
            "استان فارس",
            lambda r: f"71{_digits(r, 3)}-{_digits(r, 5)}",
            "ایران",
            lambda r: f"+98 71 {_digits(r, 4)} {_digits(r, 4)}",
            ("خیابان زند", "بلوار چمران"),
            "Asia/Tehran",
        ),
        City(
            "مشهد",
            "استان خراسان رضوی",
            lambda r: f"91{_digits(r, 3)}-{_digits(r, 5)}",
            "ایران",
            lambda r: f"+98 51 {_digits(r, 4)} {_digits(r, 4)}",
            ("بلوار وکیل‌آباد", "خیابان امام رضا"),
            "Asia/Tehran",
        ),
    ),
    mobile=lambda r: f"+98 91{r.randint(0, 9)} {_digits(r, 3)} {_digits(r, 4)}",
    street_line=lambda street, n: f"{street}، پلاک {str(n).translate(_PERSIAN_DIGITS)}",
    mail_domains=("post.example", "mail.example"),
    titles=("مدیرعامل", "مدیر فروش", "کارشناس خرید", "مدیر فنی", "مدیر بازاریابی"),
    departments=("فروش", "خرید", "فنی", "بازاریابی", "مالی"),
    languages=("fa", "en"),
    notes=(
        "در نمایشگاه تهران آشنا شدیم؛ به قرارداد سالانه علاقه دارد.",
        "ترجیح می‌دهد از طریق تلگرام در تماس باشیم.",
        "برای سفارش بعدی پیش‌فاکتور بفرستید.",
    ),
    profile_label="Telegram",
    organizations=(
        {"name": "شرکت پارس داده", "industry": "نرم‌افزار", "slug": "parsdadeh"},
        {"name": "بازرگانی نقش جهان", "industry": "بازرگانی", "slug": "naghshejahan"},
        {"name": "صنایع غذایی زاگرس", "industry": "صنایع غذایی", "slug": "zagros"},
        {"name": "کلینیک دندانپزشکی آرمان", "industry": "سلامت", "slug": "arman"},
    ),
)

AMERICAN = Locale(
    code="en-US",
    weight=15,
    male=_plain("James John Robert Michael David William Daniel Christopher Anthony Kevin"),
    female=_plain("Emily Sarah Jessica Ashley Olivia Emma Megan Rachel Lauren Hannah"),
    family=_plain(
        "Smith Johnson Williams Brown Jones Miller Davis Garcia Wilson Anderson Taylor Thomas "
        "Moore Martin Lee"
    ),
    cities=(
        City(
            "New York",
            "NY",
            lambda r: f"100{r.randint(1, 99):02d}",
            "United States",
            lambda r: f"+1 212-555-01{_digits(r, 2)}",
            ("Broadway", "5th Avenue", "Madison Avenue", "Lexington Avenue"),
            "America/New_York",
        ),
        City(
            "San Francisco",
            "CA",
            lambda r: f"941{r.randint(2, 34):02d}",
            "United States",
            lambda r: f"+1 415-555-01{_digits(r, 2)}",
            ("Market Street", "Mission Street", "Valencia Street"),
            "America/Los_Angeles",
        ),
        City(
            "Chicago",
            "IL",
            lambda r: f"606{r.randint(1, 61):02d}",
            "United States",
            lambda r: f"+1 312-555-01{_digits(r, 2)}",
            ("Michigan Avenue", "State Street", "Wacker Drive"),
            "America/Chicago",
        ),
        City(
            "Austin",
            "TX",
            lambda r: f"787{r.randint(1, 59):02d}",
            "United States",
            lambda r: f"+1 512-555-01{_digits(r, 2)}",
            ("Congress Avenue", "South Lamar Boulevard"),
            "America/Chicago",
        ),
    ),
    mobile=lambda r: f"+1 {r.choice(['646', '917', '628', '872'])}-555-01{_digits(r, 2)}",
    street_line=lambda street, n: f"{n * 10 + 1} {street}",
    mail_domains=("mail.example", "inbox.example"),
    titles=("CEO", "Head of Sales", "Procurement Manager", "CTO", "Account Executive"),
    departments=("Sales", "Procurement", "Engineering", "Marketing", "Finance"),
    languages=("en",),
    notes=(
        "Met at the Chicago trade show; wants a quote for the annual plan.",
        "Prefers calls on Tuesday afternoons.",
        "Asked about volume discounts for next quarter.",
    ),
    profile_label="LinkedIn",
    organizations=(
        {"name": "Northwind Traders", "industry": "Wholesale", "slug": "northwind"},
        {"name": "Blue Harbor Logistics", "industry": "Logistics", "slug": "blueharbor"},
        {"name": "Redwood Health Partners", "industry": "Healthcare", "slug": "redwood"},
    ),
)

BRITISH = Locale(
    code="en-GB",
    weight=10,
    male=_plain("Oliver George Harry Jack Thomas Charlie Oscar"),
    female=_plain("Amelia Isla Ava Emily Sophie Grace Charlotte"),
    family=_plain("Smith Jones Taylor Brown Williams Wilson Evans Wright Walker Hughes"),
    cities=(
        City(
            "London",
            "",
            lambda r: f"EC{r.randint(1, 4)}A {r.randint(1, 9)}BB",
            "United Kingdom",
            lambda r: f"+44 20 7946 0{_digits(r, 3)}",
            ("Baker Street", "Fleet Street", "King's Road", "Shoreditch High Street"),
            "Europe/London",
        ),
        City(
            "Manchester",
            "",
            lambda r: f"M{r.randint(1, 4)} {r.randint(1, 9)}AE",
            "United Kingdom",
            lambda r: f"+44 161 496 0{_digits(r, 3)}",
            ("Deansgate", "Oxford Road", "Market Street"),
            "Europe/London",
        ),
    ),
    mobile=lambda r: f"+44 7700 900{_digits(r, 3)}",
    street_line=lambda street, n: f"{n} {street}",
    mail_domains=("mail.example", "post.example"),
    titles=("Managing Director", "Sales Director", "Buyer", "Operations Manager"),
    departments=("Sales", "Purchasing", "Operations", "Finance"),
    languages=("en",),
    notes=("Introduced by Albion Consulting.", "Renewal due in spring."),
    profile_label="LinkedIn",
    organizations=(
        {"name": "Albion Consulting Ltd", "industry": "Consulting", "slug": "albion"},
        {"name": "Pennine Textiles plc", "industry": "Textiles", "slug": "pennine"},
    ),
)

GERMAN = Locale(
    code="de",
    weight=10,
    male=_plain("Lukas Jonas Leon Felix Maximilian Paul Tobias"),
    female=_plain("Anna Lena Laura Sophie Marie Johanna Katharina"),
    family=_plain("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schäfer"),
    cities=(
        City(
            "Berlin",
            "Berlin",
            lambda r: f"10{r.randint(115, 999)}",
            "Deutschland",
            lambda r: f"+49 30 {_digits(r, 8)}",
            ("Friedrichstraße", "Kurfürstendamm", "Torstraße"),
            "Europe/Berlin",
        ),
        City(
            "München",
            "Bayern",
            lambda r: f"80{r.randint(331, 999)}",
            "Deutschland",
            lambda r: f"+49 89 {_digits(r, 8)}",
            ("Leopoldstraße", "Maximilianstraße", "Sendlinger Straße"),
            "Europe/Berlin",
        ),
        City(
            "Hamburg",
            "Hamburg",
            lambda r: f"20{r.randint(95, 999):03d}",
            "Deutschland",
            lambda r: f"+49 40 {_digits(r, 8)}",
            ("Mönckebergstraße", "Jungfernstieg"),
            "Europe/Berlin",
        ),
    ),
    mobile=lambda r: f"+49 15{r.choice('127')} {_digits(r, 8)}",
    street_line=lambda street, n: f"{street} {n}",
    mail_domains=("mail.example", "post.example"),
    titles=("Geschäftsführer", "Vertriebsleiterin", "Einkaufsleiter", "Projektleiterin"),
    departments=("Vertrieb", "Einkauf", "Technik", "Buchhaltung"),
    languages=("de", "en"),
    notes=("Auf der Hannover Messe kennengelernt.", "Angebot für Q3 nachfassen."),
    profile_label="LinkedIn",
    organizations=(
        {"name": "Weber Maschinenbau GmbH", "industry": "Maschinenbau", "slug": "weber"},
        {"name": "Hanse Logistik AG", "industry": "Logistik", "slug": "hanse"},
    ),
)

FRENCH = Locale(
    code="fr",
    weight=10,
    male=_plain("Louis Gabriel Jules Hugo Arthur Lucas Nathan"),
    female=_plain("Camille Léa Manon Chloé Inès Juliette Zoé"),
    family=_plain("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau"),
    cities=(
        City(
            "Paris",
            "Île-de-France",
            lambda r: f"750{r.randint(1, 20):02d}",
            "France",
            lambda r: f"+33 1 {_digits(r, 2)} {_digits(r, 2)} {_digits(r, 2)} {_digits(r, 2)}",
            ("rue de Rivoli", "boulevard Haussmann", "rue Oberkampf"),
            "Europe/Paris",
        ),
        City(
            "Lyon",
            "Auvergne-Rhône-Alpes",
            lambda r: f"6900{r.randint(1, 9)}",
            "France",
            lambda r: f"+33 4 {_digits(r, 2)} {_digits(r, 2)} {_digits(r, 2)} {_digits(r, 2)}",
            ("rue de la République", "quai Saint-Antoine"),
            "Europe/Paris",
        ),
    ),
    mobile=lambda r: f"+33 6 {_digits(r, 2)} {_digits(r, 2)} {_digits(r, 2)} {_digits(r, 2)}",
    street_line=lambda street, n: f"{n} {street}",
    mail_domains=("mail.example", "courriel.example"),
    titles=("Directeur général", "Responsable des achats", "Chargée de clientèle"),
    departments=("Ventes", "Achats", "Direction"),
    languages=("fr", "en"),
    notes=("Rencontré au salon de Lyon.", "Relancer après l'été."),
    profile_label="LinkedIn",
    organizations=(
        {"name": "Atelier Lumière SARL", "industry": "Design", "slug": "lumiere"},
        {"name": "Rhône Vins & Co", "industry": "Vins", "slug": "rhonevins"},
    ),
)

LOCALES: tuple[Locale, ...] = (ITALIAN, CHINESE, PERSIAN, AMERICAN, BRITISH, GERMAN, FRENCH)
LOCALES_BY_CODE = {locale.code: locale for locale in LOCALES}
#: A demo language -> the code of its people's list.
LOCALE_OF_LANGUAGE = {"it": "it", "zh_Hans": "zh", "fa": "fa"}

#: People created first, so that even a small demo shows each script: (locale, given, family,
#: city index, female).
ANCHORS: tuple[tuple[str, str, str, int, bool], ...] = (
    ("zh", "伟", "王", 0, False),
    ("fa", "محمد", "رضایی", 0, False),
    ("it", "Giulia", "Rossi", 0, True),
    ("zh", "娜", "李", 1, True),
    ("fa", "زهرا", "احمدی", 1, True),
    ("en-US", "Emily", "Johnson", 0, True),
)


@dataclass
class DemoResult:
    people: int = 0
    organizations: int = 0
    affiliations: int = 0
    tags: int = 0
    custom_fields: int = 0


def demo_exists() -> int:
    """How many demo people are stored (including in the Trash)."""
    from rubrica.contacts.models import Contact

    return Contact.all_objects.filter(source=DEMO_SOURCE).count()


def _ascii(name: str, romanised: str) -> str:
    import unicodedata

    text = romanised or name
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


class _Generator:
    def __init__(self, actor: User, seed: int, language: str = "en") -> None:
        self.actor = actor
        self.rng = random.Random(seed)
        self.words = VOCABULARIES[language]
        self.own = LOCALES_BY_CODE.get(LOCALE_OF_LANGUAGE.get(language, ""))
        self.tag_name = dict(zip((name for name, _c in TAGS), self.words.tags, strict=True))
        self.channel = dict(zip(ENGLISH_WORDS.channels, self.words.channels, strict=True))
        self.used_emails: set[str] = set()
        self.org_by_locale: dict[str, list[Any]] = {}
        self.stages: list[str] = []
        self.kinds: list[str] = []

    # Reference lists ----------------------------------------------------------------------------

    def taxonomy(self, result: DemoResult) -> None:
        from rubrica.customfields.models import CustomFieldDefinition
        from rubrica.customfields.services import definition_save
        from rubrica.taxonomy.models import LifecycleStage, OrganizationKind, Tag
        from rubrica.taxonomy.services import tag_get_or_create

        for english, color in TAGS:
            name = self.tag_name[english]
            if not Tag.objects.filter(name__iexact=name).exists():
                result.tags += 1
            tag_get_or_create(actor=self.actor, name=name, color=color)
        for data in self._fields():
            exists = CustomFieldDefinition.objects.filter(
                entity=data["entity"], key=data["key"]
            ).exists()
            if not exists:
                definition_save(actor=self.actor, data=DefinitionInput(**data))
                result.custom_fields += 1
        self.stages = list(LifecycleStage.objects.values_list("name", flat=True))
        self.kinds = list(OrganizationKind.objects.values_list("name", flat=True))

    def _fields(self) -> list[DefinitionInput]:
        words = self.words
        labels = {
            "preferred_channel": words.preferred_channel,
            "customer_since": words.customer_since,
            "account_number": words.account_number,
        }
        fields: list[DefinitionInput] = []
        for data in [*CONTACT_FIELDS, *ORGANIZATION_FIELDS]:
            own = DefinitionInput(**data)
            own["label"] = labels[data["key"]]
            if "choices" in data:
                own["choices"] = list(words.channels)
            if "help_text" in data:
                own["help_text"] = words.account_help
            fields.append(own)
        return fields

    # Organizations ------------------------------------------------------------------------------

    def organizations(self, result: DemoResult) -> None:
        from rubrica.organizations.services import organization_create

        rng = self.rng
        for locale in (self.own,) if self.own is not None else LOCALES:
            for spec in locale.organizations:
                city = rng.choice(locale.cities)
                domain = f"{spec['slug']}.example"
                data: OrganizationInput = {
                    "name": spec["name"],
                    "industry": spec["industry"],
                    "kind": rng.choice(self.kinds) if self.kinds else None,
                    "size": rng.choice(["1-9", "10-49", "50-249", "250-999", "1000+"]),
                    "website": f"https://www.{domain}/",
                    "email_domains": [domain],
                    "phones": [{"label": "work", "value": city.landline(rng)}],
                    "addresses": [self._address(locale, city, "work")],
                    "tags": [
                        self.tag_name[tag]
                        for tag in rng.sample(
                            ["Partner", "Supplier", "Key account"], k=rng.randint(0, 2)
                        )
                    ],
                    "custom_fields": {"account_number": f"ACC-{rng.randint(10000, 99999)}"},
                }
                org = organization_create(actor=self.actor, data=data)
                self.org_by_locale.setdefault(locale.code, []).append(org)
                result.organizations += 1

    # People ------------------------------------------------------------------------------------

    def _address(self, locale: Locale, city: City, label: str) -> AddressInput:
        rng = self.rng
        return {
            "label": label,
            "street": locale.street_line(rng.choice(city.streets), rng.randint(1, 180)),
            "city": city.city,
            "region": city.region,
            "postal_code": city.postal(rng),
            "country": city.country,
        }

    def _email(self, local: str, domain: str) -> str:
        address = f"{local}@{domain}"
        number = 2
        while address in self.used_emails:
            address = f"{local}{number}@{domain}"
            number += 1
        self.used_emails.add(address)
        return address

    def person(
        self,
        locale: Locale,
        given: tuple[str, str],
        family: tuple[str, str],
        city: City,
        female: bool,
        result: DemoResult,
    ) -> None:
        from rubrica.contacts.services import contact_create
        from rubrica.organizations.services import affiliation_create

        rng = self.rng
        given_ascii, family_ascii = _ascii(*given), _ascii(*family)
        org = None
        if self.org_by_locale.get(locale.code) and rng.random() < 0.75:
            org = rng.choice(self.org_by_locale[locale.code])
        emails: list[ValueInput] = []
        if rng.random() < 0.92:
            domain = org.email_domains[0] if org is not None else rng.choice(locale.mail_domains)
            emails.append(
                {
                    "label": "work" if org else "home",
                    "value": self._email(f"{given_ascii}.{family_ascii}", domain),
                }
            )
            if rng.random() < 0.25:
                emails.append(
                    {
                        "label": "home",
                        "value": self._email(
                            f"{given_ascii[0]}{family_ascii}{rng.randint(1, 99)}",
                            rng.choice(locale.mail_domains),
                        ),
                    }
                )
        phones: list[PhoneInput] = [{"label": "mobile", "value": locale.mobile(rng)}]
        if rng.random() < 0.4:
            phones.append({"label": "work", "value": city.landline(rng)})
        data: ContactInput = {
            "given_name": given[0],
            "family_name": family[0],
            "gender": "F" if female else "M",
            "emails": emails,
            "phones": phones,
            "addresses": [self._address(locale, city, "work" if org else "home")]
            if rng.random() < 0.8
            else [],
            "languages": list(locale.languages[: rng.randint(1, len(locale.languages))]),
            "time_zone": city.time_zone,
            "source": DEMO_SOURCE,
            "tags": rng.sample(list(self.words.tags), k=rng.choice([0, 0, 1, 1, 2, 3])),
        }
        if given[1] and locale.code == "zh":
            data["phonetic_given_name"] = given[1]
            data["phonetic_family_name"] = family[1]
        if self.stages and rng.random() < 0.8:
            data["stage"] = rng.choice(self.stages)
        if rng.random() < 0.3:
            data["birthday"] = dt.date(
                rng.randint(1955, 2000), rng.randint(1, 12), rng.randint(1, 28)
            ).isoformat()
        if rng.random() < 0.3:
            data["notes"] = rng.choice(locale.notes)
        if rng.random() < 0.35:
            handle = (
                f"wxid_{given_ascii}{family_ascii}{rng.randint(10, 999)}"
                if locale.profile_label == "WeChat"
                else f"@{given_ascii}_{family_ascii}"
                if locale.profile_label == "Telegram"
                else f"https://www.linkedin.example/in/{given_ascii}-{family_ascii}"
            )
            data["profiles"] = [{"label": locale.profile_label, "value": handle}]
        custom: dict[str, Any] = {}
        if rng.random() < 0.6:
            channel = {"zh": "WeChat", "fa": "Telegram"}.get(locale.code, "Email")
            custom["preferred_channel"] = self.channel[
                rng.choice([channel, channel, "Phone", "In person"])
            ]
        if data.get("stage") in ("Customer", "VIP") and rng.random() < 0.7:
            custom["customer_since"] = dt.date(
                rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28)
            ).isoformat()
        data["custom_fields"] = custom
        title = rng.choice(locale.titles) if org is not None else ""
        if title:
            data["title"] = title
        contact = contact_create(actor=self.actor, data=data)
        result.people += 1
        if org is not None:
            affiliation_create(
                actor=self.actor,
                contact=contact,
                organization=org,
                data={
                    "title": title,
                    "department": rng.choice(locale.departments),
                    "start_date": dt.date(rng.randint(2008, 2024), rng.randint(1, 12), 1),
                    "is_primary": True,
                },
            )
            result.affiliations += 1

    def people(self, count: int, result: DemoResult, advance: Callable[[], None]) -> None:
        rng = self.rng
        if self.own is not None:
            self._own_people(self.own, count, result, advance)
            return
        for code, given_name, family_name, city_index, female in ANCHORS[:count]:
            locale = LOCALES_BY_CODE[code]
            given = _find(locale.female if female else locale.male, given_name)
            family = _find(locale.family, family_name)
            self.person(locale, given, family, locale.cities[city_index], female, result)
            advance()
        weights = [locale.weight for locale in LOCALES]
        for _index in range(max(0, count - len(ANCHORS))):
            locale = rng.choices(LOCALES, weights=weights)[0]
            female = rng.random() < 0.5
            given = rng.choice(locale.female if female else locale.male)
            family = rng.choice(locale.family)
            city = rng.choice(locale.cities)
            self.person(locale, given, family, city, female, result)
            advance()

    def _own_people(
        self, own: Locale, count: int, result: DemoResult, advance: Callable[[], None]
    ) -> None:
        """A team of one language: its people first (at least the first three), then mostly
        its people with a few from elsewhere."""
        rng = self.rng
        others = [locale for locale in LOCALES if locale is not own]
        for index in range(count):
            locale = own
            if index >= 3 and rng.random() >= OWN_LANGUAGE_SHARE:
                locale = rng.choices(others, weights=[other.weight for other in others])[0]
            female = rng.random() < 0.5
            given = rng.choice(locale.female if female else locale.male)
            family = rng.choice(locale.family)
            self.person(locale, given, family, rng.choice(locale.cities), female, result)
            advance()


def _find(names: tuple[tuple[str, str], ...], wanted: str) -> tuple[str, str]:
    return next((pair for pair in names if pair[0] == wanted), (wanted, ""))


def generate(
    *,
    actor: User,
    people: int,
    seed: int,
    advance: Callable[[], None] = lambda: None,
    language: str = "en",
) -> DemoResult:
    """Create tags, custom fields, organizations and ``people`` people owned by ``actor``.

    All in one transaction: an interrupted demo leaves nothing behind, so it can simply be run
    again. The same seed gives the same names, addresses and links."""
    result = DemoResult()
    generator = _Generator(actor, seed, language)
    with transaction.atomic():
        generator.taxonomy(result)
        generator.organizations(result)
        generator.people(people, result, advance)
    return result
