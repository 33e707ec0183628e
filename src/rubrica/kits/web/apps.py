from django.apps import AppConfig


class WebKitConfig(AppConfig):
    """Installed so that the ``rubrica_web`` template library (templatetags/) is found."""

    name = "rubrica.kits.web"
    label = "web_kit"
