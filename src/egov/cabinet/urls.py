from django.urls import path

from . import views

app_name = "cabinet"
urlpatterns = [
    path("ecabinet/", views.home, name="home"),
    path("ecabinet/<slug:code>/phieu-moi/", views.new_sheet, name="new_sheet"),
    path("ecabinet/<slug:code>/thanh-phan/", views.seats, name="seats"),
    path("ecabinet/phieu/<int:sheet_id>/", views.sheet, name="sheet"),
    path("ecabinet/phieu/<int:sheet_id>/kiem-phieu/", views.sheet_tally, name="sheet_tally"),
    path("ecabinet/phieu/<int:sheet_id>/tong-hop.pdf", views.sheet_summary, name="sheet_summary"),
    path("ecabinet/<slug:code>/phien-hop-moi/", views.new_meeting, name="new_meeting"),
    path("ecabinet/hop/<int:meeting_id>/", views.meeting, name="meeting"),
    path("ecabinet/hop/<int:meeting_id>/bien-ban.pdf", views.meeting_minutes, name="minutes"),
    path("ecabinet/hop/<int:meeting_id>/phong-hop/", views.room, name="room"),
    path(
        "ecabinet/hop/<int:meeting_id>/phong-hop/trang-thai/", views.room_state, name="room_state"
    ),
    path("ecabinet/tai-lieu/<int:paper_id>/", views.paper, name="paper"),
    path("ecabinet/tai-lieu/<int:paper_id>/tep.pdf", views.paper_file, name="paper_file"),
    path(
        "ecabinet/tai-lieu/<int:paper_id>/trang-<int:number>.png",
        views.paper_page,
        name="paper_page",
    ),
]
