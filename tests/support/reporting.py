"""The read model's figures through the API, and a progress report made as an office (integration tests)."""
OFFICE = "丰庆路街道"
TOTAL = 100 * 6 + 5 * 8  # milestones of the Jinshui table: 100 centres of 6, 5 pilot centres of 8
PACE_KEYS = ("colour", "expected_percent", "lag_percent", "lag_rank", "colours")  # 序时进度 (services/reporting/pace.py)


def without_pace(rollup):
    """A roll-up without its 序时进度 fields, to compare its counts with an oracle that has none."""
    def plain(row):
        return {k: v for k, v in row.items() if k not in PACE_KEYS}
    return {**rollup, "rows": [plain(r) for r in rollup["rows"]], "offices": [plain(o) for o in rollup["offices"]],
            "totals": plain(rollup["totals"])}


def progress(stack, **params):
    response = stack.get("/api/progress", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def report(stack, centre_id, key, office=OFFICE, **fields):
    url = f"/api/centres/{centre_id}/milestones/{key}/progress"
    response = stack.post(url, role="office", office=office, json={"based_on_version": 1, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def move_colours(stack):
    """Run the reporting service's pace timer once (the colours of the clock's day)."""
    from nameko.testing.services import entrypoint_hook
    from nameko.testing.utils import get_container

    from services.reporting.service import ReportingService

    with entrypoint_hook(get_container(stack.runner, ReportingService), "move_colours") as tick:
        tick()
