"""Load the ``holidays`` package's country modules one at a time, as shops use them.

``holidays.country_holidays("US")`` imports ``holidays.countries.united_states``, and importing
any module of that package first runs ``holidays/countries/__init__.py``, which imports all
~250 country modules: ~8 MiB in every web and worker process, for the handful of countries
its shops are in. ``install()`` registers ``holidays.countries`` as a lazy package before anyone
imports it: the same directory (so every ``holidays.countries.<module>`` is the package's own
file, loaded unchanged), and its names (``UnitedStates``, ``US``, ``USA``…) resolved on first
access through the package's own registry (``holidays.registry.COUNTRIES``, the table its
``EntityLoader`` and its ``__init__`` are generated from). ``holidays.country_holidays`` and
``from holidays.countries import X`` keep working and return the same classes; only the
import of countries nobody asked for is skipped.

``tests/orders/test_holiday_countries.py`` proves, for every country a shop can pick, that the
holidays of a year and the working days are the ones the package gives when loaded whole.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

import holidays
from holidays.registry import COUNTRIES

PACKAGE = "holidays.countries"


def install() -> None:
    """Make ``holidays.countries`` lazy, unless something has already imported it whole."""
    if PACKAGE in sys.modules:
        return
    location = str(Path(holidays.__file__).parent / "countries")
    spec = importlib.machinery.ModuleSpec(PACKAGE, None, is_package=True)
    spec.submodule_search_locations = [location]
    package = importlib.util.module_from_spec(spec)
    # Each exported name (class, alpha-2/alpha-3 code, alias) → the module that defines it.
    module_of = {name: module for module, names in COUNTRIES.items() for name in names}
    package.__all__ = list(module_of)

    def __getattr__(name: str):  # PEP 562: called only for names not yet in the package
        if name not in module_of:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{PACKAGE}.{module_of[name]}"), name)
        setattr(package, name, value)
        return value

    package.__getattr__ = __getattr__
    sys.modules[PACKAGE] = package
    holidays.countries = package
