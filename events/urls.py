from django.urls import path

from . import views
from .urls_board import urlpatterns as board_urlpatterns

app_name = "events"

urlpatterns = [
    path("events/<int:event_id>/", views.EventView.as_view(), name="event"),
    path("events/<int:event_id>/calendar.ics", views.CalendarView.as_view(), name="calendar"),
    path("events/rsvp/<str:token>/", views.RsvpView.as_view(), name="rsvp"),
]
urlpatterns += board_urlpatterns
