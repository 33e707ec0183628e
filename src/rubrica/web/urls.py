"""The web UI: log in/out, people, organizations, history, Trash.

Namespaces: "contacts", "organizations", "history", "search". "login", "logout", "home" and
"trash" are global names (settings.LOGIN_URL = "login"). The "settings" namespace gathers the
settings pages of three apps, each mounting its own urls.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from rubrica.accounts import twofactor_views
from rubrica.web import help_views, pwa, views

#: settings/: accounts (users, teams, tokens, password), settings/fields/: custom fields,
#: settings/lists/: tags, stages and kinds, the activities' call outcomes and tag cadences; all
#: named in the one "settings" namespace.
settings_urls = (
    [
        path("", include("rubrica.accounts.urls")),
        path("fields/", include("rubrica.customfields.urls")),
        path("lists/", include("rubrica.taxonomy.urls")),
        path("lists/", include("rubrica.activities.settings_urls")),
    ],
    "settings",
)

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The second step of signing in, and the passkey ceremonies (ADR 0029).
    path("login/verify/", twofactor_views.verify, name="signin_verify"),
    path("passkeys/", include(twofactor_views.webauthn_urlpatterns)),
    path("people/", include("rubrica.contacts.urls")),
    path("organizations/", include("rubrica.organizations.urls")),
    path("activities/", include("rubrica.activities.urls")),
    path("history/", include("rubrica.history.urls")),
    path("search/", include("rubrica.search.urls")),
    path("jobs/", include("rubrica.jobs.urls")),
    path("notifications/", include("rubrica.notifications.urls")),
    path("tasks/", include("rubrica.tasks.urls")),
    path("calendar/", include("rubrica.calendars.urls")),
    path("duplicates/", include("rubrica.dedup.urls")),
    path("merges/", include("rubrica.merges.urls")),
    path("segments/", include("rubrica.segments.urls")),
    path("quality/", include("rubrica.quality.urls")),
    path("io/", include("rubrica.dataio.urls")),
    path("documents/", include("rubrica.documents.urls")),
    path("sharing/", include("rubrica.sharing.urls")),
    path("mail/", include("rubrica.mail.urls")),
    path("audit/", include("rubrica.audit.urls")),
    path("privacy/", include("rubrica.privacy.urls")),
    path("backups/", include("rubrica.backups.urls")),
    path("trash/", views.trash, name="trash"),
    path("trash/<slug:key>/<int:pk>/restore/", views.trash_restore, name="trash_restore"),
    path("settings/", include(settings_urls)),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("help/", help_views.help_page, name="help"),
    path("feedback/", include("rubrica.feedback.urls")),
]
