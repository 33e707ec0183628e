from rubrica.contacts.models import Contact
from tests.factories import make_contact


def test_contact_create_through_service_derives_display_name(member):
    contact = make_contact(member, emails=[{"value": "ADA@Example.org"}])

    assert Contact.objects.get(pk=contact.pk).display_name == "Ada Lovelace"
    assert contact.primary_email == "ada@example.org"
