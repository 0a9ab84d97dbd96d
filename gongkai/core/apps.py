from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongkai.core"
    label = "core"
    verbose_name = _("Audit and system")

    def ready(self) -> None:
        # Register the periodic jobs of every app with the scheduler.
        import gongkai.annual_reports.tasks  # noqa: F401
        import gongkai.core.tasks  # noqa: F401
        import gongkai.disclosure_requests.tasks  # noqa: F401
        import gongkai.library.tasks  # noqa: F401
        import gongkai.units.tasks  # noqa: F401
