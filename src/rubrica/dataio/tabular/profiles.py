"""Header recognition: which program wrote a spreadsheet, and what each column becomes.

Profiles: ``rubrica`` (our own export), ``google`` (Google Contacts since about 2022),
``google_legacy``, ``outlook`` (Outlook desktop, English), ``outlook_de``, ``outlook_fr``,
``outlook_it`` (the same 92 columns with translated headers), ``outlook_com`` (Outlook.com and
LinkedIn's "Outlook CSV", 61 columns) and ``generic`` (common column names, fuzzily).

Headers are compared case-, accent- and space-insensitively. Google's repeating groups
("E-mail 3 - Value", "Address 2 - City") are recognised by pattern wherever they stand and
however many there are; positions never matter except for the French Outlook header, which has
"Titre" twice (courtesy title first, job title second).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz, process

from rubrica.dataio.tabular.targets import parse_target

PROFILES = (
    "rubrica",
    "google",
    "google_legacy",
    "outlook",
    "outlook_de",
    "outlook_fr",
    "outlook_it",
    "outlook_com",
    "generic",
)
DATE_ORDER = {
    "outlook": "MDY",
    "outlook_com": "MDY",
    "outlook_de": "DMY",
    "outlook_fr": "DMY",
    "outlook_it": "DMY",
}


def header_key(header: str) -> str:
    """Case-, accent- and space-insensitive form of a header."""
    text = str(header).replace("\ufeff", "").strip().strip('"').casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("’", "'").split())


# -- our own export ---------------------------------------------------------------------------

RUBRICA_FIELDS: tuple[tuple[str, str], ...] = (
    ("UID", "external_id"),
    ("Display Name", "display_name"),
    ("Prefix", "prefix"),
    ("Given Name", "given_name"),
    ("Additional Name", "additional_name"),
    ("Family Name", "family_name"),
    ("Suffix", "suffix"),
    ("Phonetic Given Name", "phonetic_given_name"),
    ("Phonetic Family Name", "phonetic_family_name"),
    ("Nicknames", "nicknames"),
    ("Title", "title"),
    ("Role", "role"),
    ("Source", "source"),
    ("Organization", "organization.name"),
    ("Department", "organization.department"),
    ("Birthday", "birthday"),
    ("Anniversary", "anniversary"),
    ("Gender", "gender"),
    ("Languages", "languages"),
    ("Time Zone", "time_zone"),
    ("Tags", "tags"),
    ("Stage", "stage"),
    ("Visibility", "visibility"),
    ("Owner", "owner"),
    ("Team", "team"),
    ("Notes", "notes"),
)
#: Written last (after the groups and custom fields, then one column per consent purpose and
#: channel), so that the columns of files exported before them keep their places (ADR 0050).
RUBRICA_CONSENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("Email Consent", "email_consent"),
    ("SMS Consent", "sms_consent"),
)
# Owner and team name people and teams of the exporting site: the importer decides them.
RUBRICA_NOT_PROPOSED = frozenset({"owner", "team"})
RUBRICA_GROUPS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Email", "emails", (("Label", "label"), ("Value", "value"))),
    ("Phone", "phones", (("Label", "label"), ("Value", "value"))),
    (
        "Address",
        "addresses",
        (
            ("Label", "label"),
            ("Street", "street"),
            ("Extended", "extended"),
            ("PO Box", "po_box"),
            ("City", "city"),
            ("Region", "region"),
            ("Postal Code", "postal_code"),
            ("Country", "country"),
        ),
    ),
    ("URL", "urls", (("Label", "label"), ("Value", "value"))),
    ("Profile", "profiles", (("Label", "label"), ("Value", "value"))),
)
RUBRICA_CUSTOM_PREFIX = "Custom: "
#: Our header's column of one answer per consent purpose and channel: "Consent: newsletter
#: (email)" (ADR 0050).
RUBRICA_PURPOSE_PREFIX = "Consent: "
_RUBRICA_PURPOSE = re.compile(r"^(?P<key>[a-z0-9_-]{1,40}) \((?P<channel>email|sms)\)$")

# -- Google -----------------------------------------------------------------------------------

GOOGLE = {
    "first name": "given_name",
    "middle name": "additional_name",
    "last name": "family_name",
    "phonetic first name": "phonetic_given_name",
    "phonetic middle name": "ignore",
    "phonetic last name": "phonetic_family_name",
    "name prefix": "prefix",
    "name suffix": "suffix",
    "nickname": "nicknames",
    "file as": "ignore",
    "organization name": "organization.name",
    "organization title": "organization.title",
    "organization department": "organization.department",
    "organization phonetic name": "ignore",
    "organization location": "ignore",
    "organization symbol": "ignore",
    "organization job description": "ignore",
    "birthday": "birthday",
    "notes": "notes",
    "photo": "ignore",
    "labels": "tags",
}
GOOGLE_LEGACY = {
    "name": "full_name",
    "given name": "given_name",
    "additional name": "additional_name",
    "family name": "family_name",
    "yomi name": "ignore",
    "given name yomi": "phonetic_given_name",
    "additional name yomi": "ignore",
    "family name yomi": "phonetic_family_name",
    "name prefix": "prefix",
    "name suffix": "suffix",
    "initials": "ignore",
    "nickname": "nicknames",
    "short name": "ignore",
    "maiden name": "ignore",
    "birthday": "birthday",
    "gender": "gender",
    "location": "ignore",
    "billing information": "ignore",
    "directory server": "ignore",
    "mileage": "ignore",
    "occupation": "role",
    "hobby": "ignore",
    "sensitivity": "ignore",
    "priority": "ignore",
    "subject": "ignore",
    "notes": "notes",
    "language": "languages",
    "photo": "ignore",
    "group membership": "tags",
}
_KIND_WORDS = {
    "e-mail": "emails",
    "email": "emails",
    "phone": "phones",
    "address": "addresses",
    "website": "urls",
    "url": "urls",
    "profile": "profiles",
    "im": "profiles",
    "event": "events",
    "custom field": "custom_fields",
    "relation": "relation",
    "organization": "organization",
}
_GROUPED = re.compile(
    r"^(e-mail|email|phone|address|website|url|profile|im|event|custom field|relation"
    r"|organization) (\d+) - (.+)$"
)
_ADDRESS_PART_WORDS = {
    "formatted": "formatted",
    "street": "street",
    "city": "city",
    "po box": "po_box",
    "region": "region",
    "postal code": "postal_code",
    "country": "country",
    "extended address": "extended",
    "extended": "extended",
    "label": "label",
    "type": "label",
}


def grouped_target(key: str) -> str | None:
    """The target of a Google-style grouped column (``e-mail 2 - value``), or None."""
    match = _GROUPED.match(key)
    if not match:
        return None
    kind = _KIND_WORDS[match.group(1)]
    group, part = match.group(2), match.group(3)
    if kind == "relation":
        return "ignore"
    if kind == "organization":
        if group == "1" and part in ("name", "title", "department"):
            return f"organization.{part}"
        return "ignore"
    if kind == "addresses":
        address_part = _ADDRESS_PART_WORDS.get(part)
        return f"addresses[{group}].{address_part}" if address_part else "ignore"
    if match.group(1) == "im":
        if part == "service":
            return f"profiles[im{group}].label"
        if part == "value":
            return f"profiles[im{group}].value"
        return "ignore"
    if part in ("label", "type"):
        return f"{kind}[{group}].label"
    if part == "value":
        return f"{kind}[{group}].value"
    return "ignore"


# -- Outlook ----------------------------------------------------------------------------------
# (target, English, German, French, Italian); a cell may list variants seen in several versions.
_X = "ignore"
OUTLOOK_COLUMNS: tuple[tuple[Any, ...], ...] = (
    ("prefix", "Title", "Anrede", "Titre", "Titolo"),
    ("given_name", "First Name", "Vorname", "Prénom", "Nome"),
    ("additional_name", "Middle Name", "Weitere Vornamen", "Deuxième prénom", "Secondo nome"),
    ("family_name", "Last Name", "Nachname", "Nom", "Cognome"),
    ("suffix", "Suffix", "Suffix", "Suffixe", ("Titolo straniero", "Suffisso")),
    ("organization.name", "Company", "Firma", "Société", "Società"),
    ("organization.department", "Department", "Abteilung", "Service", "Reparto"),
    ("organization.title", "Job Title", "Position", ("Titre", "Fonction"), "Posizione"),
    *(
        (
            f"addresses[{group}:{label}].{part}",
            f"{en_place} {en}",
            f"{de} {de_place}".strip() if de_place else de,
            f"{fr} ({fr_place})",
            f"{it} ({it_place})" if it_place else it,
        )
        for group, label, en_place, de_place, fr_place, it_place in (
            ("work", "work", "Business", "geschäftlich", "bureau", "uff."),
            ("home", "home", "Home", "privat", "domicile", "ab."),
        )
        for part, en, de, fr, it in (
            ("street", "Street", "Straße", "Rue", "Via"),
            ("city", "City", "Ort", "Ville", "Città"),
            (
                "region",
                "State",
                "Region" if de_place == "geschäftlich" else "Bundesland/Kanton",
                "Dép/Région",
                "Provincia",
            ),
            ("postal_code", "Postal Code", "Postleitzahl", "Code postal", "CAP"),
            ("country", "Country/Region", "Land/Region", "Pays/Région", "Paese/area geografica"),
        )
    ),
    (
        "addresses[work:work].street",
        "Business Street 2",
        "Straße geschäftlich 2",
        "Rue (bureau) 2",
        "Via (uff.) 2",
    ),
    (
        "addresses[work:work].street",
        "Business Street 3",
        "Straße geschäftlich 3",
        "Rue (bureau) 3",
        "Via (uff.) 3",
    ),
    (
        "addresses[home:home].street",
        "Home Street 2",
        "Straße privat 2",
        "Rue (domicile) 2",
        "Via (ab.) 2",
    ),
    (
        "addresses[home:home].street",
        "Home Street 3",
        "Straße privat 3",
        "Rue (domicile) 3",
        "Via (ab.) 3",
    ),
    ("addresses[other:other].street", "Other Street", "Weitere Straße", "Rue (autre)", "Altra via"),
    (
        "addresses[other:other].street",
        "Other Street 2",
        "Weitere Straße 2",
        "Rue (autre) 2",
        "Altra via 2",
    ),
    (
        "addresses[other:other].street",
        "Other Street 3",
        "Weitere Straße 3",
        "Rue (autre) 3",
        "Altra via 3",
    ),
    ("addresses[other:other].city", "Other City", "Weiterer Ort", "Ville (autre)", "Altra città"),
    (
        "addresses[other:other].region",
        "Other State",
        "Weiteres/r Bundesland/Kanton",
        "Dép/Région (autre)",
        "Altra provincia",
    ),
    (
        "addresses[other:other].postal_code",
        "Other Postal Code",
        "Weitere Postleitzahl",
        "Code postal (autre)",
        "Altro CAP",
    ),
    (
        "addresses[other:other].country",
        "Other Country/Region",
        "Weiteres/e Land/Region",
        "Pays/Région (autre)",
        "Altro paese/area geografica",
    ),
    (
        "addresses[work:work].po_box",
        "Business Address PO Box",
        "Postfach geschäftlich",
        "B.P. (bureau)",
        "Casella postale (uff.)",
    ),
    (
        "addresses[home:home].po_box",
        "Home Address PO Box",
        "Postfach privat",
        "B.P. (domicile)",
        "Casella postale (ab.)",
    ),
    (
        "addresses[other:other].po_box",
        "Other Address PO Box",
        "Weiteres Postfach",
        "B.P. (autre)",
        "Altra casella postale",
    ),
    (
        "phones[assistant].value",
        "Assistant's Phone",
        "Telefon Assistent",
        "Téléphone de l'assistant(e)",
        "Telefono assistente",
    ),
    (
        "phones[workfax:work,fax].value",
        "Business Fax",
        "Fax geschäftlich",
        "Télécopie (bureau)",
        "Fax (uff.)",
    ),
    (
        "phones[work].value",
        "Business Phone",
        "Telefon geschäftlich",
        "Téléphone (bureau)",
        "Ufficio",
    ),
    (
        "phones[work2:work].value",
        "Business Phone 2",
        "Telefon geschäftlich 2",
        "Téléphone 2 (bureau)",
        "Ufficio 2",
    ),
    ("phones[callback].value", "Callback", "Rückmeldung", "Rappel", "Richiamata automatica"),
    ("phones[car].value", "Car Phone", "Autotelefon", "Téléphone (voiture)", "Telefono auto"),
    (
        "phones[main:work,main].value",
        "Company Main Phone",
        "Telefon Firma",
        "Téléphone société",
        "Telefono principale società",
    ),
    (
        "phones[homefax:home,fax].value",
        "Home Fax",
        "Fax privat",
        "Télécopie (domicile)",
        "Fax (ab.)",
    ),
    ("phones[home].value", "Home Phone", "Telefon privat", "Téléphone (domicile)", "Abitazione"),
    (
        "phones[home2:home].value",
        "Home Phone 2",
        "Telefon privat 2",
        "Téléphone 2 (domicile)",
        "Abitazione 2",
    ),
    ("phones[isdn].value", "ISDN", "ISDN", "RNIS", "ISDN"),
    (
        "phones[mobile].value",
        "Mobile Phone",
        "Mobiltelefon",
        ("Tél. mobile", "Téléphone mobile"),
        "Cellulare",
    ),
    ("phones[otherfax:fax].value", "Other Fax", "Weiteres Fax", "Télécopie (autre)", "Altro fax"),
    (
        "phones[other].value",
        "Other Phone",
        "Weiteres Telefon",
        "Téléphone (autre)",
        "Altro telefono",
    ),
    ("phones[pager].value", "Pager", "Pager", "Récepteur de radiomessagerie", "Cercapersone"),
    (
        "phones[primary:main].value",
        "Primary Phone",
        "Haupttelefon",
        "Téléphone principal",
        "Telefono principale",
    ),
    (
        "phones[radio].value",
        "Radio Phone",
        ("Mobiltelefon 2", "Funkruf"),
        "Radio téléphone",
        "Radiotelefono",
    ),
    (
        "phones[textphone].value",
        "TTY/TDD Phone",
        "Telefon für Hörbehinderte",
        "Téléphone TDD/TTY",
        "Telefono TTY/TDD",
    ),
    ("anniversary", "Anniversary", "Jahrestag", "Anniversaire de mariage", "Anniversario"),
    ("birthday", "Birthday", "Geburtstag", "Anniversaire", "Compleanno"),
    ("tags", "Categories", "Kategorien", "Catégories", "Categorie"),
    (
        "emails[1].value",
        "E-mail Address",
        ("E-Mail-Adresse", "E-Mail Adresse"),
        "Adresse de messagerie",
        "Indirizzo posta elettronica",
    ),
    (
        "emails[1].type",
        "E-mail Type",
        ("E-Mail-Typ", "E-Mail Typ"),
        "Type de messagerie",
        "Tipo posta elettronica",
    ),
    (
        _X,
        "E-mail Display Name",
        ("E-Mail: Angezeigter Name", "E-Mail-Anzeigename"),
        "Nom complet de l'adresse de messagerie",
        "Nome visualizzato posta elettronica",
    ),
    *(
        item
        for n in ("2", "3")
        for item in (
            (
                f"emails[{n}].value",
                f"E-mail {n} Address",
                (f"E-Mail {n}: Adresse", f"E-Mail-Adresse {n}"),
                f"Adresse de messagerie {n}",
                f"Indirizzo posta elettronica {n}",
            ),
            (
                f"emails[{n}].type",
                f"E-mail {n} Type",
                (f"E-Mail {n}: Typ", f"E-Mail-Typ {n}"),
                f"Type de messagerie {n}",
                f"Tipo posta elettronica {n}",
            ),
            (
                _X,
                f"E-mail {n} Display Name",
                (f"E-Mail {n}: Angezeigter Name", f"E-Mail-Anzeigename {n}"),
                f"Nom complet de l'adresse de messagerie {n}",
                f"Nome visualizzato posta elettronica {n}",
            ),
        )
    ),
    ("gender", "Gender", "Geschlecht", "Sexe", "Sesso"),
    ("languages", "Language", "Sprache", "Langue", "Lingua"),
    ("notes", "Notes", "Notizen", "Notes", "Note"),
    ("urls[1].value", "Web Page", "Webseite", "Page Web", "Pagina Web"),
    ("role", "Profession", "Beruf", "Profession", "Professione"),
    (_X, "Account", "Konto", "Compte", "Account"),
    (_X, "Assistant's Name", "Name Assistent", "Nom de l'assistant(e)", "Nome assistente"),
    (
        _X,
        "Billing Information",
        "Abrechnungsinformation",
        "Informations facturation",
        "Informazioni fatturazione",
    ),
    (_X, "Children", "Kinder", "Enfants", "Figli"),
    (
        _X,
        "Directory Server",
        "Verzeichnisserver",
        "Serveur d'annuaire",
        "Server di elenchi in linea",
    ),
    (
        _X,
        "Government ID Number",
        "Regierungs-Nr.",
        "Numéro d'identification gouvernemental",
        "Codice fiscale",
    ),
    (_X, "Hobby", "Hobby", "Passe-temps", "Hobby"),
    (_X, "Initials", "Initialen", "Initiales", "Iniziali"),
    (
        _X,
        "Internet Free Busy",
        "Internet-Frei/Gebucht",
        "Disponibilité Internet",
        "Disponibilità Internet",
    ),
    (_X, "Keywords", "Stichwörter", "Mots clés", "Parole chiave"),
    (_X, "Location", "Ort", "Emplacement", "Luogo"),
    (_X, "Manager's Name", "Name des/der Vorgesetzten", "Nom du manager", "Nome del manager"),
    (_X, "Mileage", "Reisekilometer", "Kilométrage", "Indennità chilometrica"),
    (_X, "Office Location", "Büro", "Bureau", "Posizione ufficio"),
    (
        _X,
        "Organizational ID Number",
        "Organisations-Nr.",
        "Numéro d'identification de l'organisation",
        "Codice organizzazione",
    ),
    (_X, "Priority", "Priorität", "Priorité", "Priorità"),
    (_X, "Private", "Privat", "Privé", "Privato"),
    (_X, "Referred By", "Empfohlen von", "Recommandé par", "Presentato da"),
    (_X, "Sensitivity", "Vertraulichkeit", "Critère de diffusion", "Riservatezza"),
    (_X, "Spouse", "Partner", "Conjoint(e)", "Coniuge"),
    (_X, "Telex", "Telex", "Télex", "Telex"),
    *((_X, f"User {n}", f"Benutzer {n}", f"Utilisateur {n}", f"Utente {n}") for n in "1234"),
)
# Outlook.com (and LinkedIn's "Outlook CSV"): English names, some of its own.
OUTLOOK_COM_ONLY = {
    "nickname": "nicknames",
    "given yomi": "phonetic_given_name",
    "surname yomi": "phonetic_family_name",
    "imaddress": "profiles[im].value",
    "company yomi": "ignore",
    "personal web page": "urls[home].value",
    "schools": "ignore",
}
OUTLOOK_COM_SHARED = (
    "first name", "middle name", "last name", "title", "suffix", "e-mail address",
    "e-mail 2 address", "e-mail 3 address", "home phone", "home phone 2", "business phone",
    "business phone 2", "mobile phone", "car phone", "other phone", "primary phone", "pager",
    "business fax", "home fax", "other fax", "company main phone", "callback", "radio phone",
    "telex", "tty/tdd phone", "job title", "department", "company", "office location",
    "manager's name", "assistant's name", "assistant's phone", "business street",
    "business city", "business state", "business postal code", "business country/region",
    "home street", "home city", "home state", "home postal code", "home country/region",
    "other street", "other city", "other state", "other postal code", "other country/region",
    "spouse", "hobby", "location", "web page", "birthday", "anniversary", "notes",
)  # fmt: skip


def _outlook_table(language: int) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for row in OUTLOOK_COLUMNS:
        target, names = row[0], row[language]
        for name in (names,) if isinstance(names, str) else names:
            key = header_key(name)
            table[key] = (*table.get(key, ()), target)
    return table


_OUTLOOK_EN = _outlook_table(1)
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "google": {k: (v,) for k, v in GOOGLE.items()},
    "google_legacy": {k: (v,) for k, v in GOOGLE_LEGACY.items()},
    "outlook": _OUTLOOK_EN,
    "outlook_de": _outlook_table(2),
    "outlook_fr": _outlook_table(3),
    "outlook_it": _outlook_table(4),
    "outlook_com": {
        **{k: _OUTLOOK_EN[k][:1] for k in OUTLOOK_COM_SHARED},
        **{k: (v,) for k, v in OUTLOOK_COM_ONLY.items()},
    },
}
# The French header says "Titre" for the courtesy title and again for the job title.
TABLES["outlook_fr"][header_key("Titre")] = ("prefix", "organization.title")

# -- generic ----------------------------------------------------------------------------------

GENERIC: dict[str, str] = {
    "first name": "given_name",
    "firstname": "given_name",
    "first": "given_name",
    "given name": "given_name",
    "given": "given_name",
    "forename": "given_name",
    "vorname": "given_name",
    "prenom": "given_name",
    "nome": "given_name",
    "nombre": "given_name",
    "middle name": "additional_name",
    "last name": "family_name",
    "lastname": "family_name",
    "last": "family_name",
    "surname": "family_name",
    "family name": "family_name",
    "nachname": "family_name",
    "nom": "family_name",
    "cognome": "family_name",
    "apellido": "family_name",
    "apellidos": "family_name",
    "name": "full_name",
    "full name": "full_name",
    "fullname": "full_name",
    "contact": "full_name",
    "contact name": "full_name",
    "display name": "display_name",
    "prefix": "prefix",
    "salutation": "prefix",
    "suffix": "suffix",
    "nickname": "nicknames",
    "email": "emails[1].value",
    "e-mail": "emails[1].value",
    "mail": "emails[1].value",
    "email address": "emails[1].value",
    "e-mail address": "emails[1].value",
    "work email": "emails[work].value",
    "business email": "emails[work].value",
    "home email": "emails[home].value",
    "personal email": "emails[home].value",
    "other email": "emails[other].value",
    "phone": "phones[1].value",
    "telephone": "phones[1].value",
    "tel": "phones[1].value",
    "phone number": "phones[1].value",
    "telefon": "phones[1].value",
    "telefono": "phones[1].value",
    "mobile": "phones[mobile].value",
    "mobile phone": "phones[mobile].value",
    "mobile number": "phones[mobile].value",
    "cell": "phones[mobile].value",
    "cell phone": "phones[mobile].value",
    "cellphone": "phones[mobile].value",
    "handy": "phones[mobile].value",
    "cellulare": "phones[mobile].value",
    "work phone": "phones[work].value",
    "business phone": "phones[work].value",
    "office phone": "phones[work].value",
    "home phone": "phones[home].value",
    "fax": "phones[fax].value",
    "company": "organization.name",
    "company name": "organization.name",
    "organization": "organization.name",
    "organisation": "organization.name",
    "org": "organization.name",
    "employer": "organization.name",
    "firma": "organization.name",
    "societa": "organization.name",
    "societe": "organization.name",
    "empresa": "organization.name",
    "title": "organization.title",
    "job title": "organization.title",
    "position": "organization.title",
    "job": "organization.title",
    "role": "role",
    "department": "organization.department",
    "dept": "organization.department",
    "notes": "notes",
    "note": "notes",
    "comments": "notes",
    "comment": "notes",
    "description": "notes",
    "birthday": "birthday",
    "birth date": "birthday",
    "birthdate": "birthday",
    "date of birth": "birthday",
    "dob": "birthday",
    "anniversary": "anniversary",
    "tags": "tags",
    "tag": "tags",
    "labels": "tags",
    "categories": "tags",
    "category": "tags",
    "groups": "tags",
    "group": "tags",
    "address": "addresses[1].street",
    "street": "addresses[1].street",
    "street address": "addresses[1].street",
    "address line 1": "addresses[1].street",
    "address line 2": "addresses[1].extended",
    "city": "addresses[1].city",
    "town": "addresses[1].city",
    "state": "addresses[1].region",
    "region": "addresses[1].region",
    "province": "addresses[1].region",
    "county": "addresses[1].region",
    "zip": "addresses[1].postal_code",
    "zip code": "addresses[1].postal_code",
    "postcode": "addresses[1].postal_code",
    "postal code": "addresses[1].postal_code",
    "country": "addresses[1].country",
    "website": "urls[1].value",
    "web site": "urls[1].value",
    "url": "urls[1].value",
    "web": "urls[1].value",
    "homepage": "urls[1].value",
    "web page": "urls[1].value",
    "linkedin": "profiles[linkedin].value",
    "twitter": "profiles[twitter].value",
    "id": "external_id",
    "uid": "external_id",
    "contact id": "external_id",
    "gender": "gender",
    "language": "languages",
    "languages": "languages",
    "time zone": "time_zone",
    "timezone": "time_zone",
    "email consent": "email_consent",
    "email opt in": "email_consent",
    "email opt-in": "email_consent",
    "sms consent": "sms_consent",
    "sms opt in": "sms_consent",
    "sms opt-in": "sms_consent",
}
_GENERIC_KEYS = list(GENERIC)
_TRAILING_NUMBER = re.compile(r"^(.*?)\s*(\d+)$")
_PUNCTUATION = re.compile(r"[_./:()#*]+")


def generic_target(header: str) -> str | None:
    """Common column names, with a number suffix for a second email or phone, and close
    misspellings of five letters or more (rapidfuzz ratio >= 85: "Emial Adress")."""
    key = " ".join(_PUNCTUATION.sub(" ", header_key(header)).split())
    number = ""
    match = _TRAILING_NUMBER.match(key)
    if match and match.group(1):
        key, number = match.group(1), match.group(2)
    target = GENERIC.get(key)
    if target is None and len(key) >= 5:
        found = process.extractOne(key, _GENERIC_KEYS, scorer=fuzz.ratio, score_cutoff=85)
        if found is not None:
            target = GENERIC[found[0]]
    if target is None:
        return None
    if number and "[" in target:
        kind, rest = target.split("[", 1)
        group, part = rest.split("]", 1)
        label = "" if group.isdigit() else group
        group_name = f"{group}{number}" if not group.isdigit() else number
        return f"{kind}[{group_name}:{label}]{part}" if label else f"{kind}[{group_name}]{part}"
    return target


# -- detection and proposal -------------------------------------------------------------------


def _profile_target(profile: str, key: str, header: str, occurrence: int) -> str | None:
    if profile == "rubrica":
        return _rubrica_target(header)
    if profile in ("google", "google_legacy"):
        grouped = grouped_target(key)
        if grouped is not None:
            return grouped
    targets = TABLES.get(profile, {}).get(key)
    if targets:
        return targets[min(occurrence, len(targets) - 1)]
    return None


_RUBRICA_SCALARS = {
    header_key(name): target for name, target in (*RUBRICA_FIELDS, *RUBRICA_CONSENT_FIELDS)
}
_RUBRICA_GROUPED = {
    header_key(word): (kind, {header_key(p): part for p, part in parts})
    for word, kind, parts in RUBRICA_GROUPS
}
_RUBRICA_GROUP = re.compile(r"^(email|phone|address|url|profile) (\d+) - (.+)$")


def _rubrica_target(header: str) -> str | None:
    clean = str(header).replace("\ufeff", "").strip()
    if clean.startswith(RUBRICA_CUSTOM_PREFIX):
        target = f"custom_fields.{clean[len(RUBRICA_CUSTOM_PREFIX) :].strip()}"
        try:
            parse_target(target)
        except ValueError:
            return None
        return target
    if clean.startswith(RUBRICA_PURPOSE_PREFIX):
        match = _RUBRICA_PURPOSE.match(clean[len(RUBRICA_PURPOSE_PREFIX) :].strip())
        if match:
            return f"purpose.{match.group('key')}.{match.group('channel')}"
        return None
    key = header_key(clean)
    if key in _RUBRICA_SCALARS:
        return _RUBRICA_SCALARS[key]
    match = _RUBRICA_GROUP.match(key)
    if match:
        kind, parts = _RUBRICA_GROUPED[match.group(1)]
        part = parts.get(match.group(3))
        if part:
            return f"{kind}[{match.group(2)}].{part}"
    return None


def _recognised(profile: str, headers: Sequence[str]) -> int:
    count = 0
    seen: dict[str, int] = {}
    for header in headers:
        key = header_key(header)
        if not key:
            continue
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        if _profile_target(profile, key, header, occurrence) is not None:
            count += 1
    return count


def _markers(profile: str, keys: set[str]) -> bool:
    """Headers a profile's files always have (so a plain "First Name, Last Name" file is not
    taken for Google's or Outlook's)."""
    if profile == "rubrica":
        return {"uid", "display name", "given name"} <= keys
    if profile == "google":
        return "first name" in keys and (
            "labels" in keys
            or "organization name" in keys
            or any(k.endswith(" - label") for k in keys)
        )
    if profile == "google_legacy":
        return "group membership" in keys or (
            {"given name", "family name"} <= keys and any(k.endswith(" - type") for k in keys)
        )
    if profile == "outlook_com":
        return {"first name", "last name", "e-mail address"} <= keys
    if profile.startswith("outlook"):
        table = TABLES[profile]
        given = [k for k, v in table.items() if v[0] == "given_name"]
        email = [k for k, v in table.items() if v[0] == "emails[1].value"]
        return any(k in keys for k in given) and any(k in keys for k in email)
    return True


def detect_profile(headers: Sequence[str]) -> tuple[str, float]:
    """(profile name, confidence in 0..1): the share of non-empty headers the best profile
    recognises; ``generic`` (its share halved, fuzzy names being guesses) when no specific
    profile fits."""
    keys = {header_key(h) for h in headers if header_key(h)}
    total = len([h for h in headers if header_key(h)]) or 1
    best, best_score = "generic", 0.0
    for profile in PROFILES[:-1]:
        if not _markers(profile, keys):
            continue
        score = _recognised(profile, headers) / total
        if score > best_score:
            best, best_score = profile, score
    generic = sum(1 for h in headers if header_key(h) and generic_target(h)) / total / 2
    if best_score < 0.5 and generic >= best_score:
        return "generic", round(generic, 3)
    return best, round(best_score, 3)


def propose_mapping(headers: Sequence[str], profile: str | None = None) -> dict[int, str]:
    """``{column index: target}`` for every column (``ignore`` for what is not recognised):
    the profile's own table first, then Google-style groups, then common names."""
    if profile is None:
        profile = detect_profile(headers)[0]
    mapping: dict[int, str] = {}
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header_key(header)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        target = None
        if key:
            target = _profile_target(profile, key, header, occurrence)
            if profile == "rubrica" and target in RUBRICA_NOT_PROPOSED:
                target = "ignore"
            if target is None:
                target = grouped_target(key) or generic_target(header)
        mapping[index] = target or "ignore"
    return mapping


def date_order(profile: str, delimiter: str = ",") -> str:
    """How ``4/5/1980`` reads in files of ``profile``: English Outlook writes month first;
    translated Outlooks and semicolon files (European locales) day first."""
    if profile in DATE_ORDER:
        return DATE_ORDER[profile]
    return "DMY" if delimiter == ";" else "MDY"
