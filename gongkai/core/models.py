"""Shared models: the append-only audit log, the job scheduler's state, the working-day calendar."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("create")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")
    PUBLISH = "publish", _("publish")
    UNPUBLISH = "unpublish", _("unpublish")
    ROLE_GRANT = "role_grant", _("role granted")
    ROLE_REVOKE = "role_revoke", _("role revoked")
    FILE = "file", _("filing submitted")
    CONFIRM = "confirm", _("filing confirmed")
    CASE_ACTION = "case_action", _("case action")
    IMPORT = "import", _("import")
    PERSONAL_DATA_VIEW = "personal_view", _("personal data viewed")
    PERSONAL_DATA_DESTROY = "personal_destroy", _("personal data destroyed")


class AppendOnlyError(Exception):
    """Audit entries can be added, never changed or deleted."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One state change: who, when, what, and the values before and after.

    Append-only: the model refuses updates and deletes, the back office shows it
    read-only, and on PostgreSQL a trigger refuses UPDATE and DELETE as well.
    Actor and unit are kept without database constraints so that the entry
    outlives whatever it describes.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor name"), max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_label = models.CharField(_("object"), max_length=300)
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    via = models.CharField(_("via"), max_length=20, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["unit", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")

    def changed_fields(self) -> list[str]:
        before = self.before or {}
        after = self.after or {}
        return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


class ScheduledJob(models.Model):
    """When each periodic job runs next. Workers claim a run by advancing ``next_run_at``."""

    name = models.CharField(max_length=200, unique=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return self.name


class CalendarSource(models.TextChoices):
    PACKAGE = "chinesecalendar", _("chinesecalendar package")
    IMPORT = "import", _("imported notice")
    ADMIN = "admin", _("administrator correction")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("public holiday")
    MAKEUP_WORKDAY = "makeup_workday", _("make-up working day")
    WORKDAY_OVERRIDE = "workday_override", _("working day (correction)")
    REST_OVERRIDE = "rest_override", _("rest day (correction)")


class CalendarYear(models.Model):
    """One year of the working-day calendar: whether its official notice is on record.

    Deadlines that count days of a year without a confirmed row are computed on plain
    weekdays and marked "calendar not yet confirmed". ``revision`` grows with every
    change to the year: the calendar cache (``core/calendar.py``) compares the sum over
    all years to see changes made by other processes. Rows are never deleted.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    source = models.CharField(_("source"), max_length=20, choices=CalendarSource.choices)
    notice = models.TextField(
        _("notice"), blank=True, help_text=_("The official notice, e.g. 国办发明电〔2025〕7号.")
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the plain rule (Monday to Friday work, weekends rest).

    Holidays on weekdays and make-up working days on weekends (调休) from the
    official notice, and single corrections by the Office. A day that follows the
    plain rule is never stored.
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    kind = models.CharField(_("kind"), max_length=20, choices=CalendarDayKind.choices)
    name = models.CharField(_("holiday name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=CalendarSource.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(is_working_day=False, kind__in=["holiday", "rest_override"])
                    | models.Q(is_working_day=True, kind__in=["makeup_workday", "workday_override"])
                ),
                name="core_calendarday_kind_matches_working",
            )
        ]

    def __str__(self) -> str:
        return " ".join(filter(None, [self.date.isoformat(), self.name, self.get_kind_display()]))
