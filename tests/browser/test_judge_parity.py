"""The checklist page judges each item as it is typed with services/gateway/web/src/judge.js,
a port of services/inspections/evaluator.py. This test runs that JS file in node over
vectors judged by the Python evaluator and requires the same verdict and the same reason."""
import json
import shutil
import subprocess
from decimal import Decimal

import pytest

from services.inspections import evaluator
from services.inspections.standards import describe, items_for, load_directory
from tests.support.paths import ROOT

JUDGE = ROOT + "/services/gateway/web/src/judge.js"
RUNNER = """
import { readFileSync } from 'node:fs'
const { judge } = await import(process.argv[1])
const cases = JSON.parse(readFileSync(0, 'utf8'))
process.stdout.write(JSON.stringify(cases.map((c) => judge(c.item, c.raw))))
"""
NUMBERS = [0, 1, 5, 5.0, 5.5, 0.3, 0.1 + 0.2, 0.29999, 99.9, 100, 100.0, 100.01, 299.9, 299.99, 300, 300.0, 300.0001,
           999.999, 1000, 1e-7, 1e21, 12345678.9, 10 ** 20, -1, -0.5, "300", "", True, False, None, [], {}]


def _unit_vectors(item):
    out = []
    for unit, factor in evaluator.UNITS.get(item["unit"], {item["unit"]: 1}).items():
        threshold = item["threshold"] if item["threshold"] is not None else Decimal(1)
        at = threshold / Decimal(factor)
        out += [{"value": float(at), "unit": unit}, {"value": float(at) - 0.01, "unit": unit},
                {"value": int(at) + 1, "unit": unit}]
    out += [{"value": 1, "unit": "km"}, {"value": 1}, {"value": 1, "unit": "m²", "extra": 1}, {"unit": "m"},
            {"value": "1", "unit": item["unit"]}, {"value": None}]
    return out


def _vectors(item):
    kind = item["kind"]
    if kind in ("number_at_least", "count_at_least", "no_incident"):
        extra = []
        if item.get("threshold") is not None:
            t = item["threshold"]
            extra = [float(t), float(t) - 0.1, float(t) + 0.1, float(t - Decimal("0.001")), int(t), int(t) - 1]
        return NUMBERS + extra + _unit_vectors({**item, "threshold": item.get("threshold")})
    if kind == "required_set":
        ids = list(item["required"])
        return [ids, ids[:-1], [], ids + ids[:1], list(reversed(ids)), ids[1:], "x", [1, 2], None, True]
    return [True, False, None, 1, 0, "true", []]


def _python(item, raw):
    return evaluator.judge_measurement(item, raw)


def test_js_judge_agrees_with_the_python_evaluator():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make web needs it too)")
    cases, expected, kinds = [], [], []
    for standard in load_directory().versions():
        for level in ("subdistrict", "community", "village"):
            served = {i["id"]: i for i in json.loads(json.dumps(describe(standard, level), default=str))["items"]}
            for item in items_for(standard, level):
                for raw in _vectors(item):
                    raw = json.loads(json.dumps(raw))  # what the server receives
                    cases.append({"item": served[item["id"]], "raw": raw})
                    expected.append(_python(item, raw))
                    kinds.append(item["kind"])
    done = subprocess.run([node, "--input-type=module", "-e", RUNNER, JUDGE], input=json.dumps(cases),
                          capture_output=True, text=True, timeout=120, check=True)
    actual = json.loads(done.stdout)
    assert len(actual) == len(expected) > 500
    mismatches = []
    for case, want, got, kind in zip(cases, expected, actual, kinds, strict=True):
        got = {k: v for k, v in got.items() if k != "measured"}
        if kind == "required_set" and "error" in want:
            # the served standard names only the required options, so the list of all options differs
            same = "error" in got
        else:
            same = got == want
        if not same:
            mismatches.append((case["item"]["id"], case["raw"], want, got))
    assert not mismatches, mismatches[:10]
    assert {"pass", "fail", "unfilled"} <= {w.get("status") for w in expected} and any("error" in w for w in expected)
