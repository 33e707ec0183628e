"""CSV reading: files as Google, Outlook (four languages), Outlook.com and people write them,
built here byte by byte."""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from rubrica.dataio.tabular import (
    CsvFormatError,
    CsvReader,
    detect_profile,
    preview,
    propose_mapping,
)
from rubrica.dataio.tabular.csv_reader import sniff_delimiter, sniff_encoding


def _csv(rows: list[list[str]], *, delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _records(data: bytes, **options):
    reader = CsvReader(io.BytesIO(data), **options)
    return reader, list(reader.records())


# -- Google Contacts, current ------------------------------------------------------------------

GOOGLE_HEADER = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
    "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As",
    "Organization Name", "Organization Title", "Organization Department", "Birthday", "Notes",
    "Photo", "Labels", "E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Label",
    "E-mail 2 - Value", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
    "Phone 2 - Value", "Address 1 - Label", "Address 1 - Formatted", "Address 1 - Street",
    "Address 1 - City", "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code",
    "Address 1 - Country", "Address 1 - Extended Address", "Website 1 - Label",
    "Website 1 - Value", "Event 1 - Label", "Event 1 - Value", "Relation 1 - Label",
    "Relation 1 - Value",
]  # fmt: skip


def _google_row(**cells: str) -> list[str]:
    return [cells.get(header, "") for header in GOOGLE_HEADER]


def test_google_current_with_bom_multi_values_starred_labels_and_multiline_address():
    text = _csv(
        [
            GOOGLE_HEADER,
            _google_row(
                **{
                    "First Name": "Anna",
                    "Last Name": "Rossi",
                    "Nickname": "Annie",
                    "Organization Name": "Acme S.p.A.",
                    "Organization Title": "CEO",
                    "Organization Department": "Board",
                    "Birthday": "--04-15",
                    "Notes": "First line\nsecond line",
                    "Labels": "* myContacts ::: * starred ::: Friends",
                    "E-mail 1 - Label": "* Home",
                    "E-mail 1 - Value": "anna@example.com ::: anna.rossi@example.org",
                    "E-mail 2 - Label": "Work",
                    "E-mail 2 - Value": "anna@acme.example",
                    "Phone 1 - Label": "Mobile",
                    "Phone 1 - Value": "+39 333 123 4567",
                    "Phone 2 - Label": "Work Fax",
                    "Phone 2 - Value": "+39 06 1234 5678",
                    "Address 1 - Label": "Home",
                    "Address 1 - Formatted": "Via Roma 1\n00184 Roma RM\nItaly",
                    "Address 1 - Street": "Via Roma 1",
                    "Address 1 - City": "Roma",
                    "Address 1 - Region": "RM",
                    "Address 1 - Postal Code": "00184",
                    "Address 1 - Country": "Italy",
                    "Website 1 - Label": "Blog",
                    "Website 1 - Value": "https://anna.example/",
                    "Event 1 - Label": "Anniversary",
                    "Event 1 - Value": "2010-06-01",
                    "Relation 1 - Label": "Spouse",
                    "Relation 1 - Value": "Marco",
                }
            ),
            _google_row(**{"First Name": "Solo", "Address 2 - City": "ignored"}),
        ]
    )
    reader, records = _records(codecs.BOM_UTF8 + text.encode("utf-8"))

    assert (reader.profile, reader.confidence) == ("google", 1.0)
    assert reader.dialect is not None and reader.dialect.encoding.name == "utf-8-sig"
    anna = records[0]
    assert anna.line == 2
    assert anna.errors == []
    assert anna.organization == {"name": "Acme S.p.A.", "title": "CEO", "department": "Board"}
    assert anna.data == {
        "given_name": "Anna",
        "additional_name": "",
        "family_name": "Rossi",
        "phonetic_given_name": "",
        "phonetic_family_name": "",
        "prefix": "",
        "suffix": "",
        "birthday": "--04-15",
        "anniversary": "2010-06-01",
        "notes": "First line\nsecond line",
        "nicknames": ["Annie"],
        "tags": ["starred", "Friends"],
        "title": "CEO",
        "emails": [
            {"label": "home", "value": "anna@example.com", "is_preferred": True},
            {"label": "home", "value": "anna.rossi@example.org", "is_preferred": False},
            {"label": "work", "value": "anna@acme.example", "is_preferred": False},
        ],
        "phones": [
            {"label": "mobile", "value": "+39 333 123 4567", "is_preferred": False},
            {"label": "work,fax", "value": "+39 06 1234 5678", "is_preferred": False},
        ],
        "addresses": [
            {
                "label": "home",
                "street": "Via Roma 1",
                "extended": "",
                "po_box": "",
                "city": "Roma",
                "region": "RM",
                "postal_code": "00184",
                "country": "Italy",
                "is_preferred": False,
            }
        ],
        "urls": [{"label": "blog", "value": "https://anna.example/", "is_preferred": False}],
    }
    # The notes and the formatted address span four physical lines: the next record is on 6.
    assert records[1].line == 6
    assert records[1].data["given_name"] == "Solo"
    assert records[1].organization is None


