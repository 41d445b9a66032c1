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


def test_existing_data_is_placed_by_the_backfill_and_the_demo_accounts_made_once(stack, run_cli):
    """An installation from before areas: the Jinshui table without a district, then the tree, then the backfill
    (`cctrack areas place --unplaced`, as documented); and the demonstration's accounts (`cctrack users ensure`)."""
    stack.import_jinshui()
    code, out, err = run_cli("areas", "import", DEMO_TREE)
    assert code == 0 and "新增 10 个" in out, (out, err)
    code, out, err = run_cli("areas", "list", "--parent", "4101")
    assert "金水区" in out and "新密市" in out and "区（县）" in out
    code, out, err = run_cli("areas", "place", "--district", "410105", "--unplaced")
    assert code == 0 and "17 个街道办事处，105 个中心" in out, (out, err)
    assert rollup(stack, "4101")["area"]["centres"] == 105  # the roll-ups recomputed at once
    offices = stack.get("/api/offices").json()["items"]
    assert {o["district"] for o in offices} == {"410105"} and {o["city"] for o in offices} == {"4101"}
    assert {c["district"] for c in stack.get("/api/centres", params={"limit": 200}).json()["items"]} == {"410105"}
    code, out, err = run_cli("milestones", "sync")  # the milestones service learns the districts too
    assert code == 0, err
    jinshui = bureau(stack, "410105")
    reported = stack.http.post("/api/centres/js01-c01/milestones/p1_plan/progress", headers=jinshui,
                               json={"status": "in_progress", "based_on_version": 1})
    assert reported.status_code == 200, reported.text

    code, out, err = run_cli("users", "ensure", "zhengzhou", "--name", "郑州市文化广电和旅游局", "--role", "admin",
                             "--area", "4101")
    assert code == 0 and out.startswith("zhengzhou / ") and "临时密码" in out, (out, err)
    code, out, err = run_cli("users", "ensure", "zhengzhou", "--name", "郑州市文化广电和旅游局", "--role", "admin",
                             "--area", "4101")
    assert code == 0 and "已存在" in out
    code, out, err = run_cli("users", "ensure", "nowhere", "--name", "某市", "--role", "admin", "--area", "4301")
    assert code == 1 and "区划不存在或尚未导入" in err
    users = {u["login"]: u for u in stack.get("/api/users").json()["items"]}
    assert users["zhengzhou"]["area"] == "4101" and "nowhere" not in users
