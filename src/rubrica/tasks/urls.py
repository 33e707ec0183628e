app_name = "tasks"

urlpatterns: list[object] = []
