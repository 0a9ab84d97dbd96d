from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnualReportsConfig(AppConfig):
    name = "gongkai.annual_reports"
    label = "annual_reports"
    verbose_name = _("Annual reports")
