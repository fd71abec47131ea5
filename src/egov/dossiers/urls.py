from django.urls import path

from . import delivery_views, views

app_name = "dossiers"
urlpatterns = [
    path("procedures/<str:code>/start/", views.start, name="start"),
    path("dossiers/", views.mine, name="mine"),
    path("dossiers/<int:dossier_id>/", views.detail, name="detail"),
    path("dossiers/<int:dossier_id>/edit/", views.edit, name="edit"),
    path("dossiers/<int:dossier_id>/act/<str:action>/", views.act, name="act"),
    path("dossiers/<int:dossier_id>/receipt.pdf", views.receipt, name="receipt"),
    path("dossiers/<int:dossier_id>/result/", views.result, name="result"),
    path("dossiers/<int:dossier_id>/files/<str:code>/", views.component_file, name="file"),
    path(
        "dossiers/<int:dossier_id>/files/<str:code>/view/",
        views.component_file,
        {"inline": True},
        name="file_inline",
    ),
    path("dossiers/<int:dossier_id>/draft-result/", views.draft_result, name="draft"),
    path(
        "dossiers/<int:dossier_id>/draft-result/view/",
        views.draft_result,
        {"inline": True},
        name="draft_inline",
    ),
    path("dossiers/<int:dossier_id>/delivery/", delivery_views.change, name="delivery"),
    path("dossiers/<int:dossier_id>/delivery/book/", delivery_views.book, name="delivery_book"),
    path("postal/callback/<str:provider>/", delivery_views.callback, name="postal_callback"),
    path("postal/sandbox/", delivery_views.sandbox, name="postal_sandbox"),
    path("track/", views.track, name="track"),
    path("backoffice/", views.queue, name="queue"),
    path("backoffice/counter/", views.counter, name="counter"),
]
