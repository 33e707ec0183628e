from django.urls import path

from rubrica.mail import views

app_name = "mail"

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("preference/", views.preference, name="preference"),
    path("unknown/create/", views.create_from_address, name="create_from_address"),
    path("messages/<int:pk>/", views.message_page, name="message"),
    path("mailboxes/", views.mailboxes, name="mailboxes"),
    path("mailboxes/<int:pk>/fetch/", views.mailbox_fetch, name="mailbox_fetch"),
    path("mailboxes/<int:pk>/delete/", views.mailbox_delete, name="mailbox_delete"),
    path("send/", views.send, name="send"),
    path("smtp/", views.smtp_settings, name="smtp_settings"),
]