def test_google_address_with_only_a_formatted_cell_becomes_one_street_line():
    header = ["First Name", "Labels", "Address 1 - Label", "Address 1 - Formatted"]
    text = _csv([header, ["Bo", "* myContacts", "Work", "Main St 5\nSpringfield\nUSA"]])

    _reader, [record] = _records(text.encode())

    assert record.data["addresses"] == [
        {
            "label": "work",
            "street": "Main St 5, Springfield, USA",
            "extended": "",
            "po_box": "",
            "city": "",
            "region": "",
            "postal_code": "",
            "country": "",
            "is_preferred": False,
        }
    ]
    assert record.data["tags"] == []


def test_google_columns_are_matched_by_pattern_not_position():
    header = ["Phone 3 - Value", "First Name", "Labels", "Phone 3 - Label", "E-mail 12 - Value"]

    assert propose_mapping(header) == {
        0: "phones[3].value",
        1: "given_name",
        2: "tags",
        3: "phones[3].label",
        4: "emails[12].value",
    }


# -- Google legacy -----------------------------------------------------------------------------

LEGACY_HEADER = [
    "Name", "Given Name", "Additional Name", "Family Name", "Yomi Name", "Given Name Yomi",
    "Additional Name Yomi", "Family Name Yomi", "Name Prefix", "Name Suffix", "Initials",
    "Nickname", "Short Name", "Maiden Name", "Birthday", "Gender", "Location",
    "Billing Information", "Directory Server", "Mileage", "Occupation", "Hobby", "Sensitivity",
    "Priority", "Subject", "Notes", "Language", "Photo", "Group Membership", "E-mail 1 - Type",
    "E-mail 1 - Value", "IM 1 - Type", "IM 1 - Service", "IM 1 - Value", "Phone 1 - Type",
    "Phone 1 - Value", "Address 1 - Type", "Address 1 - Formatted", "Address 1 - Street",
    "Address 1 - City", "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code",
    "Address 1 - Country", "Address 1 - Extended Address", "Organization 1 - Type",
    "Organization 1 - Name", "Organization 1 - Yomi Name", "Organization 1 - Title",
    "Organization 1 - Department", "Organization 1 - Symbol", "Organization 1 - Location",
    "Organization 1 - Job Description", "Website 1 - Type", "Website 1 - Value",
    "Custom Field 1 - Type", "Custom Field 1 - Value",
]  # fmt: skip


