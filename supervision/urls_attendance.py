from django.urls import path

from supervision.views import attendance, attendance_import

app_name = "attendance"

urlpatterns = [
    path("", attendance.attendance_home, name="home"),
    path("sign-in/", attendance.sign_in, name="sign_in"),
    path("overview/", attendance.overview, name="overview"),
    path("agency/<int:pk>/", attendance.agency_day, name="agency_day"),
    path("agency/<int:pk>/month/", attendance.agency_month, name="agency_month"),
    path("agency/<int:pk>/month/export/", attendance.agency_month_export, name="agency_month_export"),
    path("agency/<int:pk>/import/", attendance_import.import_upload, name="import_upload"),
    path("agency/<int:pk>/import/template/", attendance_import.import_template, name="import_template"),
    path("import/<int:pk>/", attendance_import.import_preview, name="import_preview"),
    path("import/<int:pk>/apply/", attendance_import.import_apply, name="import_apply"),
    path("import/<int:pk>/cancel/", attendance_import.import_cancel, name="import_cancel"),
    path("leave/", attendance.leave_list, name="leave_list"),
    path("leave/new/", attendance.leave_new, name="leave_new"),
    path("leave/filings/", attendance.filing_list, name="filing_list"),
    path("leave/<int:pk>/", attendance.leave_detail, name="leave_detail"),
    path("leave/<int:pk>/decide/", attendance.leave_decide, name="leave_decide"),
    path("leave/<int:pk>/withdraw/", attendance.leave_withdraw, name="leave_withdraw"),
    path("leave/<int:pk>/return/", attendance.leave_return, name="leave_return"),
    path("leave/<int:pk>/acknowledge/", attendance.filing_acknowledge, name="filing_acknowledge"),
    path("leave/<int:pk>/pdf/", attendance.leave_pdf, name="leave_pdf"),
    path("visits/", attendance.visit_list, name="visit_list"),
    path("visits/new/", attendance.visit_new, name="visit_new"),
    path("visits/<int:pk>/", attendance.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/finding/<int:observation_pk>/", attendance.visit_finding, name="visit_finding"),
]
