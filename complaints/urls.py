from django.urls import path

from complaints import public_views, views

app_name = "complaints"

urlpatterns = [
    # Public (第十六条): anyone may file and follow a complaint or report.
    path("new/", public_views.complaint_new, name="new"),
    path("receipt/", public_views.complaint_receipt, name="receipt"),
    path("track/", public_views.complaint_track, name="track"),
    path("track/result/", public_views.complaint_track_result, name="track_result"),
    path("track/rate/", public_views.complaint_track_rate, name="track_rate"),
    path("track/letters/<int:pk>/", public_views.complaint_track_letter, name="track_letter"),
    # Staff handling.
    path("", views.complaint_list, name="list"),
    path("export/", views.complaint_export, name="export"),
    path("dashboard/", views.complaint_dashboard, name="dashboard"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/letters/<int:letter_pk>/", views.complaint_letter, name="letter"),
    path("<int:pk>/accept/", views.complaint_accept, name="accept"),
    path("<int:pk>/reassign/", views.complaint_reassign, name="reassign"),
    path("<int:pk>/transfer/", views.complaint_transfer, name="transfer"),
    path("<int:pk>/decline/", views.complaint_decline, name="decline"),
    path("<int:pk>/merge/", views.complaint_merge, name="merge"),
    path("<int:pk>/note/", views.complaint_note, name="note"),
    path("<int:pk>/pause/", views.complaint_pause, name="pause"),
    path("<int:pk>/resume/", views.complaint_resume, name="resume"),
    path("<int:pk>/reply/", views.complaint_reply, name="reply"),
    path("<int:pk>/close/", views.complaint_close, name="close"),
    path("<int:pk>/reopen/", views.complaint_reopen, name="reopen"),
    path("<int:pk>/rate/", views.complaint_rate, name="rate"),
    path("<int:pk>/finding/", views.complaint_finding, name="finding"),
    path("<int:pk>/accountability/", views.complaint_accountability, name="accountability"),
    # Reconsideration and litigation (第十七条).
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/export/", views.case_export, name="case_export"),
    path("cases/stats/", views.case_stats, name="case_stats"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_update, name="case_update"),
]
