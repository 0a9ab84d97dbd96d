"""The search outbox and the anonymous log of searches that found nothing (issue #4 §3)."""

from __future__ import annotations

from django.db import models
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
        indexes = [models.Index(fields=["applied_at", "id"], name="index_change_pending")]
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
