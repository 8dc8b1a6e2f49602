from django.urls import path

from supervision.views import oversight

app_name = "oversight"

urlpatterns = [
    path("", oversight.index, name="index"),
    # 第十二条
    path("activities/", oversight.activity_list, name="activity_list"),
    path("activities/new/", oversight.activity_new, name="activity_new"),
    path("activities/<int:pk>/", oversight.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", oversight.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/void/", oversight.activity_void, name="activity_void"),
    path("activities/<int:pk>/finding/", oversight.activity_finding, name="activity_finding"),
    # 第十三条
    path("reports/", oversight.report_list, name="report_list"),
    path("reports/export/", oversight.report_export, name="report_export"),
    path("reports/start/", oversight.report_start, name="report_start"),
    path("reports/<int:pk>/", oversight.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", oversight.report_edit, name="report_edit"),
    path("reports/<int:pk>/review/", oversight.report_review, name="report_review"),
    # 第十四条
    path("visits/", oversight.visit_list, name="visit_list"),
    path("visits/new/", oversight.visit_new, name="visit_new"),
    path("visits/<int:pk>/", oversight.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/record/", oversight.visit_record, name="visit_record"),
    path("visits/<int:pk>/cancel/", oversight.visit_cancel, name="visit_cancel"),
    path("visits/<int:pk>/finding/", oversight.visit_finding, name="visit_finding"),
    # 第十五条
    path("inspections/", oversight.inspection_list, name="inspection_list"),
    path("inspections/new/", oversight.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", oversight.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/materials/new/", oversight.material_new, name="material_new"),
    path("inspections/<int:pk>/seals.xlsx", oversight.seal_register_export, name="seal_register"),
    path("inspections/<int:pk>/inquiries/new/", oversight.inquiry_new, name="inquiry_new"),
    path("inspections/<int:pk>/orders/new/", oversight.order_new, name="order_new"),
    path("inspections/<int:pk>/decisions/new/", oversight.decision_new, name="decision_new"),
    path("inspections/<int:pk>/finding/", oversight.inspection_finding, name="inspection_finding"),
    path("inspections/<int:pk>/conclude/", oversight.inspection_conclude, name="inspection_conclude"),
    path("inspections/<int:pk>/cancel/", oversight.inspection_cancel, name="inspection_cancel"),
    path("inspections/<int:pk>/publish/", oversight.inspection_publish, name="inspection_publish"),
    path("inspections/<int:pk>/withdraw/", oversight.inspection_withdraw, name="inspection_withdraw"),
    path("orders/<int:pk>/revoke/", oversight.order_revoke, name="order_revoke"),
    path("decisions/<int:pk>/revoke/", oversight.decision_revoke, name="decision_revoke"),
    path("materials/<int:pk>/seal/", oversight.material_seal, name="material_seal"),
    path("materials/<int:pk>/release/", oversight.material_release, name="material_release"),
    path("inquiries/<int:pk>/", oversight.inquiry_detail, name="inquiry_detail"),
    path("inquiries/<int:pk>/statement/", oversight.inquiry_statement, name="inquiry_statement"),
]
