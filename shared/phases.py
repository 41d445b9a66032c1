"""The one check that a query's ``phase`` is a phase of the programme plan."""
from collections.abc import Container
from typing import Any

from shared.errors import InvalidInput


def known_phase(query: dict[str, Any], phases: Container[str]) -> dict[str, Any]:
    """``query`` unchanged when it names no phase or a phase in ``phases``; else InvalidInput."""
    if query.get("phase") is not None and query["phase"] not in phases:
        raise InvalidInput("阶段 {} 不在计划中".format(query["phase"]), {"phase": ["unknown phase"]})
    return query
