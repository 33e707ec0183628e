from django.urls import path

from rubrica.calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_page, name="page"),
    path("events.json", views.events, name="events"),
    path("freebusy/", views.freebusy, name="freebusy"),
    path("new/", views.appointment_create_view, name="new"),
    path("calendars/new/", views.calendar_new, name="calendar_new"),
    path("calendars/<int:pk>/", views.calendar_detail, name="detail"),
    path("calendars/<int:pk>/share/", views.calendar_share_view, name="share"),
    path("calendars/<int:pk>/feed/", views.calendar_feed_view, name="feed_set"),
    path("calendars/<int:pk>/export.ics", views.calendar_export, name="export"),
    path("calendars/<int:pk>/import/", views.calendar_import, name="import"),
    path("calendars/<int:pk>/delete/", views.calendar_delete_view, name="delete"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/edit/", views.appointment_edit_view, name="edit"),
    path("appointments/<int:pk>/move/", views.move, name="move"),
    path("appointments/<int:pk>/delete/", views.appointment_delete_view, name="appointment_delete"),
    path("appointments/<int:pk>/invite/", views.appointment_invite_view, name="invite"),
    path("appointments/<int:pk>/rsvp/", views.appointment_rsvp_view, name="rsvp"),
    path("appointments/<int:pk>/appointment.ics", views.appointment_ics, name="appointment_ics"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
