"""A deterministic population with planted duplicates, for measuring precision and recall of
blocking + scoring without a database (tests) and with one (the scan test).

Base people get names from short lists, so many different people share a full name (the
common-name trap); families share a phone; colleagues share role mailboxes. A planted duplicate
keeps a similar name and at least one email or phone (a person-level identifier; nothing else
tells two namesakes apart), with two of:
a typo, swapped given and family names, a nickname, a phone typed another way, a new email
provider, a dropped email or phone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

GIVEN = [
    "Robert",
    "William",
    "Giuseppe",
    "Maria",
    "Anna",
    "John",
    "James",
    "Elizabeth",
    "Luigi",
    "Francesco",
    "Giovanni",
    "Margaret",
    "Michael",
    "Thomas",
    "Laura",
    "Paola",
    "Marco",
    "Andrea",
    "Sarah",
    "Richard",
    "Salvatore",
    "Vincenzo",
    "Chiara",
    "Giulia",
    "David",
]
FAMILY = [
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Lovelace",
    "Hopper",
    "Turing",
    "Conti",
    "Gallo",
]
NICK = {
    "Robert": "Bob",
    "William": "Bill",
    "Giuseppe": "Beppe",
    "Elizabeth": "Liz",
    "Luigi": "Gigi",
    "Francesco": "Checco",
    "Giovanni": "Gianni",
    "Margaret": "Maggie",
    "Michael": "Mike",
    "Thomas": "Tom",
    "James": "Jim",
    "Richard": "Rick",
    "Salvatore": "Totò",
    "Vincenzo": "Enzo",
    "David": "Dave",
}
ORGS = [f"Company {n} S.r.l." for n in range(40)]
CITIES = ["Roma", "Milano", "Torino", "London", "Napoli", "Bologna"]
PROVIDERS = ["gmail.com", "outlook.com", "example.org", "libero.it"]


@dataclass
class Person:
    ref: int
    base: int
    given_name: str
    family_name: str
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organization: str = ""
    birthday: str = ""
    city: str = ""

    def data(self) -> dict[str, Any]:
        """contact_create input (phones as typed)."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "emails": [{"value": e} for e in self.emails],
            "phones": [{"value": p} for p in self.phones],
            "birthday": self.birthday,
            "addresses": [{"city": self.city}] if self.city else [],
        }


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    kind = rng.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiou") + word[i + 1 :]


def _retype_phone(rng: random.Random, e164: str) -> str:
    digits = e164[3:]
    return rng.choice(
        [
            f"+39 {digits[:3]} {digits[3:]}",
            f"0039 {digits[:3]}-{digits[3:6]}-{digits[6:]}",
            f"({digits[:3]}) {digits[3:]}",
            f"{digits[:3]}.{digits[3:6]}.{digits[6:]}",
        ]
    )


def population(size: int = 600, duplicate_share: float = 0.3, seed: int = 7) -> list[Person]:
    rng = random.Random(seed)
    people: list[Person] = []
    shared_phones: dict[str, tuple[str, set[str]]] = {}
    for n in range(size):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        domain = rng.choice(PROVIDERS)
        person = Person(ref=len(people), base=n, given_name=given, family_name=family)
        if rng.random() < 0.85:
            person.emails.append(f"{given.lower()}.{family.lower()}{n}@{domain}")
        phone = f"+393{rng.randrange(10**8, 10**9)}"
        home = shared_phones.get(family)
        if rng.random() < 0.1 and home is not None and given not in home[1]:
            phone = home[0]  # a home phone shared by relatives (other given names)
            home[1].add(given)
        shared_phones.setdefault(family, (phone, {given}))
        person.phones.append(phone)
        if rng.random() < 0.6:
            person.organization = rng.choice(ORGS)
            if rng.random() < 0.1:
                org_word = person.organization.split()[1]
                person.emails.append(f"info@company{org_word}.it")  # a shared role mailbox
        if rng.random() < 0.3:
            person.birthday = (
                f"19{rng.randrange(50, 99)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}"
            )
        person.city = rng.choice(CITIES)
        people.append(person)
    for original in list(people):
        if rng.random() >= duplicate_share:
            continue
        dup = Person(
            ref=len(people),
            base=original.base,
            given_name=original.given_name,
            family_name=original.family_name,
            emails=list(original.emails),
            phones=list(original.phones),
            organization=original.organization,
            birthday=original.birthday,
            city=original.city,
        )
        for change in rng.sample(
            ["typo", "swap", "nickname", "phone", "provider", "drop_email", "drop_phone"], 2
        ):
            if change == "typo":
                if rng.random() < 0.5:
                    dup.family_name = _typo(rng, dup.family_name)
                else:
                    dup.given_name = _typo(rng, dup.given_name)
            elif change == "swap":
                dup.given_name, dup.family_name = dup.family_name, dup.given_name
            elif change == "nickname" and dup.given_name in NICK:
                dup.given_name = NICK[dup.given_name]
            elif change == "phone":
                dup.phones = [_retype_phone(rng, p) for p in dup.phones]
            elif change == "provider" and dup.emails:
                local = dup.emails[0].split("@")[0]
                dup.emails = [f"{local}@{rng.choice(['outlook.com', 'icloud.com'])}"]
            elif change == "drop_email" and dup.phones:
                dup.emails = []
            elif change == "drop_phone" and dup.emails:
                dup.phones = []
        people.append(dup)
    return people


def truth(people: list[Person]) -> set[tuple[int, int]]:
    """Pairs of refs that are the same person."""
    by_base: dict[int, list[int]] = {}
    for person in people:
        by_base.setdefault(person.base, []).append(person.ref)
    pairs = set()
    for refs in by_base.values():
        for i, a in enumerate(refs):
            for b in refs[i + 1 :]:
                pairs.add((min(a, b), max(a, b)))
    return pairs


def f1(found: set[tuple[int, int]], expected: set[tuple[int, int]]) -> tuple[float, float, float]:
    true_positives = len(found & expected)
    precision = true_positives / len(found) if found else 1.0
    recall = true_positives / len(expected) if expected else 1.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, score
