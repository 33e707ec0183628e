from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "rubrica.taxonomy"
    label = "taxonomy"
