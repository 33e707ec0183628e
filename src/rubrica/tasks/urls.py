from django.urls import path

from rubrica.tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.my_tasks, name="mine"),
    path("team/", views.team_tasks, name="team"),
    path("new/", views.task_create_view, name="new"),
    path("bulk/", views.task_bulk_view, name="bulk"),
    path("export.csv", views.task_export_view, name="export"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/edit/", views.task_edit_view, name="edit"),
    path("<int:pk>/complete/", views.task_complete_view, name="complete"),
    path("<int:pk>/delete/", views.task_delete_view, name="delete"),
    path("<int:pk>/restore/", views.task_restore_view, name="restore"),
]
