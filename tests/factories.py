"""factory_boy factories. Domain records are created through the services, never with .save(),
so tests see the same invariants (display name, list copies, history) as users do."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from rubrica.accounts.models import Team, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))
    role = "member"

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        """The roles held: ``roles=[...]`` (AccessRole rows or keys) when given, else the shipped
        role the role of old stands for, as the data migration and ``user_create`` give it."""
        if not create:
            return
        from rubrica.accounts.models import LEGACY_ROLE_KEYS, AccessRole, Role
        from rubrica.accounts.selectors import forget_grants
        from rubrica.accounts.services import shipped_role

        if extracted is None:
            held = [shipped_role(LEGACY_ROLE_KEYS[Role(obj.role)])]
        else:
            held = [item if isinstance(item, AccessRole) else _role(item) for item in extracted]
        obj.roles.set(held)
        forget_grants(obj)


def _role(key: str):
    from rubrica.accounts.grants import SHIPPED_ROLES
    from rubrica.accounts.models import AccessRole
    from rubrica.accounts.services import shipped_role

    if key in {role.key for role in SHIPPED_ROLES}:
        return shipped_role(key)
    return AccessRole.objects.get(key=key)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


def make_contact(actor: User, **data: Any):
    """A person created through contact_create; ``data`` overrides the defaults."""
    from rubrica.contacts.services import contact_create

    defaults: dict[str, Any] = {"given_name": "Ada", "family_name": "Lovelace"}
    defaults.update(data)
    return contact_create(actor=actor, data=defaults)


def make_organization(actor: User, **data: Any):
    from rubrica.organizations.services import organization_create

    defaults: dict[str, Any] = {"name": "Analytical Engines Ltd"}
    defaults.update(data)
    return organization_create(actor=actor, data=defaults)
