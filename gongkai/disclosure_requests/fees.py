"""Processing fees (信息处理费; Regulation Art. 42, 国办函〔2020〕109号; REGULATION.md §4).

Two methods, one per request, never both, both progressive (超额累进). The schedule is
configuration (``GONGKAI_REQUESTS["FEE_SCHEDULE"]``); the defaults are the national ones:

* per request (按件): the applicant's n-th request in a calendar month — 1–10 free, 11–30
  100 yuan each, then every further band of 10 costs 100 yuan more (31–40: 200, …);
* by volume (按量), per reply: pages 1–30 free, 31–100 10 yuan a page, 101–200 20 yuan,
  201 and above 40 yuan a page.

    fee_per_request(12)  # FeeResult(amount=Decimal("100"), lines=[...])
    fee_per_volume(150)  # 70 × 10 + 50 × 20 = 1,700 yuan
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.conf import settings


@dataclass(frozen=True)
class FeeLine:
    first: int
    last: int  # inclusive
    count: int
    rate: Decimal

    @property
    def amount(self) -> Decimal:
        return self.rate * self.count

    def as_dict(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "last": self.last,
            "count": self.count,
            "rate": str(self.rate),
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class FeeResult:
    amount: Decimal
    lines: list[FeeLine] = field(default_factory=list)


def schedule() -> dict[str, Any]:
    return cast(dict[str, Any], settings.GONGKAI_REQUESTS["FEE_SCHEDULE"])


def per_request_rate(ordinal: int, config: dict[str, Any] | None = None) -> Decimal:
    """The fee for an applicant's ``ordinal``-th request in a calendar month."""
    if ordinal < 1:
        raise ValueError("ordinal starts at 1")
    conf = (config or schedule())["per_request"]
    free, first_band_end = conf["free_up_to"], conf["first_band_up_to"]
    if ordinal <= free:
        return Decimal(0)
    base, step, band = Decimal(conf["first_band_rate"]), Decimal(conf["step"]), conf["band"]
    if ordinal <= first_band_end:
        return base
    return base + step * (1 + (ordinal - first_band_end - 1) // band)


def fee_per_request(ordinal: int, config: dict[str, Any] | None = None) -> FeeResult:
    rate = per_request_rate(ordinal, config)
    return FeeResult(rate, [FeeLine(ordinal, ordinal, 1, rate)])


def fee_per_volume(pages: int, config: dict[str, Any] | None = None) -> FeeResult:
    """The fee for a reply of ``pages`` pages (bands from the schedule, progressive)."""
    if pages < 0:
        raise ValueError("pages must be 0 or more")
    bands = (config or schedule())["per_volume"]  # [[first, last or None, rate], ...]
    lines = []
    for first, last, rate in bands:
        top = pages if last is None else min(pages, last)
        if top < first:
            continue
        lines.append(FeeLine(first, top, top - first + 1, Decimal(str(rate))))
    total = sum((line.amount for line in lines), Decimal(0))
    return FeeResult(total, [line for line in lines if line.rate])
