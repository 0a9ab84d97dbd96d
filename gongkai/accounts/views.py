"""Back-office views of the accounts app that the Django admin does not provide itself."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import PasswordChangeView
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse_lazy

from gongkai.accounts.services import account_password_changed


class AuditedPasswordChangeView(PasswordChangeView):
    """The back office's own "change password" page, with the change written to the audit log.

    Mounted at the admin's ``password_change`` path (before ``admin.site.urls``), so the
    admin's links lead here; it renders the admin's own template.
    """

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("admin:password_change_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            account_password_changed(account=form.user, by=form.user, via="web")
        return response
