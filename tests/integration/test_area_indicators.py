"""Indicators at their own level against the real broker and store (docs/areas.md): two districts of Zhengzhou
(4101) report toward the city's quotas, the city's figure is their sum, a district that has not reported shows as
未报送, a correction replaces its district's part, a resend counts once, a bureau of another city is refused (and
audited), and a recount from the districts' reports equals the live counters."""
import pytest

from tests.support.paths import JINSHUI_CSV

DEMO_TREE = JINSHUI_CSV.replace("jinshui_2017.csv", "areas_demo.csv")
YEAR = 2022


def bureau(stack, area):
    token = stack.rpc.gateway.create_token("admin", None, f"bureau {area}", area)["token"]
    return {"Authorization": "Bearer " + token}


@pytest.fixture
def tree(stack, run_cli):
    code, out, err = run_cli("areas", "import", DEMO_TREE)
    assert code == 0, err
    return stack


def post(stack, headers, district, figures, **extra):
    return stack.http.post("/api/area-reports", headers=headers,
                           json={"district": district, "year": YEAR, "figures": figures, **extra})


def city(stack, headers, year=YEAR):
    params = {"area": "4101", **({"year": year} if year else {})}
    response = stack.http.get("/api/indicators/area", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def quota(view, indicator_id):
    return next(r for r in view["quotas"] if r["indicator_id"] == indicator_id)


def test_two_districts_report_and_the_city_figure_is_their_sum(tree):
    stack = tree
    jinshui, xinmi, zhengzhou = bureau(stack, "410105"), bureau(stack, "410183"), bureau(stack, "4101")

    form = stack.http.get(f"/api/area-reports/410105/{YEAR}", headers=jinshui).json()
    assert form["status"] == "未报送" and form["current"] is None
    assert "demonstration_districts" in {f["key"] for f in form["fields"]}

    first = post(stack, jinshui, "410105", {"demonstration_districts": 1, "excellent_culture_branch_systems": 3,
                                             "cultural_spaces": 60, "population": 1000000}, extra_field=1)
    assert first.status_code == 400  # an unknown field of the request is refused
    first = post(stack, jinshui, "410105", {"demonstration_districts": 1, "excellent_culture_branch_systems": 3,
                                             "cultural_spaces": 60, "population": 1000000})
    assert first.status_code == 201, first.text
    assert first.json()["current"]["version"] == 1 and first.json()["status"] == "已报送"

    view = city(stack, zhengzhou)
    demo = quota(view, "000-demonstration-districts")
    assert demo["value"] == 1 and demo["target"] == 2 and demo["reported"] == 1 and demo["districts"] == 2
    assert demo["status"] == "missed"  # 2022 is over: 1 of 2
    ranking = {e["name"]: e for e in view["ranking"]}
    assert ranking["金水区"]["rank"] == 1 and ranking["金水区"]["reported"]
    assert ranking["新密市"]["status"] == "未报送" and ranking["新密市"]["rank"] is None
    assert [d["value"] for d in demo["by_district"]] == [1, None]  # 新密市 not reported: no value, not zero
    spaces = next(r for r in ranking["金水区"]["rows"] if r["indicator_id"] == "000-spaces-per-population")
    assert spaces["value"] == 3.0 and spaces["status"] == "achieved"  # 60 spaces for 1,000,000 people: 3 per 50,000

    second = post(stack, xinmi, "410183", {"demonstration_districts": 1, "excellent_culture_branch_systems": 2})
    assert second.status_code == 201, second.text
    view = city(stack, zhengzhou)
    assert quota(view, "000-demonstration-districts")["value"] == 2
    assert quota(view, "000-demonstration-districts")["status"] == "achieved"
    assert quota(view, "000-excellent-culture-branch-systems")["value"] == 5  # 3 + 2
    assert quota(view, "000-demonstration-districts")["reported"] == 2

    # a correction replaces Jinshui's part; its resend (same Idempotency-Key) answers again and counts once
    keyed = {**jinshui, "Idempotency-Key": "quota-fix-1"}
    fix = {"demonstration_districts": 0, "excellent_culture_branch_systems": 4, "cultural_spaces": 60,
           "population": 1000000}
    for _ in range(2):
        again = post(stack, keyed, "410105", fix, based_on_version=1)
        assert again.status_code == 201 and again.json()["current"]["version"] == 2, again.text
    stale = post(stack, jinshui, "410105", fix, based_on_version=1)
    assert stale.status_code == 409
    view = city(stack, zhengzhou)
    assert quota(view, "000-demonstration-districts")["value"] == 1
    assert quota(view, "000-excellent-culture-branch-systems")["value"] == 6  # 4 + 2
    history = stack.http.get(f"/api/area-reports/410105/{YEAR}", headers=jinshui).json()["history"]
    assert [h["version"] for h in history] == [1, 2] and history[1]["actor"]["area"] == "410105"

    # field-level errors in Chinese
    bad = post(stack, jinshui, "410105", {"demonstration_districts": "两个", "culture_coop": 5, "culture_coop_of": 2})
    assert bad.status_code == 400
    assert "figures.demonstration_districts" in bad.json()["details"]

    # opened without a year: the latest year with figures, said so
    latest = city(stack, zhengzhou, year=None)
    assert latest["year"] == YEAR and latest["latest"]

    # a recount from the districts' reports equals the live counters
    live = city(stack, zhengzhou)
    stack.rpc.indicators.recount_area_reports("4101", YEAR)
    assert city(stack, zhengzhou) == live


def test_a_bureau_of_another_city_is_refused_and_audited(tree):
    stack = tree
    lanzhou, jinshui = bureau(stack, "6201"), bureau(stack, "410105")
    refused = stack.http.get("/api/indicators/area", params={"area": "4101", "year": YEAR}, headers=lanzhou)
    assert refused.status_code == 403 and refused.json()["message"] == "只能查看和处理本辖区的数据"
    assert post(stack, lanzhou, "410105", {"demonstration_districts": 1}).status_code == 403
    assert stack.http.get(f"/api/area-reports/410105/{YEAR}", headers=lanzhou).status_code == 403
    # a district sees its own report and not its city's view, nor writes for its neighbour
    assert stack.http.get("/api/indicators/area", params={"area": "4101"}, headers=jinshui).status_code == 403
    assert post(stack, jinshui, "410183", {"demonstration_districts": 1}).status_code == 403
    own = stack.http.get("/api/indicators/area", params={"area": "410105"}, headers=jinshui)
    assert own.status_code == 200 and own.json()["report"]["status"] == "未报送"
    audit = stack.get("/api/audit", params={"kind": "area_refused"}).json()["items"]
    assert {"GET /api/indicators/area", "POST /api/area-reports"} <= {e["target"] for e in audit}


def test_the_cli_shows_an_area_s_indicators_and_recounts_a_city(tree, run_cli):
    stack = tree
    assert post(stack, bureau(stack, "410105"), "410105", {"demonstration_districts": 1}).status_code == 201
    code, out, err = run_cli("indicators", "area", "4101", "--year", str(YEAR))
    assert code == 0, err
    assert "郑州市" in out and "000-demonstration-districts" in out and "1/2" in out and "未报送" in out
    code, out, err = run_cli("indicators", "recount", "4101", str(YEAR))
    assert code == 0 and "1 个区县已报送" in out, err


def test_a_district_s_own_indicators_come_from_its_offices_and_its_centres_from_its_own_plans(tree, run_cli):
    """Test-only placement: the Jinshui table imported into 新密市 (410183), whose plan (001) sets a district-level
    coverage and centre-level standards. Xinmi's coverage is evaluated from its centres' monthly figures (the read
    model's documents of its offices), and its centres are tracked against 001 and 000, not 003 or 004."""
    from tests.support.waiting import wait_for

    stack = tree
    response = stack.upload_allocation(district="410183")
    assert response.status_code == 200, response.text
    office = "丰庆路街道"
    community = [c for c in stack.get("/api/centres", params={"office": office, "limit": 200}).json()["items"]
                 if c["level"] in ("community", "village")][:2]
    assert len(community) == 2 and {c["district"] for c in community} == {"410183"}
    for centre in community:
        sent = stack.post("/api/monthly-reports", role="office", office=office,
                          json={"centre_id": centre["id"], "month": "2021-03", "figures": {"centre_open": 1}})
        assert sent.status_code == 201, sent.text
    xinmi = bureau(stack, "410183")
    coverage_ids = {"village", "community"}
    total = sum(1 for c in stack.get("/api/centres", params={"limit": 200}).json()["items"] if c["level"] in coverage_ids)

    def coverage():
        view = stack.http.get("/api/indicators/area", params={"area": "410183", "year": 2021}, headers=xinmi).json()
        row = next(r for r in view["own"] if r["indicator_id"] == "001-coverage")
        return row if row["value"] == round(2 / total * 100, 2) else None
    row = wait_for(coverage, "the read model to hold Xinmi's two reports")
    assert row["status"] == "missed" and row["subject_name"] == "新密市"  # 2 of 88 open by the end of 2021

    status = stack.get("/api/indicators/status", params={"centre_id": community[0]["id"], "as_of": "2021-06-30"})
    assert status.status_code == 200, status.text
    assert {r["document"] for r in status.json()["items"]} <= {"000", "001"}
    assert "001" in {r["document"] for r in status.json()["items"]}