def test_google_legacy_export_maps_names_groups_im_and_organization():
    cells = dict.fromkeys(LEGACY_HEADER, "")
    cells.update(
        {
            "Name": "Ben Okafor",
            "Given Name": "Ben",
            "Family Name": "Okafor",
            "Birthday": "1975-12-31",
            "Gender": "male",
            "Occupation": "Engineer",
            "Notes": "Likes tea",
            "Group Membership": "* My Contacts ::: System Group: Friends ::: Club",
            "E-mail 1 - Type": "* Work",
            "E-mail 1 - Value": "ben@example.net",
            "IM 1 - Type": "Other",
            "IM 1 - Service": "Skype",
            "IM 1 - Value": "ben.okafor",
            "Phone 1 - Type": "Mobile",
            "Phone 1 - Value": "+44 7700 900123",
            "Address 1 - Type": "Home",
            "Address 1 - Formatted": "1 High St\nLondon\nUK",
            "Organization 1 - Name": "Okafor Ltd",
            "Organization 1 - Title": "Founder",
            "Website 1 - Type": "Profile",
            "Website 1 - Value": "ben.example.net",
        }
    )
    text = _csv([LEGACY_HEADER, [cells[h] for h in LEGACY_HEADER]])

    reader, [record] = _records(text.encode())

    assert reader.profile == "google_legacy"
    assert record.errors == []
    data = record.data
    assert (data["display_name"], data["given_name"], data["family_name"]) == (
        "Ben Okafor",
        "Ben",
        "Okafor",
    )
    assert (data["birthday"], data["gender"], data["role"], data["notes"]) == (
        "1975-12-31",
        "M",
        "Engineer",
        "Likes tea",
    )
    assert data["tags"] == ["Club"]  # Google's legacy "* My Contacts" is no group of yours
    assert data["emails"] == [{"label": "work", "value": "ben@example.net", "is_preferred": True}]
    assert data["profiles"] == [{"label": "Skype", "value": "ben.okafor", "is_preferred": False}]
    assert data["phones"] == [
        {"label": "mobile", "value": "+44 7700 900123", "is_preferred": False}
    ]
    assert data["addresses"][0]["street"] == "1 High St, London, UK"
    assert data["urls"] == [{"label": "profile", "value": "ben.example.net", "is_preferred": False}]
    assert record.organization == {"name": "Okafor Ltd", "title": "Founder", "department": ""}


# -- Outlook desktop ---------------------------------------------------------------------------

OUTLOOK_HEADER = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department",
    "Job Title", "Business Street", "Business Street 2", "Business Street 3", "Business City",
    "Business State", "Business Postal Code", "Business Country/Region", "Home Street",
    "Home Street 2", "Home Street 3", "Home City", "Home State", "Home Postal Code",
    "Home Country/Region", "Other Street", "Other Street 2", "Other Street 3", "Other City",
    "Other State", "Other Postal Code", "Other Country/Region", "Assistant's Phone",
    "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone",
    "Other Fax", "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex",
    "Account", "Anniversary", "Assistant's Name", "Billing Information", "Birthday",
    "Business Address PO Box", "Categories", "Children", "Directory Server", "E-mail Address",
    "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type",
    "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials",
    "Internet Free Busy", "Keywords", "Language", "Location", "Manager's Name", "Mileage", "Notes",
    "Office Location", "Organizational ID Number", "Other Address PO Box", "Priority", "Private",
    "Profession", "Referred By", "Sensitivity", "Spouse", "User 1", "User 2", "User 3", "User 4",
    "Web Page",
]  # fmt: skip


def test_outlook_header_has_the_92_columns_and_is_fully_recognised():
    assert len(OUTLOOK_HEADER) == 92
    assert detect_profile(OUTLOOK_HEADER) == ("outlook", 1.0)


def test_outlook_desktop_in_cp1252_with_accents_exchange_address_and_categories():
    cells = dict.fromkeys(OUTLOOK_HEADER, "")
    cells.update(
        {
            "Title": "Mr.",
            "First Name": "José",
            "Last Name": "Müller",
            "Company": "Café Française",
            "Department": "Ventes",
            "Job Title": "Gérant",
            "Business Street": "12 Rue de la Paix",
            "Business Street 2": "Bâtiment B",
            "Business City": "Paris",
            "Business Postal Code": "75002",
            "Business Country/Region": "France",
            "Mobile Phone": "+33 6 12 34 56 78",
            "Business Phone": "+33 1 42 68 53 00",
            "Birthday": "4/15/1980",
            "Anniversary": "0/0/00",
            "Categories": "Friends;Work, VIP",
            "E-mail Address": "/o=ExchangeLabs/ou=Exchange Administrative Group/cn=jose",
            "E-mail Type": "EX",
            "E-mail Display Name": "José Müller",
            "E-mail 2 Address": "jose@example.fr",
            "E-mail 2 Type": "SMTP",
            "Gender": "Male",
            "Notes": "Rencontré à Lyon",
            "Priority": "Normal",
            "Private": "False",
            "Sensitivity": "Normal",
            "Web Page": "www.cafe.example",
        }
    )
    text = _csv([OUTLOOK_HEADER, [cells[h] for h in OUTLOOK_HEADER]], quoting=csv.QUOTE_ALL)

    reader, [record] = _records(text.encode("cp1252"))

    assert reader.dialect is not None and reader.dialect.encoding.name == "cp1252"
    assert reader.profile == "outlook"
    assert record.errors == []
    data = record.data
    assert (data["prefix"], data["given_name"], data["family_name"]) == ("Mr.", "José", "Müller")
    assert (data["birthday"], data["anniversary"], data["gender"]) == ("1980-04-15", "", "M")
    assert data["tags"] == ["Friends", "Work", "VIP"]
    assert data["notes"] == "Rencontré à Lyon"
    assert data["title"] == "Gérant"
    assert data["emails"] == [{"label": "", "value": "jose@example.fr", "is_preferred": False}]
    assert data["phones"] == [
        {"label": "work", "value": "+33 1 42 68 53 00", "is_preferred": False},
        {"label": "mobile", "value": "+33 6 12 34 56 78", "is_preferred": False},
    ]
    assert data["addresses"] == [
        {
            "label": "work",
            "street": "12 Rue de la Paix, Bâtiment B",
            "extended": "",
            "po_box": "",
            "city": "Paris",
            "region": "",
            "postal_code": "75002",
            "country": "France",
            "is_preferred": False,
        }
    ]
    assert data["urls"] == [{"label": "", "value": "www.cafe.example", "is_preferred": False}]
    assert record.organization == {
        "name": "Café Française",
        "title": "Gérant",
        "department": "Ventes",
    }


