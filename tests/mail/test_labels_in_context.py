""" "From" and "To" of an e-mail are not "from" and "to" of a date range: in Italian the sender
is "Da", the first day "Dal" (one message id served both before, and mail showed "Dal: ...")."""

from __future__ import annotations

from django.utils import translation

from rubrica.audit.views import AuditFilterForm
from rubrica.mail.models import Role


def test_an_e_mails_sender_and_a_date_range_are_translated_apart():
    with translation.override("it"):
        assert (str(Role.FROM.label), str(Role.TO.label)) == ("Da", "A")
        form = AuditFilterForm()
        assert (str(form.fields["since"].label), str(form.fields["until"].label)) == ("Dal", "Al")
    with translation.override("zh-hans"):
        assert (str(Role.FROM.label), str(Role.TO.label)) == ("发件人", "收件人")
