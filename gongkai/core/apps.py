from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongkai.core"
    label = "core"
    verbose_name = _("Audit and system")

    def ready(self) -> None:
        # Register the periodic jobs of every app with the scheduler.
        from gongkai.core import tasks  # noqa: F401
        from gongkai.units import tasks  # noqa: F401
