from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from supervision.forms import PortalPasswordChangeForm
from supervision.twofactor import PortalLoginView, two_factor
from supervision.views import dashboard, files, health, public

public_patterns = (
    [path("", public.home, name="home")],
    "public",
)

urlpatterns = [
    path("", include(public_patterns)),
    path("accounts/login/", PortalLoginView.as_view(), name="login"),
    path("accounts/two-factor/", two_factor, name="two_factor"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(form_class=PortalPasswordChangeForm),
        name="password_change",
    ),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("org/", include("supervision.urls_org")),
    path("findings/", include("supervision.urls_findings")),
    path("attendance/", include("supervision.urls_attendance")),
    path("oversight/", include("supervision.urls_oversight")),
    path("disclosure/", include("supervision.urls_disclosure")),
    path("assessment/", include("assessment.urls")),
    path("", include("assessment.urls_public")),
    path("integrity/", include("integrity.urls")),
    path("notifications/", include("supervision.urls_notifications")),
    path("files/<uuid:token>/", files.attachment_download, name="attachment_download"),
    path("complaints/", include("complaints.urls")),
    path("captcha/", include("complaints.captcha_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "supervision.views.errors.permission_denied"
