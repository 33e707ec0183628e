"""The privacy pages (ADR 0032): the card on a person's page, recording consent, the export
download, the erasure's confirmation page, the administrators' page of rules. Refusals answer
403 (404 for a person one may not see) and change nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from rubrica.audit.models import AuditEntry
from rubrica.contacts.models import ConsentSource, ConsentState, Contact
from rubrica.privacy.models import Erasure, RetentionRule
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(member):
    return make_contact(
        member, given_name="Ada", family_name="Lovelace", emails=[{"value": "ada@example.com"}]
    )


def test_the_person_page_shows_consent_and_export_but_erasure_only_to_administrators(
    client, member, admin_user, ada
):
    client.force_login(member)
    page = client.get(ada.get_absolute_url()).content.decode()
    assert 'id="panel-privacy"' in page
    assert 'id="consent-email" data-state=""' in page
    assert 'id="privacy-export"' in page
    assert 'id="privacy-erase"' not in page

    client.force_login(admin_user)
    page = client.get(ada.get_absolute_url()).content.decode()
    assert 'id="privacy-erase"' in page


def test_recording_consent_from_the_page(client, member, ada):
    client.force_login(member)

    response = client.post(
        f"/privacy/people/{ada.pk}/consent/",
        {"channel": "sms", "state": "granted", "version": ada.version},
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.sms_consent, ada.sms_consent_source) == (ConsentState.GRANTED, ConsentSource.USER)
    page = client.get(ada.get_absolute_url()).content.decode()
    assert 'id="consent-sms" data-state="granted"' in page


def test_a_reader_cannot_record_consent_and_nothing_changes(client, viewer, ada):
    client.force_login(viewer)

    response = client.post(
        f"/privacy/people/{ada.pk}/consent/", {"channel": "email", "state": "granted"}
    )

    assert response.status_code == 403
    assert Contact.objects.get(pk=ada.pk).email_consent == ConsentState.UNKNOWN


def test_someone_who_cannot_see_the_person_gets_404_everywhere(client, other_member, ada):
    client.force_login(other_member)
    Contact.objects.filter(pk=ada.pk).update(visibility="private")

    assert client.post(f"/privacy/people/{ada.pk}/export/").status_code == 404
    assert (
        client.post(
            f"/privacy/people/{ada.pk}/consent/", {"channel": "email", "state": "granted"}
        ).status_code
        == 404
    )
    assert not AuditEntry.objects.filter(action="privacy.export").exists()


def test_the_export_downloads_a_zip(client, member, ada):
    client.force_login(member)

    response = client.post(f"/privacy/people/{ada.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["person.json", "person.vcf"]


def test_a_reader_cannot_export(client, viewer, ada):
    client.force_login(viewer)

    assert client.post(f"/privacy/people/{ada.pk}/export/").status_code == 403
    assert not AuditEntry.objects.filter(action="privacy.export").exists()


def test_erasure_needs_the_confirmation_box(client, admin_user, ada):
    client.force_login(admin_user)
    page = client.get(f"/privacy/people/{ada.pk}/erase/")
    assert page.status_code == 200
    assert 'id="erase-counts"' in page.content.decode()

    refused = client.post(f"/privacy/people/{ada.pk}/erase/")
    assert refused.status_code == 422
    assert Contact.objects.get(pk=ada.pk).family_name == "Lovelace"
    assert not Erasure.objects.exists()

    done = client.post(f"/privacy/people/{ada.pk}/erase/", {"confirm": "erase"})
    assert done.status_code == 302
    assert Contact.objects.get(pk=ada.pk).family_name == ""
    page = client.get(ada.get_absolute_url()).content.decode()
    assert 'id="privacy-erased"' in page


def test_members_cannot_open_or_post_the_erasure(client, member, ada):
    client.force_login(member)

    assert client.get(f"/privacy/people/{ada.pk}/erase/").status_code == 403
    assert client.post(f"/privacy/people/{ada.pk}/erase/", {"confirm": "erase"}).status_code == 403
    assert Contact.objects.get(pk=ada.pk).family_name == "Lovelace"


def test_administrators_add_preview_and_switch_on_a_rule(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/privacy/").status_code == 200

    bad = client.post("/privacy/rules/", {"name": "", "age_days": "x", "action": "trash"})
    assert bad.status_code == 422
    assert not RetentionRule.objects.exists()

    response = client.post(
        "/privacy/rules/", {"name": "Old leads", "age_days": "1095", "action": "trash"}
    )
    rule = RetentionRule.objects.get()
    assert response["Location"] == f"/privacy/rules/{rule.pk}/preview/"
    preview = client.get(response["Location"])
    assert 'id="preview-count"' in preview.content.decode()
    client.post(f"/privacy/rules/{rule.pk}/active/", {"active": "on"})
    assert RetentionRule.objects.get().active is True


def test_the_consent_rule_is_set_on_the_privacy_page(client, admin_user):
    from rubrica.accounts.selectors import team_settings

    client.force_login(admin_user)
    client.post("/privacy/consent-rule/", {"require": "on"})

    assert team_settings().require_email_consent is True


def test_members_cannot_reach_the_privacy_page_nor_change_rules(client, member, admin_user):
    client.force_login(member)

    assert client.get("/privacy/").status_code == 403
    assert client.post("/privacy/rules/", {"name": "x", "age_days": "1"}).status_code == 403
    assert client.post("/privacy/consent-rule/", {"require": "on"}).status_code == 403
    assert not RetentionRule.objects.exists()
    from rubrica.accounts.selectors import team_settings

    assert team_settings().require_email_consent is False


def test_a_second_erasure_is_refused_from_the_page(client, admin_user, ada):
    client.force_login(admin_user)
    client.post(f"/privacy/people/{ada.pk}/erase/", {"confirm": "erase"})

    again = client.get(f"/privacy/people/{ada.pk}/erase/")

    assert again.status_code == 302
    assert Erasure.objects.count() == 1
    assert AuditEntry.objects.filter(action="privacy.erase").count() == 1