TRANSLATED = {
    "outlook_de": (
        ["Anrede", "Vorname", "Weitere Vornamen", "Nachname", "Firma", "Abteilung", "Position",
         "Straße geschäftlich", "Ort geschäftlich", "Postleitzahl geschäftlich",
         "Land/Region geschäftlich", "Telefon geschäftlich", "Mobiltelefon", "Geburtstag",
         "E-Mail-Adresse", "E-Mail-Typ", "E-Mail: Angezeigter Name", "Kategorien", "Notizen",
         "Priorität", "Vertraulichkeit"],
        ["Frau", "Jürgen", "", "Groß", "Bäckerei Groß", "Verkauf", "Leiterin", "Hauptstraße 5",
         "München", "80331", "Deutschland", "+49 89 1234567", "+49 151 23456789", "03.02.1970",
         "juergen@example.de", "SMTP", "Jürgen Groß", "Kunden; Lieferanten", "Notiz", "Normal",
         "Normal"],
    ),
    "outlook_fr": (
        ["Titre", "Prénom", "Deuxième prénom", "Nom", "Suffixe", "Société", "Service", "Titre",
         "Rue (bureau)", "Ville (bureau)", "Code postal (bureau)", "Pays/Région (bureau)",
         "Téléphone (bureau)", "Tél. mobile", "Anniversaire", "Adresse de messagerie",
         "Type de messagerie", "Catégories", "Notes"],
        ["Mme", "Hélène", "", "Lefèvre", "", "Société Générale", "Achats", "Directrice",
         "5 Avenue Foch", "Lyon", "69006", "France", "+33 4 78 00 00 00", "+33 6 98 76 54 32",
         "03/02/1970", "helene@example.fr", "SMTP", "Clients", "Note"],
    ),
    "outlook_it": (
        ["Titolo", "Nome", "Secondo nome", "Cognome", "Società", "Reparto", "Posizione",
         "Via (uff.)", "Città (uff.)", "CAP (uff.)", "Paese/area geografica (uff.)", "Ufficio",
         "Cellulare", "Compleanno", "Indirizzo posta elettronica", "Tipo posta elettronica",
         "Categorie", "Note"],
        ["Sig.ra", "Niccolò", "", "Lucà", "Società Rossi", "Vendite", "Direttrice",
         "Via Po 3", "Torino", "10123", "Italia", "+39 011 123 4567", "+39 347 123 4567",
         "03/02/1970", "niccolo@example.it", "SMTP", "Clienti", "Nota"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("profile", sorted(TRANSLATED))
def test_translated_outlook_headers_map_like_the_english_ones(profile):
    header, row = TRANSLATED[profile]
    text = _csv([header, row], quoting=csv.QUOTE_ALL)

    reader, [record] = _records(text.encode("cp1252"))

    assert reader.profile == profile
    assert reader.confidence == 1.0
    assert record.errors == []
    data = record.data
    assert (data["prefix"], data["given_name"], data["family_name"]) == (row[0], row[1], row[3])
    # Day first in these locales: 3 February, not 2 March.
    assert data["birthday"] == "1970-02-03"
    assert [e["value"] for e in data["emails"]] == [
        row[header.index(h)]
        for h in header
        if h in ("E-Mail-Adresse", "Adresse de messagerie", "Indirizzo posta elettronica")
    ]
    assert [p["label"] for p in data["phones"]] == ["work", "mobile"]
    assert data["addresses"][0]["label"] == "work"
    assert data["addresses"][0]["city"] in ("München", "Lyon", "Torino")
    assert record.organization is not None
    assert record.organization["title"] in ("Leiterin", "Directrice") or profile == "outlook_it"
    assert data["tags"] in (["Kunden", "Lieferanten"], ["Clients"], ["Clienti"])


def test_french_outlook_reads_the_two_titre_columns_as_courtesy_title_then_job_title():
    header, _row = TRANSLATED["outlook_fr"]

    mapping = propose_mapping(header)

    assert mapping[0] == "prefix"
    assert mapping[7] == "organization.title"
    assert mapping[3] == "family_name"
    assert mapping[14] == "birthday"


# -- Outlook.com -------------------------------------------------------------------------------

OUTLOOK_COM_HEADER = (
    "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,"
    "E-mail Address,E-mail 2 Address,E-mail 3 Address,Home Phone,Home Phone 2,Business Phone,"
    "Business Phone 2,Mobile Phone,Car Phone,Other Phone,Primary Phone,Pager,Business Fax,"
    "Home Fax,Other Fax,Company Main Phone,Callback,Radio Phone,Telex,TTY/TDD Phone,IMAddress,"
    "Job Title,Department,Company,Office Location,Manager's Name,Assistant's Name,"
    "Assistant's Phone,Company Yomi,Business Street,Business City,Business State,"
    "Business Postal Code,Business Country/Region,Home Street,Home City,Home State,"
    "Home Postal Code,Home Country/Region,Other Street,Other City,Other State,Other Postal Code,"
    "Other Country/Region,Personal Web Page,Spouse,Schools,Hobby,Location,Web Page,Birthday,"
    "Anniversary,Notes"
)


def test_outlook_com_unquoted_61_columns():
    header = OUTLOOK_COM_HEADER.split(",")
    assert len(header) == 61
    cells = dict.fromkeys(header, "")
    cells.update(
        {
            "First Name": "Chloé",
            "Last Name": "Dubois",
            "Nickname": "Clo",
            "E-mail Address": "chloe@example.com",
            "E-mail 2 Address": "chloe.dubois@example.org",
            "Mobile Phone": "+1 415 555 0134",
            "Job Title": "Designer",
            "Company": "Studio",
            "Home City": "San Francisco",
            "Birthday": "12/24/1990",
        }
    )
    text = ",".join(header) + "\n" + ",".join(cells[h] for h in header) + "\n"

    reader, [record] = _records(text.encode("utf-8"))

    assert (reader.profile, reader.confidence) == ("outlook_com", 1.0)
    assert record.errors == []
    assert record.data["nicknames"] == ["Clo"]
    assert [e["value"] for e in record.data["emails"]] == [
        "chloe@example.com",
        "chloe.dubois@example.org",
    ]
    assert record.data["phones"] == [
        {"label": "mobile", "value": "+1 415 555 0134", "is_preferred": False}
    ]
    assert record.data["birthday"] == "1990-12-24"
    assert record.data["addresses"][0]["city"] == "San Francisco"
    assert record.organization == {"name": "Studio", "title": "Designer", "department": ""}


# -- generic files, dialects, encodings --------------------------------------------------------


def test_semicolon_file_with_generic_headers_and_day_first_dates():
    text = (
        "Nome;Cognome;Email;Cellulare;Azienda;Data di nascita;Note\n"
        "Giulia;Bianchi;giulia@example.it;+39 347 765 4321;Bianchi Srl;05/03/1988;ciao\n"
    )
    reader, [record] = _records(text.encode("utf-8"))

    assert reader.dialect is not None and reader.dialect.delimiter == ";"
    assert reader.profile == "generic"
    assert record.data["given_name"] == "Giulia"
    assert record.data["family_name"] == "Bianchi"
    assert record.data["emails"] == [
        {"label": "", "value": "giulia@example.it", "is_preferred": False}
    ]
    assert record.data["phones"] == [
        {"label": "mobile", "value": "+39 347 765 4321", "is_preferred": False}
    ]


def test_generic_headers_map_by_common_names_numbers_and_near_misspellings():
    header = ["Full Name", "E-mail", "Email 2", "Work Phone", "Mobile", "Company", "Job Title",
              "Zip", "Emial Adress", "Something else"]  # fmt: skip

    assert propose_mapping(header) == {
        0: "full_name",
        1: "emails[1].value",
        2: "emails[2].value",
        3: "phones[work].value",
        4: "phones[mobile].value",
        5: "organization.name",
        6: "organization.title",
        7: "addresses[1].postal_code",
        8: "emails[1].value",
        9: "ignore",
    }


def test_full_name_is_split_when_there_are_no_name_columns():
    text = "Name,Email\nDoe, Jane,jane@example.com\n".replace("Doe, Jane", '"Doe, Jane"')
    text += "Marie Curie,marie@example.com\n"
    _reader, records = _records(text.encode())

    assert [
        (r.data["display_name"], r.data["given_name"], r.data["family_name"]) for r in records
    ] == [
        ("Doe, Jane", "Jane", "Doe"),
        ("Marie Curie", "Marie", "Curie"),
    ]


def test_an_invalid_email_is_reported_with_its_line_and_column():
    text = _csv(
        [
            ["First Name", "Last Name", "E-mail Address", "Notes"],
            ["Ok", "One", "ok@example.com", "two\nlines"],
            ["Bad", "Two", "not-an-email", ""],
            ["Bad", "Three", "x@example.com", ""],
        ]
    )
    _reader, records = _records(text.encode())

    assert [r.line for r in records] == [2, 4, 5]
    assert records[0].set_aside == []
    assert records[1].set_aside == ['line 4, column "E-mail Address": Enter a valid email address.']
    assert records[2].set_aside == []


def test_invalid_phone_url_and_date_cells_are_reported_per_column():
    text = _csv(
        [
            ["First Name", "Mobile Phone", "Web Page", "Birthday"],
            ["Zed", "12", "ftp://files.example", "31/31/1999"],
        ]
    )
    _reader, [record] = _records(text.encode())

    assert record.set_aside == [
        'line 2, column "Birthday": This date does not exist.',
        'line 2, column "Mobile Phone": This phone number has the wrong number of digits.',
        'line 2, column "Web Page": Only http and https addresses are allowed.',
    ]


def test_a_neutralised_cell_is_read_back_without_its_apostrophe():
    text = _csv([["First Name", "Notes"], ["Eve", "'=1+2"], ["Tom", "'tis fine"]])
    _reader, records = _records(text.encode())

    assert [r.data["notes"] for r in records] == ["=1+2", "'tis fine"]


def test_encoding_sniffing_order():
    assert sniff_encoding(codecs.BOM_UTF8 + b"a,b").name == "utf-8-sig"
    assert sniff_encoding(codecs.BOM_UTF16_LE + "a,b".encode("utf-16-le")).name == "utf-16"
    assert sniff_encoding("Müller".encode()).name == "utf-8"
    assert sniff_encoding("Müller,Çà".encode("cp1252")).name == "cp1252"
    assert sniff_encoding(b"plain", "latin-1").name == "iso8859-1"
    assert sniff_encoding("Имя,Фамилия\nИван,Петров\n".encode("cp1251")).name == "cp1251"


def test_an_unknown_encoding_name_is_a_clear_error():
    with pytest.raises(CsvFormatError, match="klingon is not a known encoding"):
        CsvReader(io.BytesIO(b"a,b\n"), encoding="klingon").open()


def test_utf8_file_with_a_stray_windows_byte_after_the_sample_reads_that_byte_as_cp1252():
    body = b"First Name,Last Name\n" + b"Ann,Lee\n" * 10_000 + "Zoë,Brontë\n".encode("cp1252")
    reader, records = _records(body)

    assert reader.dialect is not None and reader.dialect.encoding.name == "utf-8"
    assert (records[-1].data["given_name"], records[-1].data["family_name"]) == ("Zoë", "Brontë")


def test_utf16_outlook_unicode_export_with_tabs():
    text = "First Name\tLast Name\tE-mail Address\nŁukasz\tNowak\tlukasz@example.pl\n"
    reader, [record] = _records(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))

    assert reader.dialect is not None and reader.dialect.delimiter == "\t"
    assert record.data["given_name"] == "Łukasz"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('"Doe, Jane";b\n"x, y";2\n', ";"),
        ("single\nvalue\n", ","),
    ],
)
def test_delimiter_sniffing(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_explicit_encoding_and_delimiter_override_sniffing():
    body = "Vorname|Nachname\nJörg|Weiß\n".encode("latin-1")
    reader, [record] = _records(body, encoding="latin-1", delimiter="|")

    assert record.data["given_name"] == "Jörg"
    assert reader.dialect is not None and reader.dialect.delimiter == "|"


def test_a_stream_that_cannot_seek_is_read_from_the_start():
    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer) -> int:
            chunk = self._inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    body = b"First Name,E-mail Address\nAl,al@example.com\n"
    records = list(CsvReader(io.BufferedReader(OneWay(body))).records())

    assert [r.data["given_name"] for r in records] == ["Al"]


