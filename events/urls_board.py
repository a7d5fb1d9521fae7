"""The selection board's staff pages, under /staff/ so that the staff second factor guards them."""

from django.urls import path

from . import views_board

urlpatterns = [
    path("staff/days/", views_board.CurrentBoardRedirectView.as_view(), name="staff_board_current"),
    path("staff/days/<int:event_id>/board/", views_board.BoardView.as_view(), name="staff_board"),
    path("staff/days/<int:event_id>/board/decide/", views_board.BulkDecideView.as_view(), name="staff_board_bulk"),
    path("staff/days/<int:event_id>/board/<int:application_id>/decide/", views_board.DecideView.as_view(),
         name="staff_board_decide"),
    path("staff/days/<int:event_id>/board/<int:application_id>/grant/", views_board.GrantView.as_view(),
         name="staff_board_grant"),
    path("staff/days/<int:event_id>/board/send/", views_board.SendDecisionsView.as_view(),
         name="staff_board_send"),
]
