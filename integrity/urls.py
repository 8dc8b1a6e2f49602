from django.urls import path

from integrity import views

app_name = "integrity"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    # Checklists (第七条至第十条)
    path("checklists/", views.checklist_list, name="checklist_list"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/revise/", views.checklist_revise, name="checklist_revise"),
    # Control inspections
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/export/", views.inspection_export, name="inspection_export"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/edit/", views.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/results/<int:result_pk>/", views.result_update, name="result_update"),
    path("inspections/<int:pk>/complete/", views.inspection_complete, name="inspection_complete"),
    path("inspections/<int:pk>/cancel/", views.inspection_cancel, name="inspection_cancel"),
    path("inspections/<int:pk>/report.pdf", views.inspection_report, name="inspection_report"),
    # Spot checks (第十条（二）)
    path("spot-checks/", views.spot_check_list, name="spot_check_list"),
    path("spot-checks/new/", views.spot_check_new, name="spot_check_new"),
    path("spot-checks/<int:pk>/", views.spot_check_detail, name="spot_check_detail"),
    path("spot-checks/<int:pk>/edit/", views.spot_check_edit, name="spot_check_edit"),
    path("spot-checks/<int:pk>/issues/", views.spot_check_issue_add, name="spot_check_issue_add"),
    path(
        "spot-checks/<int:pk>/issues/<int:issue_pk>/withdraw/",
        views.spot_check_issue_withdraw,
        name="spot_check_issue_withdraw",
    ),
    path("spot-checks/<int:pk>/feedback/", views.spot_check_feedback, name="spot_check_feedback"),
    path("spot-checks/<int:pk>/report/", views.spot_check_report, name="spot_check_report"),
    # Risk register, analysis reports, disposal plans (第十条（三）)
    path("risks/", views.risk_list, name="risk_list"),
    path("risks/export/", views.risk_export, name="risk_export"),
    path("risks/new/", views.risk_new, name="risk_new"),
    path("risks/<int:pk>/", views.risk_detail, name="risk_detail"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="risk_edit"),
    path("risks/<int:pk>/review/", views.risk_review, name="risk_review"),
    path("risk-reports/", views.risk_report_list, name="risk_report_list"),
    path("risk-reports/new/", views.risk_report_new, name="risk_report_new"),
    path("risk-reports/<int:pk>/", views.risk_report_detail, name="risk_report_detail"),
    path("risk-reports/<int:pk>/edit/", views.risk_report_edit, name="risk_report_edit"),
    path("risk-reports/<int:pk>/submit/", views.risk_report_submit, name="risk_report_submit"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/in-force/", views.plan_in_force, name="plan_in_force"),
    path("plans/<int:pk>/repeal/", views.plan_repeal, name="plan_repeal"),
    # Service standards (第六条) and accountability
    path("service/", views.service_overview, name="service"),
    path("service/export/", views.service_export, name="service_export"),
    path("service/commitments/new/", views.service_commitment_new, name="service_commitment_new"),
    path("service/commitments/<int:pk>/", views.service_commitment_detail, name="service_commitment_detail"),
    path("service/commitments/<int:pk>/edit/", views.service_commitment_edit, name="service_commitment_edit"),
    path(
        "service/commitments/<int:pk>/withdraw/", views.service_commitment_withdraw, name="service_commitment_withdraw"
    ),
    path("service/rules/new/", views.service_rule_new, name="service_rule_new"),
    path("service/rules/<int:pk>/", views.service_rule_detail, name="service_rule_detail"),
    path("service/rules/<int:pk>/edit/", views.service_rule_edit, name="service_rule_edit"),
    path("service/rules/<int:pk>/repeal/", views.service_rule_repeal, name="service_rule_repeal"),
    path("accountability/", views.accountability_list, name="accountability_list"),
    path("accountability/new/", views.accountability_new, name="accountability_new"),
    path("accountability/<int:pk>/", views.accountability_detail, name="accountability_detail"),
    # Integrity (第十一条)
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/new/", views.assignment_new, name="assignment_new"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/edit/", views.assignment_edit, name="assignment_edit"),
    path("commitments/", views.commitment_list, name="commitment_list"),
    path("commitments/issue/", views.commitment_issue, name="commitment_issue"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/sign/", views.commitment_sign, name="commitment_sign"),
    path("commitments/<int:pk>/void/", views.commitment_void, name="commitment_void"),
    path("talks/", views.talk_list, name="talk_list"),
    path("talks/new/", views.talk_new, name="talk_new"),
    path("talks/<int:pk>/", views.talk_detail, name="talk_detail"),
    path("talks/<int:pk>/follow-up/", views.talk_follow_up, name="talk_follow_up"),
]
