"""URLs of the sales-centre floor (/reception/): post picker and screens, the event stream,
the buttons' POST handlers, console, VIP room board, visits."""

from django.urls import path

from propdesk.reception import views
from propdesk.reception.views import cards as card_views
from propdesk.reception.views import rotation as rotation_views

app_name = "reception"
urlpatterns = [
    path("", views.index, name="index"),
    path("post/<str:code>/", views.post_screen, name="post"),
    path("post/<str:code>/live/", views.post_live, name="post_live"),
    path("stream/", views.stream, name="stream"),
    path("console/", views.console, name="console"),
    path("rooms/", views.room_board, name="rooms"),
    path("rooms/new/", views.room_create, name="room_create"),
    path("rooms/<int:pk>/<str:action>/", views.room_action, name="room_action"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_start, name="visit_start"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/step/", views.visit_step, name="visit_step"),
    path("visits/<int:pk>/details/", views.visit_details, name="visit_details"),
    path("calls/send/", views.call_send, name="call_send"),
    path("calls/<int:pk>/ack/", views.call_ack, name="call_ack"),
    path("calls/<int:pk>/complete/", views.call_complete, name="call_complete"),
    path("rotation/", rotation_views.rotation_home, name="rotation"),
    path("rotation/live/", rotation_views.rotation_live, name="rotation_live"),
    path("rotation/board/", rotation_views.rotation_board, name="rotation_board"),
    path("rotation/event/", rotation_views.rotation_event, name="rotation_event"),
    path("rotation/open/", rotation_views.rotation_open, name="rotation_open"),
    path("rotation/close/", rotation_views.rotation_close, name="rotation_close"),
    path("rotation/setup/", rotation_views.rotation_setup_page, name="rotation_setup"),
    path("rotation/report/", rotation_views.rotation_report_page, name="rotation_report"),
    path("rotation/report.xlsx", rotation_views.rotation_report_xlsx, name="rotation_report_xlsx"),
    path("cards/", card_views.card_list, name="cards"),
    path("cards/new/", card_views.card_create, name="card_create"),
    path("cards/<int:pk>/", card_views.card_detail, name="card"),
    path("cards/<int:pk>/edit/", card_views.card_edit, name="card_edit"),
    path("cards/<int:pk>/owner/", card_views.card_owner, name="card_owner"),
    path("appointments/", card_views.appointment_list, name="appointments"),
    path("appointments/new/", card_views.appointment_create, name="appointment_create"),
    path("appointments/<int:pk>/", card_views.appointment_detail, name="appointment"),
    path(
        "appointments/<int:pk>/<str:action>/",
        card_views.appointment_action,
        name="appointment_action",
    ),
]
