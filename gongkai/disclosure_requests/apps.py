from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureRequestsConfig(AppConfig):
    name = "gongkai.disclosure_requests"
    label = "disclosure_requests"
    verbose_name = _("Disclosure requests")

    def ready(self) -> None:
        from gongkai.core import calendar
        from gongkai.disclosure_requests import services

        if services.on_calendar_change not in calendar.on_calendar_change:
            calendar.on_calendar_change.append(services.on_calendar_change)
