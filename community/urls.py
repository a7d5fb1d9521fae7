from django.urls import path

from . import staff_views, views

app_name = "community"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation_detail"),
    path("membership/", views.MembershipStatusView.as_view(), name="membership_status"),
    path("join/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("staff/", staff_views.StaffTodoView.as_view(), name="staff_todo"),
    path("two-factor/setup/", views.SecondFactorSetupView.as_view(), name="second_factor_setup"),
    path("two-factor/continue/", views.second_factor_continue, name="second_factor_continue"),
]
