from django.urls import path

from supervision.views import findings

app_name = "findings"

urlpatterns = [
    path("", findings.finding_list, name="list"),
    path("export/", findings.finding_export, name="export"),
    path("new/", findings.finding_new, name="new"),
    path("<int:pk>/", findings.finding_detail, name="detail"),
    path("<int:pk>/answer/", findings.finding_answer, name="answer"),
    path("<int:pk>/verify/", findings.finding_verify, name="verify"),
    path("<int:pk>/reopen/", findings.finding_reopen, name="reopen"),
    path("<int:pk>/deadline/", findings.finding_deadline, name="deadline"),
    path("<int:pk>/withdraw/", findings.finding_withdraw, name="withdraw"),
]
