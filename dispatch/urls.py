from django.urls import path

from dispatch import report_views
from dispatch.views import board, phone, triage

urlpatterns = [
    path("board/", board.board, name="board"),
    path("board/panels/", board.board_panels, name="board-panels"),
    path("board/map.json", board.board_map, name="board-map"),
    path("board/calls/new/", board.board_new_call, name="board-new-call"),
    path("board/calls/<id:call_id>/move/", board.board_move, name="board-move"),
    path("board/calls/<id:call_id>/decide/<slug:to_status>/", board.board_decide, name="board-decide"),
    path("board/calls/<id:call_id>/recommend/", board.board_recommend, name="board-recommend"),
    path("board/calls/<id:call_id>/assign/", board.board_assign, name="board-assign"),
    path("board/units/<id:unit_id>/status/", board.board_unit_status, name="board-unit-status"),
    path("board/calls/<id:call_id>/", board.board_call, name="board-call"),
    path("board/calls/<id:call_id>/notes/", board.board_add_note, name="board-add-note"),
    path("board/calls/<id:call_id>/acknowledge/", board.board_acknowledge, name="board-acknowledge"),
    path("triage/", triage.triage, name="triage"),
    path("triage/panel/", triage.triage_panel, name="triage-panel"),
    path("triage/calls/<id:call_id>/resolve/", triage.triage_resolve, name="triage-resolve"),
    path("triage/calls/<id:call_id>/decide/", triage.triage_decide, name="triage-decide"),
    path("reports/", report_views.reports_page, name="reports"),
    path("reports/<slug:table>.csv", report_views.reports_csv, name="reports-csv"),
    path("me/", phone.my_unit, name="my-unit"),
    path("me/panel/", phone.my_unit_panel, name="my-unit-panel"),
    path("me/status/", phone.my_unit_status, name="my-unit-status"),
    path("me/calls/<id:call_id>/move/", phone.my_call_move, name="my-call-move"),
    path("me/calls/<id:call_id>/outcome/", phone.my_call_outcome, name="my-call-outcome"),
    path("me/calls/<id:call_id>/notes/", phone.my_call_note, name="my-call-note"),
    path("me/calls/<id:call_id>/acknowledge/", phone.my_call_acknowledge, name="my-call-acknowledge"),
]
