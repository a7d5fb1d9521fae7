from django.urls import path

from . import views, views_applications

app_name = "events"

urlpatterns = [
    path("events/<int:event_id>/", views.EventView.as_view(), name="event"),
    path("events/<int:event_id>/calendar.ics", views.CalendarView.as_view(), name="calendar"),
    path("events/rsvp/<str:token>/", views.RsvpView.as_view(), name="rsvp"),
    # City Managers Days: the member's application and confirmation (events/views_applications.py).
    path("events/<int:event_id>/application/", views_applications.ApplicationView.as_view(), name="application"),
    path("events/<int:event_id>/application/autosave/", views_applications.AutosaveView.as_view(),
         name="application_autosave"),
    path("events/<int:event_id>/application/confirm/", views_applications.ConfirmView.as_view(), name="confirm"),
    path("events/<int:event_id>/application/decline/", views_applications.DeclineView.as_view(), name="decline"),
]
