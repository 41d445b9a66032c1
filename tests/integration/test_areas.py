"""Areas against the real broker and store (docs/areas.md): the demonstration area tree and the Jinshui table
imported into Jinshui, roll-ups per district, city and province equal to the sum of their children, live and after a
rebuild, and bureaus confined to their areas (refusals audited)."""
import pytest

from tests.support.paths import JINSHUI_CSV
from tests.support.reporting import TOTAL, report
from tests.support.waiting import wait_for

DEMO_TREE = JINSHUI_CSV.replace("jinshui_2017.csv", "areas_demo.csv")
OFFICE = "丰庆路街道"


def bureau(stack, area):
    token = stack.rpc.gateway.create_token("admin", None, f"bureau {area}", area)["token"]
    return {"Authorization": "Bearer " + token}


def rollup(stack, code, headers=None):
    response = stack.http.get(f"/api/areas/{code}/rollup", headers=headers or stack.headers("admin"))
    assert response.status_code == 200, response.text
    return response.json()


def sums_hold(stack):
    """Every level equals the sum of its children; returns each area's figures."""
    seen = {}
    for code in ("41", "4101", "410105", "62", "6201", "43", "4309", "430902"):
        answer = rollup(stack, code)
        for key in ("total", "done", "overdue", "centres"):
            assert answer["area"][key] == sum(child[key] for child in answer["children"]), (code, key)
        seen[code] = answer["area"]
    return seen


@pytest.fixture
def installed(stack, run_cli):
    code, out, err = run_cli("areas", "import", DEMO_TREE)
    assert code == 0, err
    response = stack.upload_allocation(district="410105")
    assert response.status_code == 200 and len(response.json()["added"]) == 105, response.text
    wait_for(lambda: rollup(stack, "41")["area"]["total"] == TOTAL, timeout=120)
    return stack


def test_the_demo_tree_and_jinshui_roll_up_to_zhengzhou_and_henan_live_and_rebuilt(installed, run_cli):
    stack = installed
    tree = stack.get("/api/areas", params={"parent": "4101"}).json()
    assert tree["area"]["name"] == "郑州市" and [a["name"] for a in tree["items"]] == ["金水区", "新密市"]
    zhengzhou = rollup(stack, "4101")
    assert zhengzhou["area"]["name"] == "郑州市" and [c["name"] for c in zhengzhou["children"]] == ["金水区", "新密市"]
    assert zhengzhou["children"][0]["rank"] == 1 and zhengzhou["children"][0]["centres"] == 105
    jinshui = rollup(stack, "410105")
    assert len(jinshui["children"]) == 17 and {c["level"] for c in jinshui["children"]} == {"office"}
    before = sums_hold(stack)
    assert before["41"]["total"] == before["410105"]["total"] == TOTAL and before["62"]["total"] == 0

    report(stack, "js01-c01", "p1_plan", status="done")  # live: the office's progress reaches every level
    wait_for(lambda: rollup(stack, "41")["area"]["done"] == before["41"]["done"] + 1, timeout=60)
    live = sums_hold(stack)
    assert live["410105"]["done"] == live["4101"]["done"] == live["41"]["done"] == before["41"]["done"] + 1

    code, out, err = run_cli("reports", "rebuild")
    assert code == 0, err
    assert sums_hold(stack) == live  # after a rebuild, the same figures
    progress = stack.http.get("/api/progress", params={"area": "4101"}, headers=stack.headers("admin")).json()
    assert progress["area"]["done"] == live["4101"]["done"]


def test_bureaus_are_confined_to_their_areas_and_refusals_audited(installed):
    stack = installed
    jinshui, xinmi, zhengzhou, lanzhou = (bureau(stack, a) for a in ("410105", "410183", "4101", "6201"))
    assert stack.http.get(f"/api/offices/{OFFICE}/summary", headers=jinshui).status_code == 200
    assert stack.http.get(f"/api/offices/{OFFICE}/summary", headers=zhengzhou).status_code == 200
    refused = stack.http.get(f"/api/offices/{OFFICE}/summary", headers=xinmi)
    assert refused.status_code == 403 and refused.json()["message"] == "只能查看和处理本辖区的数据"
    assert stack.http.get(f"/api/offices/{OFFICE}/summary", headers=lanzhou).status_code == 403
    # a change in another district is refused by the service that owns it, and audited there too
    change = stack.http.post("/api/centres/js01-c01/milestones/p1_plan/progress", headers=xinmi,
                             json={"status": "in_progress", "based_on_version": 1})
    assert change.status_code == 403, change.text
    assert stack.http.get("/api/areas/410105/rollup", headers=zhengzhou).status_code == 200
    assert stack.http.get("/api/areas/410105/rollup", headers=lanzhou).status_code == 403
    assert stack.http.get("/api/areas/4101/rollup", headers=jinshui).status_code == 403  # its city is above it
    own = stack.http.get("/api/progress", headers=jinshui).json()
    assert own["area"]["code"] == "410105" and own["area"]["name"] == "金水区"
    audit = stack.get("/api/audit", params={"kind": "area_refused"}).json()["items"]
    assert {e["target"] for e in audit} >= {f"GET /api/offices/{OFFICE}/summary", "GET /api/areas/410105/rollup"}
    history = stack.get("/api/centres/js01-c01/history").json()
    assert [e["actor"]["area"] for e in history["items"] if e["outcome"] == "refused"
            and e["error"]["message"] == "只能查看和处理本辖区的数据"] == ["410183"]
