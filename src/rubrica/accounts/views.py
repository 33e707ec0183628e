"""Settings pages: users, teams, API tokens and one's own password.

The views translate between HTTP and the services in ``accounts.services``; they never save a
model themselves. Pages that show a secret (a generated password, a new API token) render it in
the response to the POST that created it, with caching disabled, so the secret is never stored
anywhere on the server and cannot be shown a second time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rubrica.accounts import selectors, services
from rubrica.accounts.forms import (
    GrantMatrixForm,
    PersonalSettingsForm,
    RoleForm,
    StyledPasswordChangeForm,
    TeamForm,
    TeamSettingsForm,
    TokenCreateForm,
    UserCreateForm,
    UserUpdateForm,
    list_defaults_data,
    list_defaults_initial,
)
from rubrica.accounts.models import AccessRole, ApiToken, Team, User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.core.policies import ACTION_LABELS, Action
from rubrica.kits.web.access import administrator_required
from rubrica.kits.web.forms import add_service_errors, error_text
from rubrica.kits.web.lists import paginate


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/index.html")


# Users ----------------------------------------------------------------------------------------


@administrator_required
def user_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    users = User.objects.prefetch_related("roles")
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    page = paginate(request, users, ["username", "id"])
    return render(request, "accounts/user_list.html", {"page": page, "query": query})


@never_cache
@administrator_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, generated = services.user_create(
                actor=request.user,  # type: ignore[arg-type]
                username=data["username"],
                email=data["email"],
                password=data["password"] or None,
                role=services.legacy_role(data["roles"]),
                roles=data["roles"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if generated is None:
                messages.success(request, _("User %(name)s created.") % {"name": user.username})
                return redirect("settings:users")
            return render(
                request,
                "accounts/user_password.html",
                {"target": user, "password": generated, "created": True},
            )
    return render(request, "accounts/user_form.html", {"form": form, "target": None})


@administrator_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        form = UserUpdateForm(request.POST)
        if form.is_valid():
            try:
                services.user_update(
                    actor=request.user,  # type: ignore[arg-type]
                    user=target,
                    data=form.to_data(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Changes to %(name)s saved.") % {"name": target})
                return redirect("settings:users")
    else:
        form = UserUpdateForm(initial=UserUpdateForm.initial_for(target))
    return render(request, "accounts/user_form.html", {"form": form, "target": target})


@administrator_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then deactivate. Users are never deleted so their records keep an owner."""
    target = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        try:
            services.user_deactivate(actor=request.user, user=target)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("%(name)s was deactivated.") % {"name": target})
        return redirect("settings:users")
    return render(request, "accounts/user_deactivate.html", {"target": target})


@never_cache
@require_POST
@administrator_required
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    password = services.user_reset_password(actor=request.user, user=target)  # type: ignore[arg-type]
    return render(
        request,
        "accounts/user_password.html",
        {"target": target, "password": password, "created": False},
    )


# Teams ----------------------------------------------------------------------------------------


