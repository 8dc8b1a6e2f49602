from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("双百分考核")

    def ready(self) -> None:
        from assessment import contributions

        contributions.register()
