"""The public disclosure pages: every view here is `@login_not_required` and reads published results only."""

from django.urls import path

from supervision.views import disclosure

app_name = "disclosure"

urlpatterns = [
    path("", disclosure.disclosure_list, name="list"),
    path("export.csv", disclosure.disclosure_csv, name="csv"),
    path("export.json", disclosure.disclosure_json, name="json"),
    path("<slug:public_id>/", disclosure.disclosure_detail, name="detail"),
]
