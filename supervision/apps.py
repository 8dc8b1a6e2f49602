from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("组织与监督")

    def ready(self) -> None:
        from supervision import contributions, data_version, security  # noqa: F401 - security connects its receivers

        contributions.register()
        data_version.connect()
