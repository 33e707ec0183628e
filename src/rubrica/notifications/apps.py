from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The notifications engine: knows no domain. Apps register their kinds of notification and
    their scheduled work (``notifications.registry``) from their own ``ready()``."""

    name = "rubrica.notifications"
    label = "notifications"
