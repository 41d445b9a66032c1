"""schemathesis against the running gateway, with every role's token: no answer >= 500, and every
error in the JSON shape {"error", "message", "details"}. Bounded: FUZZ_EXAMPLES examples per
operation and role (default 3), and a hang guard of FUZZ_SECONDS (default 900) for the whole run.
Pages for people outside /api (the public survey page /s/{centre_id}) may answer HTML errors."""
import os
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.support.waiting import wait_for

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "900"))
ROLES = (("admin", None), ("office", "丰庆路街道"), ("inspector", None))


def check(response, problems, label, path):
    if response.status_code >= 500:
        problems.append(f"{label} -> {response.status_code} {response.text[:200]}")
    elif response.status_code >= 400 and path.startswith("/api/"):
        try:
            body = response.json()
        except ValueError:
            body = None
        if not (isinstance(body, dict) and {"error", "message", "details"} <= set(body)):
            problems.append(f"{label} -> {response.status_code} not the JSON error shape: {response.text[:200]!r}")


def test_fuzzing_every_operation_with_every_role_gets_no_5xx(stack, clock, web_config_port):
    clock.set("2018-01-05T10:00:00+08:00")
    stack.import_jinshui()  # offices exist, so every role has a token and routes find centres
    base = f"http://127.0.0.1:{web_config_port}"
    spec = requests.get(base + "/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    problems, counted, started = [], [0], time.monotonic()
    session = requests.Session()

    def fuzz(operation, role, headers):
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call(base_url=base, session=session, headers=headers, timeout=120)
            counted[0] += 1
            check(response, problems, f"{role} {operation.method.upper()} {case.formatted_path}",
                  operation.path)
        run()

    for role, office in ROLES:
        headers = stack.headers(role, office)
        for operation in operations:
            if time.monotonic() - started > SECONDS:
                pytest.fail(f"fuzzing did not finish within {SECONDS} s (hang guard)")

            fuzz(operation, role, headers)
    print(f"schemathesis: {counted[0]} requests over {len(operations)} operations x {len(ROLES)} roles, {len(problems)} problems")
    assert problems == [], "\n".join(problems[:30])
    wait_for(lambda: requests.get(base + "/healthz", timeout=30).status_code == 200, "the stack still healthy")
