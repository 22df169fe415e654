"""URLs of the sales-centre floor (/reception/): post picker and screens, the event stream,
the buttons' POST handlers, console, VIP room board, visits."""

from django.urls import path

from propdesk.reception import views

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
]
