"""Public pages of the assessment: published rankings and report verification (no sign-in)."""

from django.urls import path

from assessment import views_public

app_name = "assessment_public"

urlpatterns = [
    path("rankings/", views_public.public_years, name="years"),
    path("rankings/<int:year>/", views_public.public_ranking, name="ranking"),
    path("verify/", views_public.verify_form, name="verify_form"),
    path("verify/<str:code>/", views_public.verify, name="verify"),
]
