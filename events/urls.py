from django.urls import path

from . import staff_programme, views, views_applications, views_programme, views_reviews
from .urls_board import urlpatterns as board_urlpatterns

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
    # City Managers Days: the programme and site visits (members), the lists and the funnel (staff)
    path("events/<int:event_id>/programme/", views_programme.ProgrammeView.as_view(), name="programme"),
    path("staff/events/days/", staff_programme.CurrentDaysRedirectView.as_view(), name="staff_days_current"),
    path("staff/events/<int:event_id>/days/", staff_programme.ListsView.as_view(), name="staff_days_lists"),
    path("staff/events/<int:event_id>/days/badges/", staff_programme.BadgesView.as_view(), name="staff_days_badges"),
    path("staff/events/<int:event_id>/days/site-visits/", staff_programme.SiteVisitsView.as_view(),
         name="staff_days_site_visits"),
    path("staff/events/<int:event_id>/days/needs/", staff_programme.NeedsView.as_view(), name="staff_days_needs"),
    path("staff/events/<int:event_id>/days/export/<slug:name>/", staff_programme.ExportView.as_view(),
         name="staff_days_export"),
    path("staff/events/funnel/", staff_programme.FunnelView.as_view(), name="staff_funnel"),
    path("staff/events/funnel/<int:edition_id>/", staff_programme.FunnelView.as_view(), name="staff_funnel_edition"),
    path("staff/events/funnel/<int:edition_id>/<slug:step>/", staff_programme.FunnelPeopleView.as_view(),
         name="staff_funnel_people"),
    # City Managers Days reviews (staff pages: the staff second factor guards /staff/)
    path("staff/reviews/", views_reviews.MyReviewsView.as_view(), name="my_reviews"),
    path("staff/reviews/assign/", views_reviews.AssignView.as_view(), name="reviews_assign"),
    path("staff/reviews/<int:application_id>/", views_reviews.ReviewView.as_view(), name="review"),
]
urlpatterns += board_urlpatterns
