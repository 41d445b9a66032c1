"""Plan files (``plans/*.yaml``): the indicators each source document sets, validated at load.

Each file declares who an indicator applies to, its period, kind, metric, target and unit, and the
document clause it comes from with the quoted Chinese text. ``load_plans`` refuses a file that does not
match ``PlanSchema``, so a typo in a plan stops the service at start instead of tracking nonsense.
"""
import os
from functools import lru_cache

import yaml
from marshmallow import ValidationError

from shared.schemas.indicators import PlanSchema

PLAN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plans")


class PlanError(Exception):
    pass


def load_plan(path):
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    try:
        plan = PlanSchema().load(raw)
    except ValidationError as exc:
        raise PlanError(f"{os.path.basename(path)}: {exc.messages}") from None
    for indicator in plan["indicators"]:
        if indicator["source"]["document"] != plan["document"] or not indicator["id"].startswith(plan["document"]):
            raise PlanError("{}: indicator {} cites another document".format(path, indicator["id"]))
        indicator["document"] = plan["document"]
    return plan


@lru_cache(maxsize=1)
def load_plans(directory=PLAN_DIR):
    """{document id: plan}, every file in ``directory``; indicator ids unique across plans."""
    plans, seen = {}, set()
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yaml", ".yml", ".json")):
            plan = load_plan(os.path.join(directory, name))
            ids = {i["id"] for i in plan["indicators"]}
            if ids & seen or len(ids) != len(plan["indicators"]):
                raise PlanError(f"{name}: duplicate indicator ids")
            seen |= ids
            plans[plan["document"]] = plan
    return plans


def all_indicators():
    return [i for plan in load_plans().values() for i in plan["indicators"]]


@lru_cache(maxsize=1)
def _by_id():
    return {i["id"]: i for i in all_indicators()}


def indicator(indicator_id):
    return _by_id().get(indicator_id)


def reporting_rule():
    """How monthly reporting works (due working day, evaluation periods), from the plan that sets it (001)."""
    for plan in load_plans().values():
        if plan["reporting"]:
            return plan["reporting"]
    return {"due_workday": 5, "evaluation": ["month", "quarter", "year"], "source": None}
