"""A person's page in the reader's language, time zone and date style (ADR 0021)."""

from __future__ import annotations

import pytest

from rubrica.accounts.services import user_settings_update
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def giulia(member):
    return make_contact(
        member,
        given_name="Giulia",
        family_name="Rossi",
        birthday="--04-15",
        anniversary="2010-06-01",
        phones=[{"value": "+39 347 123 4567"}],
    )


def test_an_italian_reader_sees_italian_dates_and_the_phone_with_its_national_hint(
    member_client, member, giulia
) -> None:
    user_settings_update(actor=member, user=member, data={"language": "it"})

    html = member_client.get(giulia.get_absolute_url()).content.decode()

    assert "15 aprile" in html
    assert "1 giu 2010" in html
    assert "+39 347 123 4567</bdi></a>" in html
    assert '<span class="small text-body-secondary" dir="ltr">347 123 4567</span>' in html
    assert "--04-15" not in html


def test_a_persian_reader_with_the_jalali_calendar_sees_persian_dates(
    member_client, member, giulia
) -> None:
    user_settings_update(actor=member, user=member, data={"language": "fa", "date_style": "jalali"})

    html = member_client.get(giulia.get_absolute_url()).content.decode()

    assert "۱۱ خرداد ۱۳۸۹" in html  # 2010-06-01
    assert "۱۵ آوریل" in html  # a year-less date stays Gregorian


def test_a_chinese_reader_sees_chinese_dates(member_client, member, giulia) -> None:
    user_settings_update(actor=member, user=member, data={"language": "zh-hans"})

    html = member_client.get(giulia.get_absolute_url()).content.decode()

    assert "4月15日" in html
    assert "2010年6月1日" in html
