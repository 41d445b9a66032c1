"""Judging measurements against the standard: plain Python, no store, no broker.

Numbers are compared as ``Decimal`` built from their decimal text, so the
boundaries are exact: 300 passes a 300 m² minimum, 299.9 fails it, 0.3 passes
0.3 (binary floats would make 0.1 + 0.2 miss). A measurement is either a bare
number in the item's unit or ``{"value": n, "unit": "..."}``; a unit other than
the item's (or a known alias/multiple of it) is refused, never guessed.
An item whose measurement is absent or ``null`` is not filled in (未填): never judged, never failed.
"""
from decimal import Decimal, InvalidOperation

from services.inspections.standards import items_for, number_out, plain
from shared import labels
from shared.errors import InvalidInput

PASS, FAIL, NOT_APPLICABLE, UNFILLED = "pass", "fail", "not_applicable", "unfilled"
PASSED, FAILED = "passed", "failed"

# canonical unit -> {accepted spelling: factor to the canonical unit}
UNITS = {
    "m²": {"m²": 1, "m2": 1, "㎡": 1, "平方米": 1},
    "m": {"m": 1, "米": 1, "cm": Decimal("0.01"), "厘米": Decimal("0.01")},
    "万元/年": {"万元/年": 1, "万元": 1, "元/年": Decimal("0.0001"), "元": Decimal("0.0001")},
    "天/年": {"天/年": 1, "天": 1},
    "次/年": {"次/年": 1, "次": 1},
    "场/年": {"场/年": 1, "场": 1},
    "人": {"人": 1, "名": 1},
    "起": {"起": 1},
}


class _Bad(Exception):
    pass


def _number(raw, item):
    """(Decimal in the item's unit) from a bare number or {value, unit}."""
    unit = None
    if isinstance(raw, dict):
        extra = set(raw) - {"value", "unit"}
        if extra or "value" not in raw:
            raise _Bad("应为数字，或 {\"value\": 数字, \"unit\": \"单位\"}")
        raw, unit = raw["value"], raw.get("unit")
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
        raise _Bad("应为数字，收到的是{}".format(f"文本“{raw}”" if isinstance(raw, str) else type(raw).__name__))
    try:
        value = Decimal(str(raw))  # str() of a float is its shortest decimal form: 299.9, not 299.899999...
    except InvalidOperation:
        raise _Bad("不是有效的数字") from None
    if not value.is_finite():
        raise _Bad("不是有效的数字")
    if value < 0:
        raise _Bad(f"不能为负数（{plain(value)}）")
    if unit is not None:
        factors = UNITS.get(item["unit"], {item["unit"]: 1})
        if unit not in factors:
            raise _Bad("单位“{}”与标准单位“{}”不符".format(unit, item["unit"]))
        value = value * Decimal(factors[unit])
    return value


def _count(raw, item):
    value = _number(raw, item)
    if value != value.to_integral_value():
        raise _Bad(f"应为整数（{plain(value)}）")
    return value.to_integral_value()


def _option_set(raw, item):
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise _Bad("应为选项编号的列表，可选：{}".format("、".join(item["options"])))
    unknown = [x for x in raw if x not in item["options"]]
    if unknown:
        raise _Bad("未知选项：{}；可选：{}".format("、".join(unknown), "、".join(item["options"])))
    return sorted(set(raw))


def _flag(raw, item):
    if not isinstance(raw, bool):
        raise _Bad("应为 true 或 false")
    return raw


PARSERS = {"number_at_least": _number, "count_at_least": _count, "required_set": _option_set,
           "yes_no": _flag, "no_incident": _count}


def filled(raw):
    """Whether an item was filled in: an absent or ``null`` measurement is 未填 (not a failure)."""
    return raw is not None


def judge_measurement(item, raw):
    """One item's verdict on a raw measurement, as the checklist page shows it while it is typed
    (services/gateway/web/src/judge.js gives the same): {"status": "unfilled"}, {"error": ...} or {status, reason}."""
    if not filled(raw):
        return {"status": UNFILLED, "reason": "未填"}
    try:
        value = PARSERS[item["kind"]](raw, item)
    except _Bad as exc:
        return {"error": "{}：{}".format(item["name"], exc)}
    status, reason = _judge(item, value)
    return {"status": status, "reason": reason}