@administrator_required
def team_list(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.prefetch_related("members", "managers", "roles").order_by("name")
    return render(request, "accounts/team_list.html", {"teams": teams})


@administrator_required
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk) if pk is not None else None
    if request.method == "POST":
        form = TeamForm(request.POST)
        if form.is_valid():
            name, members = form.cleaned_data["name"], form.cleaned_data["members"]
            roles, managers = form.cleaned_data["roles"], form.cleaned_data["managers"]
            actor: User = request.user  # type: ignore[assignment]
            try:
                if team is None:
                    team = services.team_create(
                        actor=actor, name=name, members=members, roles=roles, managers=managers
                    )
                else:
                    services.team_update(
                        actor=actor,
                        team=team,
                        name=name,
                        members=members,
                        roles=roles,
                        managers=managers,
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Team %(name)s saved.") % {"name": team.name})
                return redirect("settings:teams")
    elif team is not None:
        form = TeamForm(
            initial={
                "name": team.name,
                "members": list(team.members.all()),
                "managers": list(team.managers.all()),
                "roles": list(team.roles.all()),
            }
        )
    else:
        form = TeamForm()
    return render(request, "accounts/team_form.html", {"form": form, "team": team})


# Roles (issue 17, ADR 0025) ------------------------------------------------------------------


@administrator_required
def role_list(request: HttpRequest) -> HttpResponse:
    roles = AccessRole.objects.annotate(
        holders=Count("users", distinct=True), team_count=Count("teams", distinct=True)
    ).order_by("-shipped", "name")
    return render(request, "accounts/role_list.html", {"roles": roles})


@administrator_required
def role_create(request: HttpRequest) -> HttpResponse:
    form = RoleForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            role = services.role_create(
                actor=request.user,  # type: ignore[arg-type]
                key=data["key"],
                name=data["name"],
                description=data["description"],
                copy_of=data["copy_of"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Role %(name)s created.") % {"name": role.label})
            return redirect("settings:role_edit", pk=role.pk)
    return render(request, "accounts/role_create.html", {"form": form})


@administrator_required
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The role's name and description and its grant matrix (entity × action → level)."""
    role = get_object_or_404(AccessRole, pk=pk)
    levels = services.role_levels(role)
    if request.method == "POST":
        form = RoleForm(request.POST)
        matrix = GrantMatrixForm(request.POST, levels=levels)
        if form.is_valid() and matrix.is_valid():
            actor: User = request.user  # type: ignore[assignment]
            try:
                with transaction.atomic():
                    services.role_update(
                        actor=actor,
                        role=role,
                        name=form.cleaned_data["name"],
                        description=form.cleaned_data["description"],
                    )
                    services.role_grants_set(actor=actor, role=role, levels=matrix.levels())
            except ValidationError as exc:
                role.refresh_from_db()
                if _on_fields(exc, matrix):
                    add_service_errors(matrix, exc)
                else:
                    add_service_errors(form, exc)
            else:
                messages.success(request, _("Role %(name)s saved.") % {"name": role.label})
                return redirect("settings:roles")
    else:
        form = RoleForm(initial={"name": role.name, "description": role.description})
        matrix = GrantMatrixForm(levels=levels)
    return render(
        request,
        "accounts/role_form.html",
        {
            "form": form,
            "matrix": matrix,
            "role": role,
            "actions": [ACTION_LABELS[action] for action in Action.GRANTABLE],
            "holders": role.users.order_by("username"),
            "teams": role.teams.order_by("name"),
        },
    )


def _on_fields(exc: ValidationError, form: Any) -> bool:
    return hasattr(exc, "error_dict") and bool(set(exc.error_dict) & set(form.fields))


@require_POST
@administrator_required
def role_delete(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(AccessRole, pk=pk)
    try:
        services.role_delete(actor=request.user, role=role)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("settings:role_edit", pk=role.pk)
    messages.success(request, _("Role %(name)s deleted.") % {"name": role.label})
    return redirect("settings:roles")


# API tokens -----------------------------------------------------------------------------------


def _visible_tokens(user: User, show_all: bool) -> QuerySet[ApiToken]:
    """One's own tokens; every token for an administrator who asks for all."""
    tokens = ApiToken.objects.select_related("user")
    if show_all and user.is_administrator:
        return tokens
    return tokens.filter(user=user)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    show_all = user.is_administrator and request.GET.get("all") == "1"
    page = paginate(request, _visible_tokens(user, show_all), ["-created_at", "-id"])
    return render(
        request,
        "accounts/token_list.html",
        {"page": page, "show_all": show_all, "now": timezone.now()},
    )


@never_cache
@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lifetime = form.cleaned_data["lifetime"]
        expires_at = timezone.now() + dt.timedelta(days=int(lifetime)) if lifetime else None
        try:
            token, secret = services.token_create(
                actor=user,
                user=user,
                name=form.cleaned_data["name"],
                expires_at=expires_at,
                scopes=form.chosen_scopes(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(
                request, "accounts/token_created.html", {"token": token, "secret": secret}
            )
    return render(request, "accounts/token_form.html", {"form": form})


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = get_object_or_404(_visible_tokens(user, show_all=True), pk=pk)
    if token.revoked_at is None:
        services.token_revoke(actor=user, token=token)
        messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    show_all = user.is_administrator and request.POST.get("all") == "1"
    return redirect(f"{reverse_lazy('settings:tokens')}{'?all=1' if show_all else ''}")


# Own password ---------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (keeps the session logged in), with our template and a message."""

    form_class = StyledPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("settings:index")

    def form_valid(self, form: StyledPasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(form.user, AuditAction.PASSWORD_CHANGE, form.user)
        messages.success(self.request, gettext_lazy("Your password was changed."))
        return response


# Team and personal settings (ADR 0021) --------------------------------------------------------


@login_required
def personal(request: HttpRequest) -> HttpResponse:
    """One's language, time zone, date format, theme, density and home page. The language is
    also put in the language cookie, so the login page speaks it after logging out."""
    user: User = request.user  # type: ignore[assignment]
    current = selectors.user_settings(user)
    fields = list(PersonalSettingsForm.base_fields)
    if request.method == "POST":
        form = PersonalSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.user_settings_update(
                    actor=user, user=user, data=list_defaults_data(form.cleaned_data)
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                language = form.cleaned_data["language"]
                if language:
                    translation.activate(language)
                messages.success(request, _("Your settings are saved."))
                response = redirect("settings:personal")
                if language:
                    response.set_cookie(
                        settings.LANGUAGE_COOKIE_NAME,
                        language,
                        max_age=settings.LANGUAGE_COOKIE_AGE,
                        samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE,
                    )
                else:
                    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
                return response
    else:
        form = PersonalSettingsForm(
            initial={
                **{name: getattr(current, name) for name in fields},
                **list_defaults_initial(current.list_columns, current.list_sort),
            }
        )
    return render(request, "accounts/personal.html", {"form": form})


@administrator_required
def team_settings(request: HttpRequest) -> HttpResponse:
    """The team's default country; also the first-run page (``?welcome=1``) an administrator
    sees until a country is chosen."""
    user: User = request.user  # type: ignore[assignment]
    welcome = request.GET.get("welcome") == "1" or request.POST.get("welcome") == "1"
    if request.method == "POST":
        form = TeamSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.team_settings_update(actor=user, country=form.cleaned_data["country"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The team settings are saved."))
                return redirect("home" if welcome else "settings:team_settings")
    else:
        form = TeamSettingsForm(initial={"country": selectors.team_settings().country})
    return render(request, "accounts/team_settings.html", {"form": form, "welcome": welcome})
