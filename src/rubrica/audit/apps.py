from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "rubrica.audit"
    label = "audit"
    verbose_name = _("Audit trail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        _connect_sign_in_signals()


def _connect_sign_in_signals() -> None:
    """Sign-ins through Django's own auth signals (the only signals the audit listens to; the
    app's own events are recorded by the services calling ``audit.record``)."""
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    from rubrica.audit import signin

    user_logged_in.connect(signin.on_logged_in, dispatch_uid="rubrica.audit.logged_in")
    user_login_failed.connect(signin.on_login_failed, dispatch_uid="rubrica.audit.login_failed")
    user_logged_out.connect(signin.on_logged_out, dispatch_uid="rubrica.audit.logged_out")
