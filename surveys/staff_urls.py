"""Staff pages of the survey, under /staff/ so that the staff second factor guards them."""

from django.urls import path

from . import staff_views

urlpatterns = [
    path("staff/surveys/", staff_views.CurrentSurveyRedirectView.as_view(), name="staff_results"),
    path("staff/surveys/not-submitted/", staff_views.CurrentSurveyRedirectView.as_view(page="not_submitted"),
         name="staff_not_submitted_current"),
    path("staff/surveys/<int:survey_id>/results/", staff_views.ResultsView.as_view(), name="staff_survey_results"),
    path("staff/surveys/<int:survey_id>/not-submitted/", staff_views.NotSubmittedView.as_view(),
         name="staff_not_submitted"),
    path("staff/surveys/<int:survey_id>/export/", staff_views.ExportView.as_view(), name="staff_export"),
]
