"""Writes of the search app: the anonymous log of searches that found nothing."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gongkai.search.models import SearchMiss

MAX_LOGGED_CHARS = 200


def search_miss_record(*, query: str, filtered: bool) -> None:
    """Count one search without results for today (issue #4 §3). Only the query text, whether
    filters were on, and the day are kept: nothing that identifies who searched."""
    query = " ".join(query.split())[:MAX_LOGGED_CHARS]
    if not query:
        return
    day = timezone.localdate()
    lookup = {"query": query, "filtered": filtered, "day": day}
    if SearchMiss.objects.filter(**lookup).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            SearchMiss.objects.create(**lookup)
    except IntegrityError:  # created by a concurrent request just now
        SearchMiss.objects.filter(**lookup).update(count=F("count") + 1)
