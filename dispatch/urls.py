from django.urls import path

from dispatch import report_views, views

urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/panels/", views.board_panels, name="board-panels"),
    path("board/map.json", views.board_map, name="board-map"),
    path("board/calls/new/", views.board_new_call, name="board-new-call"),
    path("board/calls/<id:call_id>/move/", views.board_move, name="board-move"),
    path("board/calls/<id:call_id>/recommend/", views.board_recommend, name="board-recommend"),
    path("board/calls/<id:call_id>/assign/", views.board_assign, name="board-assign"),
    path("board/units/<id:unit_id>/status/", views.board_unit_status, name="board-unit-status"),
    path("reports/", report_views.reports_page, name="reports"),
    path("reports/<slug:table>.csv", report_views.reports_csv, name="reports-csv"),
    path("me/", views.my_unit, name="my-unit"),
    path("me/panel/", views.my_unit_panel, name="my-unit-panel"),
    path("me/status/", views.my_unit_status, name="my-unit-status"),
    path("me/calls/<id:call_id>/move/", views.my_call_move, name="my-call-move"),
    path("me/calls/<id:call_id>/outcome/", views.my_call_outcome, name="my-call-outcome"),
]
