from django.urls import path

from . import views

app_name = "mailings"

urlpatterns = [
    path("mail/preferences/<str:token>/", views.preferences, name="preferences"),
    path("mail/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
