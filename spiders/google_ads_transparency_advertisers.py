"""Which advertisers the google_ads_transparency crawl visits: the ids the configuration names, then the
advertisers of Google's political ads bundle as the warehouse already holds it.

**How the crawl gets them.** The launcher passes the scope (``advertiser_ids``, ``countries``,
``max_bundle_advertisers``) and the warehouse's path: ``ADTRAIL_DB`` in the crawl's environment when set (it
overrides the configuration, as everywhere), else the setting ``ADTRAIL_WAREHOUSE_DB`` (config.py sets it from
``warehouse.db``). The crawl reads the warehouse's *published* copy, read-only, the way the
app does: ``<warehouse dir>/published/current`` names the copy (warehouse/publish.py writes it). It never
opens the main file, which the loader may hold, and it imports nothing of the warehouse package: the pointer
file and the raw tables are the contract, as the crawl folder is the other way.

**Which bundle.** ``raw_google_advertiser_stats`` of the latest complete snapshot whose
``google_political_bundle`` source completed. A snapshot loads its crawls after all of them ran, so during
a weekly snapshot this is the previous week's bundle. Advertisers are taken biggest lifetime spend in USD
first (Google's rounded ``Spend_USD``), ties by id; with ``countries`` only those whose ``Regions`` list
names one of them, or whose advertiser-geo-spend rows do (a bare ``EU`` region matches no single country).
At most ``max_bundle_advertisers`` come from the bundle (0: none); the configured ids always come first and
do not count against that cap.

**Resume.** The list is resolved once per crawl folder and kept in ``state/advertisers.json`` with the scope
hash, so a rerun of an interrupted crawl visits the same advertisers even if a new snapshot was published
meanwhile.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from spiders.manifest import write_json_atomically

STATE_NAME = "advertisers.json"
BUNDLE_SOURCE = "google_political_bundle"
# warehouse/publish.py: the pointer's name, in the "published" folder beside the warehouse file.
PUBLISHED_POINTER = Path("published") / "current"

BUNDLE_ADVERTISERS_SQL = """
WITH asked AS (SELECT CAST($countries AS VARCHAR[]) AS countries),
bundle AS (
    SELECT max(s.snapshot_id) AS snapshot_id
    FROM snapshot s JOIN snapshot_source ss ON ss.snapshot_id = s.snapshot_id
    WHERE s.status = 'complete' AND ss.source = $source AND ss.status = 'complete'
      AND EXISTS (SELECT 1 FROM raw_google_advertiser_stats a
                  WHERE a.snapshot_id = s.snapshot_id AND a.source = $source)
),
in_countries AS (
    SELECT DISTINCT g.advertiser_id FROM raw_google_advertiser_geo_spend g, bundle, asked
    WHERE g.snapshot_id = bundle.snapshot_id AND g.source = $source
      AND list_contains(asked.countries, upper(trim(g.country)))
)
SELECT bundle.snapshot_id, a.advertiser_id, max(a.spend['USD']) AS spend_usd
FROM raw_google_advertiser_stats a, bundle, asked
WHERE a.snapshot_id = bundle.snapshot_id AND a.source = $source AND a.advertiser_id IS NOT NULL
  AND (len(asked.countries) = 0
       OR list_has_any(list_transform(string_split(coalesce(a.regions, ''), ','), lambda r: upper(trim(r))),
                       asked.countries)
       OR a.advertiser_id IN (SELECT advertiser_id FROM in_countries))
GROUP BY bundle.snapshot_id, a.advertiser_id
ORDER BY spend_usd DESC NULLS LAST, a.advertiser_id
LIMIT $cap
"""


@dataclass
class AdvertiserPlan:
    """The advertisers of one crawl and where they came from (kept in state/ and in the manifest)."""

    scope_sha256: str
    advertiser_ids: list[str]
    from_config: int
    from_bundle: int
    bundle_snapshot_id: int | None = None
    published_copy: str | None = None  # the published file's name (not its path: no machine paths stored)
    bundle_note: str | None = None  # why the bundle gave nothing, when it was asked for

    def manifest_entry(self) -> dict:
        entry = asdict(self)
        del entry["scope_sha256"], entry["advertiser_ids"]
        return entry


class BundleUnavailable(Exception):
    """The warehouse cannot give the bundle's advertisers; the message says why and what to do."""


