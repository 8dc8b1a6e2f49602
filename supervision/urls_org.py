from django.urls import path

from supervision.views import org

app_name = "org"

urlpatterns = [
    path("agencies/", org.agency_list, name="agency_list"),
    path("agencies/<int:pk>/", org.agency_detail, name="agency_detail"),
]
