"""Parsing and diffing allocation tables, without broker or store."""
from collections import Counter
from datetime import date

import pytest

from services.assignment import allocation
from shared.errors import InvalidInput
from tests.support.paths import JINSHUI_CSV


def jinshui():
    with open(JINSHUI_CSV, "rb") as fh:
        return allocation.parse_table("jinshui_2017.csv", fh.read())


def test_jinshui_table_reconciles_with_the_documents_totals():
    centres = jinshui()
    assert len(centres) == 105
    assert Counter(c["level"] for c in centres) == {"subdistrict": 17, "community": 77, "village": 11}
    assert len({c["office"] for c in centres}) == 17
    assert len({c["id"] for c in centres}) == 105
    pilots = [c for c in centres if c["pilot"]]
    assert len(pilots) == 5 and all(c["deadline"] == date(2017, 6, 30) for c in pilots)
    assert Counter(c["level"] for c in pilots) == {"subdistrict": 2, "community": 2, "village": 1}


@pytest.mark.parametrize("text,expected", [
    ("2017.06", date(2017, 6, 30)), ("2017.12", date(2017, 12, 31)), ("2017-02", date(2017, 2, 28)),
    ("2017年6月", date(2017, 6, 30)), ("2017-06-15", date(2017, 6, 15)),
])
def test_deadline_forms(text, expected):
    assert allocation.parse_deadline(text) == expected


@pytest.mark.parametrize("text", ["明年", "2017.13", "17.06", ""])
def test_bad_deadlines(text):
    with pytest.raises(ValueError):
        allocation.parse_deadline(text)


def test_missing_header_column_is_named():
    with pytest.raises(InvalidInput) as exc:
        allocation.parse_table("x.csv", "编号,中心名称\na,b\n".encode())
    assert "级别" in exc.value.message


def test_english_headers_and_levels_are_accepted():
    content = "id,name,level,office,deadline,pilot\nx-1,A社区,community,丰庆路街道,2017-12,yes\n".encode()
    [centre] = allocation.parse_table("t.csv", content)
    assert centre["level"] == "community" and centre["pilot"] is True


def test_diff_reports_added_changed_moved_absent():
    centres = jinshui()
    stored = {c["id"]: dict(c) for c in centres}
    stored["gone-1"] = {**centres[0], "id": "gone-1"}
    incoming = [dict(c) for c in centres]
    incoming[1]["office"] = "国基路街道"
    incoming[2]["remark"] = "新备注"
    incoming.append({**centres[0], "id": "new-1"})
    result = allocation.diff(incoming, stored)
    assert result["added"] == ["new-1"]
    assert result["changed"] == [centres[1]["id"], centres[2]["id"]]
    assert result["moved"] == [centres[1]["id"]]
    assert result["absent"] == ["gone-1"]
    assert result["unchanged"] == 103


def test_row_and_size_limits(monkeypatch):
    from shared.errors import PayloadTooLarge

    monkeypatch.setattr(allocation, "MAX_ROWS", 2)
    three = "编号,中心名称,级别,街道办事处,完成时限\n" + "".join(
        f"a{i}-s,中心{i},街道,街道{i},2017.12\n" for i in range(3))
    with pytest.raises(InvalidInput) as exc:
        allocation.parse_table("t.csv", three.encode("utf-8"))
    assert exc.value.details == {"file": ["too many rows"]}
    monkeypatch.setattr(allocation, "MAX_BYTES", 10)
    with pytest.raises(PayloadTooLarge):
        allocation.parse_table("t.csv", three.encode("utf-8"))


COORD_HEADER = "编号,中心名称,级别,街道办事处,完成时限,试点,备注,经度,纬度\n"


def test_coordinates_are_an_optional_column_pair():
    rows = (COORD_HEADER + "js01-s,丰庆路街道综合文化服务中心,街道,丰庆路街道,2017.12,否,,113.6253,34.7466\n"
            "js01-c01,四月天社区综合文化服务中心,社区,丰庆路街道,2017.12,否,,,\n")
    first, second = allocation.parse_table("t.csv", rows.encode())
    assert (first["lat"], first["lng"]) == (34.7466, 113.6253)
    assert second["lat"] is None and second["lng"] is None


def test_bad_coordinates_are_row_errors_in_chinese():
    rows = (COORD_HEADER + "js01-s,丰庆路街道综合文化服务中心,街道,丰庆路街道,2017.12,否,,东经113,34.7\n"
            "js01-c01,四月天社区综合文化服务中心,社区,丰庆路街道,2017.12,否,,113.6,95\n"
            "js01-c02,农科路社区综合文化服务中心,社区,丰庆路街道,2017.12,否,,113.6,\n")
    with pytest.raises(InvalidInput) as caught:
        allocation.parse_table("t.csv", rows.encode())
    errors = {(e["line"], e["field"]): e["message"] for e in caught.value.details}
    assert errors == {(2, "lng"): "经度“东经113”无效，应为 -180 到 180 之间的度数（如 113.6253）",
                      (3, "lat"): "纬度“95”无效，应为 -90 到 90 之间的度数（如 34.7466）",
                      (4, "lat"): "经度和纬度须同时填写，或同时留空"}


def test_a_row_without_coordinates_keeps_the_stored_ones():
    stored = {"id": "js01-s", "lat": 34.7, "lng": 113.6}
    kept = allocation.keep_location({"id": "js01-s", "lat": None, "lng": None}, stored)
    assert (kept["lat"], kept["lng"]) == (34.7, 113.6)
    assert allocation.keep_location({"id": "js01-s", "lat": 1.0, "lng": 2.0}, stored)["lat"] == 1.0
    assert allocation.diff([kept], {"js01-s": {**kept}})["unchanged"] == 1
