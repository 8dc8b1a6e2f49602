from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("举报投诉")

    def ready(self) -> None:
        from complaints import contributions

        contributions.register()
