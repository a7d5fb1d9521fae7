from django.urls import path

from . import peer_views, views
from .staff_urls import urlpatterns as staff_urlpatterns

app_name = "surveys"

urlpatterns = [
    path("portrait/<int:survey_id>/", views.PortraitView.as_view(), name="portrait"),
    path("portrait/<int:survey_id>/section/<int:section_id>/", views.SectionView.as_view(), name="section"),
    path("portrait/<int:survey_id>/answer/<int:question_id>/", views.AnswerView.as_view(), name="answer"),
    path("portrait/<int:survey_id>/submit/", views.SubmitView.as_view(), name="submit"),
    path("portrait/<int:survey_id>/submitted/", views.SubmittedView.as_view(), name="submitted"),
    path("portrait/<int:survey_id>/peers/", peer_views.PeersView.as_view(), name="peers"),
    path("staff/peers/", peer_views.StaffPeersView.as_view(), name="staff_peers"),
]
urlpatterns += staff_urlpatterns
