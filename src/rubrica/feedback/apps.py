from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """What people tell the team about Rubrica itself, from the form on every page: stored with
    the page and the version, read by administrators."""

    name = "rubrica.feedback"
    label = "feedback"
