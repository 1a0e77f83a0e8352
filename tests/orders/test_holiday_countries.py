"""Country calendars are loaded one country at a time (shipdesk.orders.holiday_countries), and
give exactly the holidays and working days the holidays package gives when loaded whole.

Each side runs in a fresh interpreter: in this test process the package may already be loaded
one way or the other by earlier tests, which would make the comparison prove nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django_countries import countries

YEARS = (2025, 2026, 2027)

# Prints, per country code read from stdin, each year's holidays and working days as the
# holidays package computes them; with "lazy", after Shipdesk's deadline rules are imported,
# and also the business days those rules give (which fall back to Sat/Sun for an unknown code).
CALENDARS = r"""
import json, sys
from datetime import date, timedelta
lazy = sys.argv[1] == "lazy"
if lazy:
    from shipdesk.orders.deadlines import BusinessCalendar
import holidays

def days(year):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)

out = {}
for code in json.load(sys.stdin):
    for year in YEARS:
        try:
            calendar = holidays.country_holidays(code, years=year, expand=False)
        except NotImplementedError:
            entry = None
        else:
            entry = {
                "holidays": sorted((day.isoformat(), name) for day, name in calendar.items()),
                "working": "".join("1" if calendar.is_working_day(day) else "0" for day in days(year)),
            }
        if lazy:
            shop = BusinessCalendar(timezone="UTC", country=code)
            business = "".join("1" if shop.is_business_day(day) else "0" for day in days(year))
            fallback = "".join("0" if day.weekday() >= 5 else "1" for day in days(year))
            assert business == (entry["working"] if entry else fallback), (code, year)
        out[f"{code} {year}"] = entry
loaded = sorted(name for name in sys.modules if name.startswith("holidays.countries."))
whole = bool(getattr(sys.modules.get("holidays.countries"), "__file__", None))  # the package's own __init__ ran
print(json.dumps({"calendars": out, "loaded": loaded, "whole": whole}))
""".replace("YEARS", repr(YEARS))


def _calendars(codes: list[str], *, lazy: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", CALENDARS, "lazy" if lazy else "whole"],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_every_country_a_shop_can_pick_has_the_same_holidays_and_working_days_when_loaded_alone():
    codes = [code for code, _ in countries]
    whole = _calendars(codes, lazy=False)
    alone = _calendars(codes, lazy=True)
    assert whole["whole"] and not alone["whole"]
    mismatched = [key for key, entry in whole["calendars"].items() if alone["calendars"][key] != entry]
    assert mismatched == []
    # Sanity: the comparison covered real calendars, not only unknown codes.
    assert sum(entry is not None for entry in whole["calendars"].values()) > 200 * len(YEARS)


def test_a_us_shops_deadlines_load_the_us_calendar_and_no_other_country():
    alone = _calendars(["US"], lazy=True)
    assert alone["loaded"] == ["holidays.countries.united_states"]
    assert alone["calendars"]["US 2026"]["holidays"][0] == ["2026-01-01", "New Year's Day"]