def parse_measurements(standard, level, measurements):
    """Checked measurements keyed by item id, or InvalidInput listing every problem.

    Every item that applies to ``level`` must be filled in (``filled``) and no other
    present; the details name the missing and unexpected item ids.
    """
    items = items_for(standard, level)
    expected = [i["id"] for i in items]
    missing = [i for i in expected if not filled(measurements.get(i))]
    unexpected = sorted(k for k in measurements if k not in expected)
    details = {}
    if missing:
        details["missing_items"] = missing
    if unexpected:
        details["unexpected_items"] = unexpected
    parsed = {}
    for item in items:
        if item["id"] in missing:
            continue
        try:
            parsed[item["id"]] = PARSERS[item["kind"]](measurements[item["id"]], item)
        except _Bad as exc:
            details["measurements.{}".format(item["id"])] = ["{}：{}".format(item["name"], exc)]
    if details:
        parts = []
        if missing:
            parts.append("未填检查项 {}".format("、".join(i["name"] for i in items if i["id"] in missing)))
        if unexpected:
            parts.append("{}级中心不适用或未知的检查项 {}".format(labels.LEVELS[level], "、".join(unexpected)))
        bad = [k for k in details if k.startswith("measurements.")]
        if bad:
            parts.append(f"{len(bad)} 项数值有误")
        raise InvalidInput("检查数据有误：" + "；".join(parts) + "。未保存任何记录", details)
    return parsed


def _judge(item, value):
    kind, name, unit = item["kind"], item["name"], item["unit"]
    if kind in ("number_at_least", "count_at_least"):
        threshold = item["threshold"]
        if value >= threshold:
            return PASS, f"{name} {plain(value)} {unit}，达到标准 {plain(threshold)} {unit}"
        return FAIL, f"{name} {plain(value)} {unit} 低于标准 {plain(threshold)} {unit}"
    if kind == "required_set":
        lacking = [o for o in item["required"] if o not in value]
        if lacking:
            return FAIL, "{}缺少：{}".format(name, "、".join(item["options"][o] for o in lacking))
        return PASS, "{}齐全：{}".format(name, "、".join(item["options"][o] for o in item["required"]))
    if kind == "yes_no":
        return (PASS, f"{name}：符合") if value else (FAIL, "{}：不符合（标准：{}）".format(name, item["text"]))
    if value == 0:
        return PASS, f"无{name}"
    return FAIL, f"发生{name} {plain(value)} {unit}，标准要求无{name}"


def _out(value):
    return number_out(value) if isinstance(value, Decimal) else value


def evaluate(standard, level, parsed):
    """(items, result): every item of the standard judged, and passed/failed overall.

    Items of other levels are listed as not applicable; the result is passed
    only when every mandatory applicable item passes.
    """
    applicable = {i["id"]: i for i in items_for(standard, level)}
    results = []
    for item in standard["items"]:
        rule = applicable.get(item["id"])
        row = {"item_id": item["id"], "name": item["name"], "category": item["category"], "kind": item["kind"],
               "unit": item["unit"], "mandatory": item["mandatory"]}
        if rule is None:
            results.append({**row, "threshold": None, "required": [], "measured": None, "status": NOT_APPLICABLE,
                            "reason": f"不适用于{labels.LEVELS[level]}级中心"})
            continue
        status, reason = _judge(rule, parsed[item["id"]])
        results.append({**row, "threshold": _out(rule.get("threshold")), "required": rule["required"],
                        "measured": _out(parsed[item["id"]]), "status": status, "reason": reason})
    failed = [r for r in results if r["status"] == FAIL and r["mandatory"]]
    return results, (FAILED if failed else PASSED)


def stored_measurements(parsed):
    """Measurements as stored: decimals as exact text, so a reload compares identically."""
    return {k: plain(v) if isinstance(v, Decimal) else v for k, v in parsed.items()}
