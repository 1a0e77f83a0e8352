"""Arrows point one way (docs/architecture.md): the import contracts hold, every module has a layer,
and the registries through which lower apps reach order services are filled at start-up."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

from shipdesk.earnings.holds import HOLD_EXTENSIONS
from shipdesk.inventory.services import STOCK_ADDED
from shipdesk.ops.requests import observe_order_event
from shipdesk.orders.events import EVENT_OBSERVERS
from shipdesk.orders.services import deliver_parcel, reserve_short_lines, update_payment
from shipdesk.payments.provider_events import PAYMENT_APPLIERS
from shipdesk.performance.services import extra_hold_days
from shipdesk.shipping.services import DELIVERY_REPORTED

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def _contracts() -> list[dict]:
    with open(ROOT / "pyproject.toml", "rb") as config:
        return tomllib.load(config)["tool"]["importlinter"]["contracts"]


def _layer_entries() -> list[str]:
    (layers,) = [c["layers"] for c in _contracts() if c["type"] == "layers"]
    return [name.strip() for layer in layers for name in re.split(r"[:|]", layer)]


def _product_modules() -> dict[str, Path]:
    modules = {}
    for path in (SRC / "shipdesk").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_empty_package(path: Path) -> bool:
    return path.name == "__init__.py" and not path.read_text().strip()


def test_every_module_of_the_product_sits_in_exactly_one_layer():
    entries = _layer_entries()
    unplaced, doubly_placed = [], []
    for module, path in sorted(_product_modules().items()):
        homes = [entry for entry in entries if module == entry or module.startswith(entry + ".")]
        if not homes and not _is_empty_package(path):
            unplaced.append(module)
        if len(homes) > 1:
            doubly_placed.append(f"{module}: {homes}")
    assert unplaced == [], "Place these modules in a layer of [tool.importlinter] (pyproject.toml)"
    assert doubly_placed == []


def test_every_layer_entry_names_a_module_that_exists():
    modules = _product_modules()
    assert [entry for entry in _layer_entries() if entry not in modules] == []


def test_the_import_contracts_hold():
    # The same check `make lint` runs; here so that a test run alone also refuses an arrow upwards.
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan): each is an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in imports[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_of_the_product_imports_itself_through_a_cycle():
    # Every import counts, also one inside a function: hiding an import there leaves the cycle.
    graph = grimp.build_graph("shipdesk", cache_dir=None)
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    assert _cycles(imports) == []


def test_order_services_are_registered_with_the_lower_apps_that_announce_to_them():
    assert reserve_short_lines in STOCK_ADDED
    assert update_payment in PAYMENT_APPLIERS
    assert deliver_parcel in DELIVERY_REPORTED
    assert observe_order_event in EVENT_OBSERVERS
    assert extra_hold_days in HOLD_EXTENSIONS