def test_an_explicit_mapping_is_used_as_given_and_bad_targets_are_refused():
    body = b"c1,c2,c3\nAda,Byron,ada@example.com\n"
    reader = CsvReader(io.BytesIO(body), {0: "family_name", 1: "ignore", 2: "emails[x].value"})
    [record] = list(reader.records())

    assert record.data == {
        "family_name": "Ada",
        "emails": [{"label": "x", "value": "ada@example.com", "is_preferred": False}],
    }
    with pytest.raises(ValueError, match="not a known column target"):
        CsvReader(io.BytesIO(body), {0: "shoe_size"}).open()


def test_a_broken_quote_is_a_format_error_naming_the_line():
    body = b'First Name,Notes\nA,ok\nB,"unclosed' + b"x" * 1_100_000 + b"\n"
    reader = CsvReader(io.BytesIO(body))

    with pytest.raises(CsvFormatError, match=r"^line 3: "):
        list(reader.records())


def test_blank_lines_are_skipped_and_the_row_text_is_kept_for_the_report():
    body = b"First Name,Last Name\n\nAna,Silva\n"
    _reader, [record] = _records(body)

    assert record.line == 3
    assert record.raw == {"First Name": "Ana", "Last Name": "Silva"}


def test_preview_shows_each_cell_with_its_target_and_problem():
    body = b"First Name,E-mail Address,Shoe\nAl,nope,42\nBo,bo@example.com,\n"

    result = preview(io.BytesIO(body), n=1)

    assert result["profile"] == "outlook"
    assert result["mapping"] == {0: "given_name", 1: "emails[1].value", 2: "ignore"}
    assert (result["encoding"], result["delimiter"]) == ("utf-8", ",")
    assert len(result["rows"]) == 1
    assert result["rows"][0]["cells"] == [
        {"column": 0, "header": "First Name", "value": "Al", "target": "given_name",
         "problem": None},
        {"column": 1, "header": "E-mail Address", "value": "nope", "target": "emails[1].value",
         "problem": "Enter a valid email address."},
        {"column": 2, "header": "Shoe", "value": "42", "target": "ignore", "problem": None},
    ]  # fmt: skip
    assert result["rows"][0]["errors"] == [
        'line 2, column "E-mail Address": Enter a valid email address.'
    ]


def test_gender_is_read_in_the_languages_of_the_exports_and_unknown_spellings_are_left_out():
    body = "First Name,Gender\nA,Weiblich\nB,Masculin\nC,femmina\nD,F\nE,Unspecified\nF,Robot\n"
    _reader, records = _records(body.encode())

    assert [r.data["gender"] for r in records] == ["F", "M", "F", "F", "", ""]
    assert all(r.errors == [] for r in records)


def test_two_columns_with_the_same_name_give_two_entries():
    body = b"Name,Email,Email,Phone\nAl Bo,al@example.com,bo@example.com,+1 415 555 0134\n"
    _reader, [record] = _records(body)

    assert [e["value"] for e in record.data["emails"]] == ["al@example.com", "bo@example.com"]
    assert record.errors == []
