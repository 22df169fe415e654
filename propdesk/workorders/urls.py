from django.urls import path

from propdesk.workorders import views

app_name = "workorders"
urlpatterns = [path("", views.index, name="index")]
