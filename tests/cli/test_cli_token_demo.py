"""`rubrica token create` and `rubrica demo`."""

from __future__ import annotations

import re
import unicodedata

import pytest
from django.db import transaction

from rubrica.accounts.services import token_authenticate
from rubrica.cli.demo import generate
from rubrica.contacts.models import Contact
from rubrica.customfields.models import CustomFieldDefinition
from rubrica.organizations.models import Affiliation, Organization
from rubrica.taxonomy.models import Tag


def test_token_create_prints_a_secret_that_authenticates(member, rubrica):
    code, out, _ = rubrica("token", "create", "--user", "member", "--name", "backup")

    assert code == 0
    secrets_shown = re.findall(r"^rbk_\S+$", out, re.MULTILINE)
    assert len(secrets_shown) == 1
    assert token_authenticate(secrets_shown[0], area="contacts") == member
    assert "cannot be shown again" in out
    assert member.api_tokens.get().name == "backup"


def test_token_create_for_an_unknown_user_exits_1(db, rubrica):
    code, _, err = rubrica("token", "create", "--user", "nobody", "--name", "x")

    assert code == 1
    assert err == "error: no active user named nobody\n"


def test_token_create_without_a_name_exits_2(member, rubrica):
    code, _, err = rubrica("token", "create", "--user", "member", "--name", " ")

    assert code == 2
    assert err == "error: name: Give the token a name.\n"
    assert member.api_tokens.count() == 0


def _script(text: str, name: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(name) for ch in text)


def test_demo_creates_chinese_persian_and_italian_people_with_links(admin_user, rubrica):
    code, out, err = rubrica("demo", "--people", "15", "--seed", "3", "-v", "0")

    assert code == 0, err
    assert out.startswith("Created 15 people, 21 organizations, ")
    names = list(Contact.objects.values_list("display_name", flat=True))
    assert "王伟" in names
    assert "李娜" in names
    assert "محمد رضایی" in names
    assert "زهرا احمدی" in names
    assert "Giulia Rossi" in names
    assert any(_script(name, "CJK UNIFIED IDEOGRAPH") for name in names)
    assert any(_script(name, "ARABIC LETTER") for name in names)
    wang = Contact.objects.get(display_name="王伟")
    assert wang.primary_phone.startswith("+86")
    assert wang.city == "北京"
    assert (wang.phonetic_given_name, wang.phonetic_family_name) == ("Wei", "Wang")
    rezaei = Contact.objects.get(display_name="محمد رضایی")
    assert rezaei.primary_phone.startswith("+98")
    assert Organization.objects.filter(name="شرکت پارس داده").exists()
    assert Affiliation.objects.exists()
    assert Tag.objects.get(name="VIP").color == "#dc3545"
    assert set(CustomFieldDefinition.objects.values_list("key", flat=True)) == {
        "preferred_channel",
        "customer_since",
        "account_number",
    }


def test_demo_runs_only_once(admin_user, rubrica):
    rubrica("demo", "--people", "8", "-v", "0")

    code, out, _ = rubrica("demo", "--people", "8")

    assert code == 0
    assert out == "Demo data is already loaded (8 people); nothing was added.\n"
    assert Contact.objects.count() == 8


def test_demo_is_deterministic_for_a_seed(admin_user):
    def names(seed: int) -> list[tuple[str, str, str]]:
        with transaction.atomic():
            generate(actor=admin_user, people=12, seed=seed)
            rows = list(
                Contact.objects.order_by("pk").values_list(
                    "display_name", "primary_email", "primary_phone"
                )
            )
            transaction.set_rollback(True)
        return rows

    first, again, other = names(7), names(7), names(8)

    assert first == again
    assert first != other
    assert len(first) == 12


def test_demo_refuses_a_bad_count(admin_user, rubrica):
    code, _, err = rubrica("demo", "--people", "0")

    assert code == 2
    assert err == "error: people: Choose a number from 1 to 100000.\n"
    assert Organization.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "script", "org", "tag"),
    [
        ("it", "LATIN", "Ferraris Meccanica S.r.l.", "Cliente chiave"),
        ("zh_Hans", "CJK UNIFIED IDEOGRAPH", "北京华信科技有限公司", "大客户"),
        ("fa", "ARABIC LETTER", "شرکت پارس داده", "مشتری کلیدی"),
    ],
)
def test_demo_in_a_language_makes_people_of_that_language(
    admin_user, rubrica, language, script, org, tag
):
    code, _out, err = rubrica("demo", "--people", "20", "--language", language, "-v", "0")

    assert code == 0, err
    names = list(Contact.objects.order_by("pk").values_list("display_name", flat=True))
    assert len(names) == 20
    assert all(_script(name, script) for name in names[:3])
    own = [name for name in names if _script(name, script)]
    assert len(own) >= 14  # about 85 %, the rest an international mix
    # every organization is of the team's language, and so are the tags and custom fields
    assert list(Organization.objects.values_list("name", flat=True)).count(org) == 1
    assert all(_script(o, script) for o in Organization.objects.values_list("name", flat=True))
    assert Tag.objects.filter(name=tag).exists()
    assert not Tag.objects.filter(name="Key account").exists()
    channel = CustomFieldDefinition.objects.get(key="preferred_channel")
    assert channel.label != "Preferred channel"


def test_demo_language_defaults_to_the_team_country(admin_user, rubrica):
    from rubrica.accounts.services import team_settings_update

    team_settings_update(actor=admin_user, country="IR")

    code, _, err = rubrica("demo", "--people", "5", "-v", "0")

    assert code == 0, err
    names = list(Contact.objects.values_list("display_name", flat=True))
    assert all(_script(name, "ARABIC LETTER") for name in names)


def test_demo_refuses_an_unknown_language(admin_user, rubrica):
    code, _, err = rubrica("demo", "--people", "5", "--language", "tlh")

    assert code == 2
    assert err == "error: language: Choose one of: en, it, zh_Hans, fa.\n"
    assert not Contact.objects.exists()
