"""The bench's synthetic programme in the country's shape (tests/bench/generator.py), how the bulk loader cuts
it (tests/bench/loader.py) and how a missing route is recorded (tests/bench/measure.py). No store, no timing."""
import base64
import hashlib
from collections import Counter

import pytest
import requests

from services.assignment.areas import parse_areas
from shared.areas import ancestors, level_of, parent_of, short_code
from tests.bench import generator, loader
from tests.bench.measure import NOT_AVAILABLE, outside, unavailable

# sha256 of (id, level, deadline, pilot, progress) of the first 2,000 centres, made by the generator before the
# areas (commit 7836e04): the country's shape must not change any centre's seeded progress
PROGRESS_2000 = "6971ab7a29b7d8b6c0eca2c47ee0e67024f288c3504ff52f6e12256cef0f1311"


def test_the_country_at_700000_centres():
    assert generator.shape(700_000) == (31, 330, 2850, 41_177)
    areas, offices = generator.tree(700_000)
    assert Counter(level_of(a["code"]) for a in areas) == {"province": 31, "city": 330, "district": 2850,
                                                            "subdistrict": 41_177}
    assert len(offices) == 41_177


@pytest.mark.parametrize("count", [10_000, 100_000, 700_000])
def test_smaller_scales_keep_the_shape(count):
    provinces, cities, districts, offices = generator.shape(count)
    assert provinces >= 2 and cities > provinces and districts > cities and offices > districts
    areas, _ = generator.tree(count)
    children = Counter(a["parent"] for a in areas if a["parent"])
    for area in areas:
        if level_of(area["code"]) in ("province", "city"):
            assert children[area["code"]] >= 2, area  # two cities in a province, two districts in a city


def test_ten_thousand_centres_have_a_few_provinces_cities_and_districts():
    assert generator.shape(10_000) == (8, 20, 41, 589)


@pytest.mark.parametrize("count", [105, 1000, 10_000])
def test_codes_and_names_are_a_valid_area_table(count):
    areas, _ = generator.tree(count)
    for area in areas:
        assert short_code(area["code"]) == area["code"]
        assert parent_of(area["code"]) == area["parent"]
        assert area["name"].startswith("测试")  # marked as generated
    # the product's own parser takes the table: every parent is in it, no error
    parsed = parse_areas("areas.csv", generator.areas_csv(count).encode("utf-8"))
    assert sorted(a["code"] for a in parsed) == sorted(a["code"] for a in areas)
    assert len({a["code"] for a in parsed}) == len(parsed)


def test_centres_carry_their_office_s_codes():
    rows = list(generator.centres(10_000))
    _, offices = generator.tree(10_000)
    names = {generator.area_name(code): code for code in offices.values()}
    assert len(names) == len(offices)  # office names are unique
    for row in rows:
        code = names[row["office"]]
        assert {k: row[k] for k in ("province", "city", "district")} == ancestors(code[:6])
    assert sum(len(v) for v in generator.by_district(rows).values()) == 10_000
    assert generator.first_area(10_000, "district") == rows[0]["district"]
    assert generator.office_name(1, 10_000) == rows[0]["office"]


def test_the_seeded_progress_is_the_one_before_the_areas():
    rows = list(generator.centres(2000))
    text = repr([(r["id"], r["level"], r["deadline"], r["pilot"], list(generator.progress(r))) for r in rows])
    assert hashlib.sha256(text.encode()).hexdigest() == PROGRESS_2000


def test_loader_chunks_are_whole_districts():
    rows = list(generator.centres(100_000))
    chunks = loader.chunked(rows)
    assert sum(len(c) for c in chunks) == len(rows)
    seen = set()
    for chunk in chunks:
        districts = set(generator.by_district(chunk))
        assert not districts & seen  # a district is never split between chunks
        seen |= districts
        offices = {r["office"] for r in chunk}
        assert len(offices) <= loader.CHUNK_OFFICES or len(districts) == 1
    assert [r["id"] for c in chunks for r in c] == [r["id"] for r in rows]


def test_loader_writes_the_milestones_of_the_chunks_asked_for():
    rows = list(generator.centres(100_000))
    chunks = loader.chunked(rows)
    area = generator.first_area(100_000, "province")

    def written(chunks_kept, milestones_area):
        bench = loader.Loader.__new__(loader.Loader)
        bench.milestones_chunks, bench.milestones_area = chunks_kept, milestones_area
        return [n for n, chunk in enumerate(chunks) if bench.milestones_written(n, chunk)]

    assert written(None, None) == list(range(len(chunks)))
    assert written(1, None) == [0]
    in_area = [n for n, chunk in enumerate(chunks) if any(r["province"] == area for r in chunk)]
    assert in_area and len(in_area) < len(chunks)
    assert written(1, area) == sorted({0} | set(in_area))


def test_area_table_is_sent_as_the_import_expects():
    text = base64.b64decode(loader.encoded(generator.areas_csv(105))).decode("utf-8")
    assert text.splitlines()[0] == "名称,区划代码"


def answer(status, body):
    response = requests.Response()
    response.status_code, response._content = status, body.encode("utf-8")
    return response


def test_a_missing_route_is_recorded_as_not_available_never_as_a_figure():
    assert unavailable(answer(404, '{"error": "not_found", "message": "没有这个地址"}')).startswith(
        f"{NOT_AVAILABLE} (HTTP 404: ")
    assert unavailable(answer(405, "{}")).startswith(f"{NOT_AVAILABLE} (HTTP 405")
    assert unavailable(answer(400, '{"details": {"area": ["Unknown field."]}}')).startswith(f"{NOT_AVAILABLE} (HTTP 400")
    assert unavailable(answer(500, "boom")) == "failed (HTTP 500: boom)"


def test_a_list_that_ignored_the_area_is_caught():
    items = [{"office": "测试110101001街道"}, {"office": "测试120101001街道"}, {"centre": "x"}]
    assert outside(items, "110101") == [{"office": "测试120101001街道"}]
    assert outside(items, "11") == [{"office": "测试120101001街道"}]
    assert outside(items[:1], "1101") == []
