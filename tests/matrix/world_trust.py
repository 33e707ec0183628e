"""The records the doors of issue 17 ("Trust") ask about, added to the matrix's world.

Built after the others (``world.BUILDERS``), through the services where one exists:

- ``share``: a read share of each case's person with ``mx_grantee``, a user who is none of the
  roles asked (so a share widens nobody's view in the matrix);
- ``app_password`` and ``passkey``: the owner's (``private``): nobody else may revoke them;
- ``ref["rule"]``: a retention rule (switched off); ``ref["backup"]``: a backup row whose
  archive is not on disk; ``ref["role"]``: a custom role nobody holds.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tests.matrix.world import BUILDERS, CASES, World


def _shares(world: World, owner: Any) -> None:
    from rubrica.sharing.services import share_add
    from tests.factories import UserFactory
    from tests.matrix.roles import give_role

    grantee = UserFactory(username="mx_grantee")
    give_role(grantee, "sales")
    world.users["grantee"] = grantee
    world.records["share"] = {
        case: share_add(
            actor=owner,
            record=world.record("contact", case),
            data={"user": grantee.pk, "level": "read"},
        )
        for case in CASES
    }


def _own_secrets(world: World, owner: Any) -> None:
    from django_otp_webauthn.models import WebAuthnCredential

    from rubrica.accounts.app_passwords import app_password_create

    row, _secret = app_password_create(actor=owner, user=owner, name="Matrix phone")
    world.records["app_password"] = {"private": row}
    credential_id = b"matrix-passkey-0001"
    world.records["passkey"] = {
        "private": WebAuthnCredential.objects.create(
            user=owner,
            name="Matrix key",
            confirmed=True,
            credential_id=credential_id,
            credential_id_sha256=hashlib.sha256(credential_id).hexdigest(),
            public_key=b"matrix-public-key",
            aaguid="00000000-0000-0000-0000-000000000000",
        )
    }


def _trust_reference(world: World, owner: Any) -> None:
    from django.utils import timezone

    from rubrica.accounts.services import role_create
    from rubrica.backups.models import Backup
    from rubrica.contacts.services import consent_purpose_create
    from rubrica.privacy.retention import retention_rule_save

    admin = world.users["administrator"]
    world.ref["rule"] = retention_rule_save(
        actor=admin, data={"name": "Matrix rule", "age_days": "3650", "action": "trash"}
    )
    world.ref["purpose"] = consent_purpose_create(actor=admin, name="Matrix newsletter")
    world.ref["backup"] = Backup.objects.create(
        file_name="matrix-backup.tar",
        created_at=timezone.now(),
        size=10,
        sha256="0" * 64,
        database="sqlite",
    )
    world.ref["role"] = role_create(actor=admin, key="mx_role", name="Matrix role")


for _builder in (_shares, _own_secrets, _trust_reference):
    if _builder not in BUILDERS:
        BUILDERS.append(_builder)
