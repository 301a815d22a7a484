"""The bank's reference data the simulator draws from: branches and merchants.

Both files live in ``seeds/reference/`` and are also dbt seeds, so the
warehouse and the simulated feeds agree on every branch and merchant id. The
cities of the branches are the bank's home region; card-present merchants in
other cities are either travel destinations (Europe) or far away (the
geographies the fraud scenarios use).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds" / "reference"

# Countries outside the bank's travel area: normal customers never appear
# there; account takeover and impossible travel come from them.
FAR_COUNTRIES = frozenset({"NG", "BR", "TH", "VN", "US", "ID", "MX"})

# Log-normal amount of one card purchase per merchant category: median in the
# currency's units and sigma of the log. Chosen from typical ticket sizes.
AMOUNTS: dict[str, tuple[float, float]] = {
    "grocery": (32.0, 0.7),
    "restaurant": (34.0, 0.6),
    "fast_food": (11.0, 0.5),
    "fuel": (58.0, 0.4),
    "pharmacy": (17.0, 0.7),
    "clothing": (62.0, 0.7),
    "electronics": (140.0, 0.9),
    "department_store": (55.0, 0.8),
    "taxi": (21.0, 0.5),
    "books": (24.0, 0.5),
    "bakery": (7.0, 0.5),
    "hardware": (120.0, 1.0),
    "hotel": (160.0, 0.6),
    "souvenirs": (25.0, 0.6),
    "jewelry": (600.0, 0.6),
    "money_transfer": (400.0, 0.5),
    "online_retail": (45.0, 0.9),
    "digital_goods": (9.0, 0.6),
    "subscriptions": (13.0, 0.3),
    "airline": (240.0, 0.6),
    "travel_agency": (320.0, 0.7),
    "food_delivery": (27.0, 0.4),
    "ride_hailing": (18.0, 0.5),
}


@dataclass(frozen=True)
class Branch:
    branch_id: str
    name: str
    city: str
    country: str
    lat: float
    lon: float
    teller_count: int


@dataclass(frozen=True)
class Merchant:
    merchant_id: str
    name: str
    mcc: str
    category: str
    channel: str
    city: str | None
    country: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Reference:
    branches: tuple[Branch, ...]
    merchants: tuple[Merchant, ...]
    home_cities: dict[str, tuple[str, float, float]]  # city -> (country, lat, lon)
    local: dict[str, tuple[Merchant, ...]]  # home or travel city -> card-present merchants
    travel_cities: tuple[str, ...]
    far_cities: tuple[str, ...]
    online: tuple[Merchant, ...]
    online_by_category: dict[str, tuple[Merchant, ...]]
    city_geo: dict[str, tuple[str, float, float]]


def _read(name: str) -> list[dict[str, str]]:
    path = SEEDS / name
    if not path.exists():
        raise FileNotFoundError(f"reference data missing: {path}")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def load() -> Reference:
    branches = tuple(
        Branch(
            r["branch_id"],
            r["branch_name"],
            r["city"],
            r["country"],
            float(r["latitude"]),
            float(r["longitude"]),
            int(r["teller_count"]),
        )
        for r in _read("branches.csv")
    )
    merchants = tuple(
        Merchant(
            r["merchant_id"],
            r["merchant_name"],
            r["mcc"],
            r["category"],
            r["channel"],
            r["city"] or None,
            r["country"],
            float(r["latitude"]) if r["latitude"] else None,
            float(r["longitude"]) if r["longitude"] else None,
        )
        for r in _read("merchants.csv")
    )
    unknown = {m.category for m in merchants} - set(AMOUNTS)
    if unknown:
        raise ValueError(f"merchants.csv: categories without an amount model: {sorted(unknown)}")

    home: dict[str, list[tuple[float, float]]] = {}
    countries: dict[str, str] = {}
    for b in branches:
        home.setdefault(b.city, []).append((b.lat, b.lon))
        countries[b.city] = b.country
    home_cities = {
        city: (
            countries[city],
            sum(p[0] for p in pts) / len(pts),
            sum(p[1] for p in pts) / len(pts),
        )
        for city, pts in home.items()
    }
    local: dict[str, list[Merchant]] = {}
    geo: dict[str, list[Merchant]] = {}
    for m in merchants:
        if m.channel == "card_present":
            local.setdefault(m.city, []).append(m)
            geo.setdefault(m.city, []).append(m)
    city_geo = {
        city: (ms[0].country, sum(m.lat for m in ms) / len(ms), sum(m.lon for m in ms) / len(ms))
        for city, ms in geo.items()
    }
    city_geo.update(home_cities)
    far = tuple(sorted(c for c, ms in local.items() if ms[0].country in FAR_COUNTRIES))
    travel = tuple(sorted(c for c in local if c not in home_cities and c not in far))
    online = tuple(m for m in merchants if m.channel == "card_not_present")
    by_cat: dict[str, list[Merchant]] = {}
    for m in online:
        by_cat.setdefault(m.category, []).append(m)
    return Reference(
        branches=branches,
        merchants=merchants,
        home_cities=home_cities,
        local={c: tuple(ms) for c, ms in local.items()},
        travel_cities=travel,
        far_cities=far,
        online=online,
        online_by_category={c: tuple(ms) for c, ms in by_cat.items()},
        city_geo=city_geo,
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
