"""The search outbox and the anonymous log of searches that found nothing (issue #4 §3)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IndexChange(models.Model):
    """One document whose search entry must be rewritten (the outbox).

    Written in the same transaction as the change to the document, so the index can never
    miss a committed change; applied by the single indexer, which re-reads the document from
    the database (the source of truth) and replaces or deletes its entry. Applying one twice
    is harmless.
    """

    document_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The pending changes only: the indexer asks for them twice a second, and the
            # table keeps a day of applied ones (a million after a big import). With a plain
            # index PostgreSQL, planning from statistics taken before the rows were applied,
            # walked the primary key past every applied row (0.7 s a poll at 1,000,000).
            models.Index(
                fields=["id"], condition=Q(applied_at__isnull=True), name="index_change_pending"
            ),
            models.Index(fields=["applied_at"], name="index_change_applied"),
        ]
        verbose_name = _("search index change")
        verbose_name_plural = _("search index changes")

    def __str__(self) -> str:
        return f"{self.pk}: document {self.document_id}"


class SearchMiss(models.Model):
    """A search that found nothing, counted per day. Nothing about who searched is kept."""

    query = models.CharField(_("query"), max_length=200)
    filtered = models.BooleanField(_("with filters"), default=False)
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("count"), default=1)

    class Meta:
        verbose_name = _("search without results")
        verbose_name_plural = _("searches without results")
        ordering = ["-day", "-count"]
        constraints = [
            models.UniqueConstraint(fields=["query", "filtered", "day"], name="search_miss_unique")
        ]

    def __str__(self) -> str:
        return self.query
