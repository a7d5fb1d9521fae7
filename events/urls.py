from django.urls import path

from . import views, views_reviews

app_name = "events"

urlpatterns = [
    path("events/<int:event_id>/", views.EventView.as_view(), name="event"),
    path("events/<int:event_id>/calendar.ics", views.CalendarView.as_view(), name="calendar"),
    path("events/rsvp/<str:token>/", views.RsvpView.as_view(), name="rsvp"),
    # City Managers Days reviews (staff pages: the staff second factor guards /staff/)
    path("staff/reviews/", views_reviews.MyReviewsView.as_view(), name="my_reviews"),
    path("staff/reviews/assign/", views_reviews.AssignView.as_view(), name="reviews_assign"),
    path("staff/reviews/<int:application_id>/", views_reviews.ReviewView.as_view(), name="review"),
]
