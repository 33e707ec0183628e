"""Creating and editing people through the form: collections, custom fields, errors next to the
right input, optimistic concurrency and the photo."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.customfields.services import definition_save
from rubrica.history.models import HistoryEntry
from tests.factories import make_contact
from tests.web.conftest import edit_form, person_form

pytestmark = pytest.mark.django_db
CREATE = reverse("contacts:create")


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_create_form_offers_one_blank_row_per_collection_and_a_row_template(member_client):
    html = member_client.get(CREATE).content.decode()

    assert '<label class="form-label small mb-0" for="id_phones-0-value">Phone</label>' in html
    assert 'name="phones-0-value" id="id_phones-0-value"' in html
    assert 'name="phones-1-value"' not in html
    assert '<template id="template-phones">' in html
    assert 'name="phones-__prefix__-value"' in html
    assert 'data-add-row="phones"' in html
    assert '<label class="form-label" for="id_given_name">Given name</label>' in html
    assert 'enctype="multipart/form-data"' in html


def test_create_person_with_two_phones(member_client, member):
    data = person_form(
        **{
            "emails-0-label": "work",
            "emails-0-value": "grace@example.org",
            "phones-0-label": "work",
            "phones-0-value": "+1 202 555 0100",
            "phones-3-label": "mobile",
            "phones-3-value": "+1 202 555 0199",
            "phones-preferred": "3",
            "phones-4-value": "",  # a blank extra row is ignored
        }
    )

    response = member_client.post(CREATE, data)

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[contact.pk])
    assert contact.display_name == "Grace Hopper"
    assert contact.owner == member
    phones = list(contact.phones.values_list("label", "raw", "is_preferred"))
    assert phones == [("work", "+1 202 555 0100", False), ("mobile", "+1 202 555 0199", True)]
    assert contact.primary_phone == "+12025550199"
    assert contact.primary_email == "grace@example.org"

    detail = member_client.get(response["Location"]).content.decode()
    assert '<a dir="ltr" href="tel:+12025550100"><bdi>+1 202-555-0100</bdi></a>' in detail
    assert 'dir="ltr">(202) 555-0100</span>' in detail  # with the national form as a hint
    assert '<a dir="ltr" href="mailto:grace@example.org"><bdi>grace@example.org</bdi></a>' in detail
    assert "Grace Hopper was added." in detail


def test_invalid_phone_is_shown_next_to_its_row_and_nothing_is_saved(member_client):
    data = person_form(
        **{
            "phones-0-value": "+1 202 555 0100",
            "phones-1-value": "not a phone",
            "emails-0-value": "fine@example.org",
        }
    )

    response = member_client.post(CREATE, data)

    assert response.status_code == 400
    assert Contact.objects.count() == 0
    assert HistoryEntry.objects.count() == 0
    html = response.content.decode()
    assert (
        'class="form-control form-control-sm is-invalid" type="tel" name="phones-1-value" '
        'id="id_phones-1-value" value="not a phone" autocomplete="off" aria-invalid="true" '
        'aria-describedby="id_phones-1-value_error">'
    ) in html
    assert (
        '<div class="invalid-feedback" id="id_phones-1-value_error">This is not a phone number.'
    ) in html
    assert 'id="id_phones-0-value" value="+1 202 555 0100" autocomplete="off">' in html
    assert "Nothing was saved." in html


def test_scalar_error_is_shown_next_to_its_field(member_client):
    response = member_client.post(CREATE, person_form(birthday="31/12/1990"))

    assert response.status_code == 400
    assert Contact.objects.count() == 0
    html = response.content.decode()
    assert 'id="id_birthday"' in html
    assert 'class="form-control is-invalid"' in html
    assert (
        '<div class="invalid-feedback d-block" id="id_birthday_error">'
        "Enter a date as YYYY-MM-DD, or --MM-DD without a year.</div>"
    ) in html


def test_a_person_needs_a_name_email_or_phone(member_client):
    response = member_client.post(CREATE, person_form(given_name="", family_name=""))

    assert response.status_code == 400
    assert Contact.objects.count() == 0
    assert "Give at least a name, an email or a phone number." in response.content.decode()


def test_custom_fields_get_typed_inputs_and_their_errors(member_client, admin_user):
    definition_save(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "employees",
            "label": "Employees",
            "field_type": "number",
            "required": True,
        },
    )
    definition_save(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "colour",
            "label": "Colour",
            "field_type": "choice",
            "choices": ["red", "blue"],
        },
    )
    form = member_client.get(CREATE).content.decode()
    assert 'type="number" name="cf_employees"' in form
    assert '<select name="cf_colour"' in form

    missing = member_client.post(CREATE, person_form(cf_colour="red"))
    assert missing.status_code == 400
    assert "Employees is required." in missing.content.decode()
    wrong = member_client.post(CREATE, person_form(cf_employees="many"))
    assert wrong.status_code == 400
    assert (
        '<div class="invalid-feedback d-block" id="id_cf_employees_error">Enter a whole number.'
        in wrong.content.decode()
    )
    assert Contact.objects.count() == 0

    ok = member_client.post(CREATE, person_form(cf_employees="12", cf_colour="blue"))
    assert ok.status_code == 302
    assert Contact.objects.get().custom_fields == {"employees": 12, "colour": "blue"}


def test_tags_are_typed_comma_separated(member_client):
    member_client.post(CREATE, person_form(tags="vip, press , vip"))

    contact = Contact.objects.get()
    assert sorted(contact.tags.values_list("name", flat=True)) == ["press", "vip"]


def test_edit_form_is_filled_in_and_saves_changes(member_client, member):
    contact = make_contact(
        member,
        title="Countess",
        emails=[{"value": "ada@example.org"}, {"value": "ada@home.example"}],
        tags=["maths"],
    )
    page = member_client.get(reverse("contacts:edit", args=[contact.pk])).content.decode()
    assert f'<input type="hidden" name="version" value="{contact.version}"' in page
    assert 'name="emails-1-value" id="id_emails-1-value" value="ada@home.example"' in page
    assert 'value="Countess"' in page
    assert 'name="display_name"' in page and 'value="Ada Lovelace"' not in page

    data = edit_form(contact, title="Analyst", given_name="Augusta Ada")
    del data["emails-1-value"]  # the row was removed in the page
    response = member_client.post(reverse("contacts:edit", args=[contact.pk]), data)

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "Analyst"
    assert contact.display_name == "Augusta Ada Lovelace"
    assert list(contact.emails.values_list("value", flat=True)) == ["ada@example.org"]
    assert contact.version == 2


def test_edit_with_a_stale_version_is_refused_without_overwriting(member_client, member):
    contact = make_contact(member, title="Countess")
    stale = edit_form(contact, title="Mine")
    from rubrica.contacts.services import contact_update

    contact_update(actor=member, contact=contact, data={"title": "Theirs"})

    response = member_client.post(reverse("contacts:edit", args=[contact.pk]), stale)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this person while you were editing" in html
    assert "reload to see their changes" in html
    contact.refresh_from_db()
    assert contact.title == "Theirs"
    assert contact.version == 2


def test_edit_without_version_is_an_error_not_a_blind_overwrite(member_client, member):
    contact = make_contact(member)
    data = edit_form(contact, title="X")
    del data["version"]

    response = member_client.post(reverse("contacts:edit", args=[contact.pk]), data)

    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.title == ""


def test_photo_upload_is_stored_and_served_only_to_viewers(
    member_client, member, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    contact = make_contact(member)
    data = edit_form(contact, photo=SimpleUploadedFile("me.png", _png(), "image/png"))

    response = member_client.post(reverse("contacts:edit", args=[contact.pk]), data)

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.photo.name
    assert contact.version == 2
    photo = member_client.get(reverse("contacts:photo", args=[contact.pk]))
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content) == _png()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_changes(
    member_client, member, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    contact = make_contact(member)
    data = edit_form(
        contact, title="Changed", photo=SimpleUploadedFile("x.png", b"not an image", "image/png")
    )

    response = member_client.post(reverse("contacts:edit", args=[contact.pk]), data)

    assert response.status_code == 400
    assert "This file is not an image." in response.content.decode()
    contact.refresh_from_db()
    assert contact.title == ""
    assert not contact.photo
    assert contact.version == 1


def test_create_with_photo(member_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = person_form(photo=SimpleUploadedFile("me.png", _png(), "image/png"))

    response = member_client.post(CREATE, data)

    assert response.status_code == 302
    assert Contact.objects.get().photo.name


def test_non_owner_member_does_not_see_or_change_sharing(other_client, member):
    contact = make_contact(member, visibility="everyone")

    page = other_client.get(reverse("contacts:edit", args=[contact.pk])).content.decode()
    assert 'name="visibility"' not in page

    data = edit_form(contact, title="Edited by other", visibility="private")
    response = other_client.post(reverse("contacts:edit", args=[contact.pk]), data)

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "Edited by other"
    assert contact.visibility == "everyone"
    assert contact.owner == member
