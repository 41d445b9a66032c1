"""The programme plan as data: phases with their windows, the milestone template
per phase and level, and the due-date rules. Another district loads its own plan
file (``MILESTONES_PLAN``) without code changes; the file is checked at load so
a typo fails at start-up, not in the middle of a report."""
import json
import os
from datetime import date
from functools import lru_cache

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import LEVELS, StrictSchema
from shared.schemas.milestones import OWNERS
from shared.settings import settings

DEFAULT_PLAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plans", "jinshui_2017.json")
# a milestone is due at the end of its phase, at its centre's deadline in the allocation table, or on the
# plan file's own `date`
DUE_RULES = ("phase_end", "centre_deadline", "fixed")


class _Phase(StrictSchema):
    phase = fields.Integer(required=True, validate=validate.Range(min=1, max=9))
    title = fields.String(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)


class _Due(StrictSchema):
    rule = fields.String(required=True, validate=validate.OneOf(DUE_RULES))
    date = fields.Date(load_default=None)


class _Milestone(StrictSchema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{2,40}$"))
    phase = fields.Integer(required=True)
    title = fields.String(required=True)
    owner = fields.String(required=True, validate=validate.OneOf(OWNERS))
    levels = fields.List(fields.String(validate=validate.OneOf(LEVELS)), load_default=lambda: list(LEVELS))
    pilot_only = fields.Boolean(load_default=False)
    due = fields.Nested(_Due, required=True)
    centre_built = fields.Boolean(load_default=False)  # done means the centre is built (event centre_built)


class _Plan(StrictSchema):
    plan = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    source = fields.String(load_default="")
    phases = fields.List(fields.Nested(_Phase), required=True, validate=validate.Length(min=1))
    milestones = fields.List(fields.Nested(_Milestone), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _consistent(self, data, **kwargs):
        phases = {p["phase"] for p in data["phases"]}
        keys = [m["key"] for m in data["milestones"]]
        if len(keys) != len(set(keys)):
            raise ValidationError({"milestones": ["duplicate key"]})
        for m in data["milestones"]:
            if m["phase"] not in phases:
                raise ValidationError({"milestones": ["{}: unknown phase {}".format(m["key"], m["phase"])]})
            if m["due"]["rule"] == "fixed" and m["due"]["date"] is None:
                raise ValidationError({"milestones": ["{}: fixed rule needs a date".format(m["key"])]})
        for p in data["phases"]:
            if p["end"] < p["start"]:
                raise ValidationError({"phases": ["phase {} ends before it starts".format(p["phase"])]})


class Plan:
    def __init__(self, data):
        self.data = data
        self.name = data["plan"]
        self.version = data["version"]
        self.phases = {p["phase"]: p for p in data["phases"]}
        self.milestones = data["milestones"]
        self.order = {m["key"]: i for i, m in enumerate(self.milestones)}
        self.by_key = {m["key"]: m for m in self.milestones}

    def start(self):
        """The programme's first day (its earliest phase start): nothing happened in it before."""
        return min(p["start"] for p in self.phases.values())

    def phase_end(self, phase):
        return self.phases[phase]["end"]

    def due_for(self, spec, centre):
        rule = spec["due"]["rule"]
        if rule == "centre_deadline":
            deadline = centre.get("deadline")
            return deadline if isinstance(deadline, date) or deadline is None else date.fromisoformat(deadline)
        if rule == "fixed":
            return spec["due"]["date"]
        return self.phase_end(spec["phase"])

    def template_for(self, centre):
        """The milestones ``centre`` should have: [{key, title, phase, owner, due, order}]."""
        out = []
        for spec in self.milestones:
            if centre["level"] not in spec["levels"] or (spec["pilot_only"] and not centre.get("pilot")):
                continue
            out.append({"key": spec["key"], "title": spec["title"], "phase": spec["phase"], "owner": spec["owner"],
                        "due": self.due_for(spec, centre), "order": self.order[spec["key"]]})
        return out


def parse(data):
    try:
        return Plan(_Plan().load(data))
    except ValidationError as exc:
        raise ValueError(f"invalid milestone plan: {exc.messages}") from None


def load(path):
    with open(path, encoding="utf-8") as fh:
        if path.endswith((".yaml", ".yml")):
            import yaml
            return parse(yaml.safe_load(fh))
        return parse(json.load(fh))


@lru_cache(maxsize=4)
def _cached(path):
    return load(path)


def current():
    return _cached(settings().milestones_plan or DEFAULT_PLAN)
