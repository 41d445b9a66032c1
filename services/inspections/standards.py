"""The construction standard as data: one YAML file per version in ``standards/``.

Loading checks the file's shape once, so a typo in a new version fails at start,
not in the middle of an inspection. Thresholds become ``Decimal``.
"""
import os
from datetime import date
from decimal import Decimal, InvalidOperation

import yaml

from shared import labels
from shared.errors import InvalidInput, NotFound
from shared.schemas.common import LEVELS

DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "standards")
KINDS = ("number_at_least", "count_at_least", "required_set", "yes_no", "no_incident")
NEEDS_THRESHOLD = ("number_at_least", "count_at_least")


class StandardError(ValueError):
    """A standard file is malformed (a programming/configuration error, not user input)."""


def _decimal(value, where):
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise StandardError(f"{where}: threshold {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise StandardError(f"{where}: threshold {value!r} must be a finite number >= 0")
    return number


def parse(raw):
    """A checked standard dict from the raw YAML mapping."""
    for key in ("version", "title", "effective_from", "items"):
        if key not in raw:
            raise StandardError(f"standard without {key!r}")
    items, seen = [], set()
    for entry in raw["items"]:
        where = "{} item {}".format(raw["version"], entry.get("id"))
        if entry.get("id") in seen or not entry.get("id"):
            raise StandardError(f"{where}: missing or duplicate id")
        seen.add(entry["id"])
        if entry.get("kind") not in KINDS:
            raise StandardError("{}: unknown kind {!r}".format(where, entry.get("kind")))
        if entry["kind"] in NEEDS_THRESHOLD and not entry.get("unit"):
            raise StandardError(f"{where}: numeric items need a unit")
        levels = {}
        for level, rule in (entry.get("levels") or {}).items():
            if level not in LEVELS:
                raise StandardError(f"{where}: unknown level {level!r}")
            rule = dict(rule or {})
            if entry["kind"] in NEEDS_THRESHOLD:
                rule["threshold"] = _decimal(rule.get("threshold"), where)
            if entry["kind"] == "required_set":
                unknown = set(rule.get("required") or ()) - set(entry.get("options") or {})
                if not rule.get("required") or unknown:
                    raise StandardError(f"{where}: required options missing or unknown: {sorted(unknown)}")
            levels[level] = rule
        if not levels:
            raise StandardError(f"{where}: applies to no level")
        items.append({"id": entry["id"], "name": entry["name"], "category": entry.get("category", ""),
                      "kind": entry["kind"], "unit": entry.get("unit"), "options": dict(entry.get("options") or {}),
                      "mandatory": bool(entry.get("mandatory", True)), "levels": levels})
    return {"version": str(raw["version"]), "title": raw["title"], "source": raw.get("source", ""),
            "effective_from": date.fromisoformat(str(raw["effective_from"])), "items": items}


def load_directory(directory=DIRECTORY):
    found = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                standard = parse(yaml.safe_load(fh))
            if standard["version"] in found:
                raise StandardError("duplicate standard version {}".format(standard["version"]))
            found[standard["version"]] = standard
    if not found:
        raise StandardError(f"no standard in {directory}")
    return Standards(found.values())


class Standards:
    """All known versions; ``in_force(day)`` picks the latest effective on ``day``."""

    def __init__(self, standards):
        self.by_version = {s["version"]: s for s in standards}

    def versions(self):
        return sorted(self.by_version.values(), key=lambda s: (s["effective_from"], s["version"]))

    def get(self, version):
        if version not in self.by_version:
            raise NotFound(f"建设标准版本“{version}”不存在", {"version": sorted(self.by_version)})
        return self.by_version[version]

    def in_force(self, day):
        candidates = [s for s in self.versions() if s["effective_from"] <= day]
        if not candidates:
            raise InvalidInput(f"{day.isoformat()} 时尚无生效的建设标准", {"inspected_on": ["before any standard"]})
        return candidates[-1]


def items_for(standard, level):
    """The items that apply to ``level``, each flattened with its level rule."""
    out = []
    for item in standard["items"]:
        rule = item["levels"].get(level)
        if rule is not None:
            out.append({**{k: v for k, v in item.items() if k != "levels"}, **rule,
                        "text": rule.get("text", ""), "required": list(rule.get("required") or ())})
    return out


def describe(standard, level):
    """The standard for one level, JSON-ready (thresholds as numbers, options named)."""
    items = []
    for item in items_for(standard, level):
        items.append({"id": item["id"], "name": item["name"], "category": item["category"], "kind": item["kind"],
                      "text": item["text"], "unit": item["unit"], "mandatory": item["mandatory"],
                      "threshold": number_out(item.get("threshold")),
                      "required": [{"id": o, "name": item["options"][o]} for o in item["required"]]})
    return {"version": standard["version"], "title": standard["title"], "source": standard["source"],
            "effective_from": standard["effective_from"], "level": level, "level_name": labels.LEVELS[level],
            "items": items}


def number_out(value):
    """A Decimal as a JSON number: an int when whole, else a float (display only)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def plain(value):
    """A Decimal as text without exponent or trailing zeros: 300, 299.9, 0.3."""
    text = format(value.normalize(), "f")
    return text
