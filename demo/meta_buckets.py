"""Meta's spend, impressions and audience-size buckets, as the Ad Library API returns them.

The scheme reproduces every bucket in the real ads_archive pages under ``../shared/realdata/meta``: spend
0-99, then 100-199 ... 900-999, 1000-1499 ... 4500-4999, 5000-5999 ... 9000-9999, 10000-14999 ...;
impressions 0-999, then 1000-1999 ... 9000-9999 and from 10000 the same steps as spend; at 1,000,000 the
bucket is open at the top (``lower_bound`` only). The 2019 pages also hold a coarser set (100-499,
1000-4999, ..., 200000-499999) beside the fine one; the demo makes only the fine one.
"""

from __future__ import annotations

# (from, to, step) of Meta's buckets: 0-99, 100-199 ... 1000-1499 ... 5000-5999 ... 10000-14999 ...; above
# the last range the bucket is open ("lower_bound" only). Impressions use the same scale from 1000 up.
SPEND_BUCKET_STEPS = ((0, 100, 100), (100, 1000, 100), (1000, 5000, 500), (5000, 10000, 1000),
                      (10000, 50000, 5000), (50000, 100000, 10000), (100000, 200000, 25000),
                      (200000, 500000, 50000), (500000, 1000000, 100000))
IMPRESSIONS_BUCKET_STEPS = ((0, 1000, 1000), (1000, 10000, 1000), *SPEND_BUCKET_STEPS[4:])
OPEN_BUCKET_FROM = 1000000
# estimated_audience_size buckets as the Ad Library shows them (numbers, not strings).
AUDIENCE_BUCKETS = ((0, 999), (1000, 5000), (5001, 10000), (10001, 50000), (50001, 100000),
                    (100001, 500000), (500001, 1000000))


def bucket(value: float, steps=SPEND_BUCKET_STEPS) -> tuple[int, int | None]:
    """(lower, upper) of the bucket holding ``value``; upper is None in the open top bucket."""
    amount = max(0, int(value))
    for start, stop, step in steps:
        if start <= amount < stop:
            lower = start + (amount - start) // step * step
            return lower, lower + step - 1
    return OPEN_BUCKET_FROM, None


def audience_bucket(size: int) -> dict:
    """``estimated_audience_size`` for an audience of ``size`` people; above 1,000,000 it is open."""
    for lower, upper in AUDIENCE_BUCKETS:
        if size <= upper:
            return {"lower_bound": lower, "upper_bound": upper}
    return {"lower_bound": 1000001}
