"""How `make bench` records an answer that is not a figure (tests/bench/run.py): a route this build does
not have, a query it refuses, or a list that ignored the area it was asked for. Never a timing of it."""

NOT_AVAILABLE = "not available in this run"


def unavailable(response):
    """What a route that did not answer 2xx is recorded as: never a figure. 404/405 (a route this build lacks)
    and other 4xx (a query it refuses) are "not available in this run"; 5xx a failure. The answer is kept."""
    text = " ".join(response.text.split())[:200]
    if 400 <= response.status_code < 500:
        return f"{NOT_AVAILABLE} (HTTP {response.status_code}: {text})"
    return f"failed (HTTP {response.status_code}: {text})"


def outside(items, area):
    """The items (of a list of an area) whose office is not inside ``area``: the generator's office names
    carry their township's code (测试110101001街道), so a list that ignored the area is caught."""
    prefix = "测试" + area
    return [i for i in items if isinstance(i, dict) and str(i.get("office", prefix)).startswith("测试")
            and not str(i.get("office", prefix)).startswith(prefix)]
