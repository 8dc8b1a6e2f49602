from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    name = "integrity"
    verbose_name = _("内控与廉政")

    def ready(self) -> None:
        from integrity import contributions

        contributions.register()
