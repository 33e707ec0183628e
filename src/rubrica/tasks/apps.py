from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "rubrica.tasks"
    label = "tasks"