def published_copy(warehouse_db: Path) -> Path:
    """The published copy the pointer names, checked; raises BundleUnavailable."""
    pointer = warehouse_db.parent / PUBLISHED_POINTER
    if not pointer.is_file():
        raise BundleUnavailable(f"nothing is published next to the warehouse {warehouse_db.name} yet (no "
                                f"{PUBLISHED_POINTER}): the bundle's advertisers are taken after a snapshot has "
                                "loaded google_political_bundle")
    name = pointer.read_text(encoding="utf-8").strip()
    copy = pointer.parent / name
    if not name.endswith(".duckdb") or Path(name).name != name or not copy.is_file():
        raise BundleUnavailable(f"{PUBLISHED_POINTER} names {name!r}, which is not a published copy: run "
                                "adtrail snapshot again to publish one")
    return copy


def bundle_advertisers(copy: Path, countries: list[str], cap: int) -> tuple[int | None, list[str]]:
    """(snapshot id, advertiser ids) of the bundle in a published copy; raises BundleUnavailable."""
    import duckdb  # only here: most crawls never read the warehouse

    try:
        con = duckdb.connect(str(copy), read_only=True)
    except duckdb.Error as error:
        raise BundleUnavailable(f"the published copy {copy.name} cannot be opened ({error})") from None
    try:
        rows = con.execute(BUNDLE_ADVERTISERS_SQL, {"source": BUNDLE_SOURCE, "countries": countries,
                                                     "cap": cap}).fetchall()
    except duckdb.Error as error:
        raise BundleUnavailable(f"the published copy {copy.name} has no readable Google bundle tables "
                                f"({str(error).splitlines()[0]}); run adtrail snapshot with google_political_bundle "
                                "enabled") from None
    finally:
        con.close()
    if not rows:
        raise BundleUnavailable(
            f"the published copy {copy.name} holds no complete google_political_bundle load with advertiser "
            f"stats{' in ' + ', '.join(countries) if countries else ''}")
    return rows[0][0], [row[1] for row in rows]


def warehouse_path(settings) -> str | None:
    """The warehouse the launcher runs against (see the module docstring)."""
    return os.environ.get("ADTRAIL_DB") or settings.get("ADTRAIL_WAREHOUSE_DB") or None


def plan_advertisers(scope: dict, scope_sha256: str, warehouse_db: str | None, state_dir: Path) -> AdvertiserPlan:
    """This crawl's advertisers: the saved plan of an earlier run of the folder, else resolved now and saved."""
    state = state_dir / STATE_NAME
    try:
        saved = json.loads(state.read_text(encoding="utf-8"))
        if saved.get("scope_sha256") == scope_sha256:
            return AdvertiserPlan(**saved)
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        pass  # no plan yet (or an unreadable one): resolve it again
    configured = list(scope["advertiser_ids"])
    cap = scope.get("max_bundle_advertisers", 0)
    plan = AdvertiserPlan(scope_sha256, configured, len(configured), 0)
    if cap:
        try:
            if not warehouse_db:
                raise BundleUnavailable("no warehouse was given to the crawl (ADTRAIL_DB or the setting "
                                        "ADTRAIL_WAREHOUSE_DB); "
                                        "run it through adtrail crawl or adtrail snapshot")
            copy = published_copy(Path(warehouse_db))
            plan.published_copy = copy.name
            # Ask for more than the cap: configured ids found in the bundle do not use up its places.
            plan.bundle_snapshot_id, found = bundle_advertisers(copy, scope.get("countries") or [],
                                                                cap + len(configured))
            extra = [advertiser for advertiser in found if advertiser not in configured][:cap]
            plan.advertiser_ids += extra
            plan.from_bundle = len(extra)
        except BundleUnavailable as reason:
            plan.bundle_note = str(reason)
    write_json_atomically(state, asdict(plan))
    return plan
