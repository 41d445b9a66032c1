"""Monthly report validation and due dates, the survey's token, ratings and import, warnings and ranking."""
from datetime import UTC, date, datetime

import mongomock
import pytest

from services.indicators import evaluation, monthly, survey, survey_import
from services.indicators.store import IndicatorStore
from shared.errors import Conflict, Forbidden, InvalidInput

CENTRE = {"id": "js01-c01", "name": "四月天社区", "level": "community", "office": "丰庆路街道"}
NOW = datetime(2018, 5, 10, 2, 0, tzinfo=UTC)
OFFICE = {"role": "office", "office": "丰庆路街道", "name": "t"}


@pytest.fixture
def store():
    s = IndicatorStore(mongomock.MongoClient(tz_aware=True).db)
    s.ensure_indexes()
    return s


def test_due_on_the_fifth_working_day_of_the_next_month():
    # May 2018: Labour Day off 29 April - 1 May; working days 2, 3, 4, 7, 8 May.
    assert monthly.due_date("2018-04", 5) == date(2018, 5, 8)
    # October 2018: National Day week; working days resume 8 October (Monday).
    assert monthly.due_date("2018-09", 5) == date(2018, 10, 12)


def test_figures_are_checked_field_by_field():
    assert monthly.clean_figures({"activities": "3", "funding_yuan": 1500.5, "centre_open": 1}) == {
        "activities": 3, "funding_yuan": 1500.5, "centre_open": 1}
    with pytest.raises(InvalidInput) as caught:
        monthly.clean_figures({"activities": 2.5, "visits": True, "population": -3, "x": 1})
    assert set(caught.value.details) == {"figures.activities", "figures.visits", "figures.population", "figures.x"}
    assert "整数" in caught.value.details["figures.activities"][0]
    with pytest.raises(InvalidInput):
        monthly.clean_figures({})


def sent(data, actor=OFFICE):
    return monthly.Submission(data, actor, NOW, date(2018, 5, 10))


def test_corrections_are_versions_and_a_stale_one_is_refused(store):
    data = {"centre_id": CENTRE["id"], "month": "2018-04", "figures": {"activities": 1}, "note": ""}
    first, events = monthly.submit(store, CENTRE, sent(data), 5)
    assert first["version"] == 1 and first["late"] is True and events[0][1]["version"] == 1
    second, _ = monthly.submit(store, CENTRE, sent({**data, "figures": {"activities": 2}, "based_on_version": 1}), 5)
    assert second["version"] == 2 and store.current(CENTRE["id"], "2018-04")["figures"] == {"activities": 2}
    with pytest.raises(Conflict):
        monthly.submit(store, CENTRE, sent({**data, "based_on_version": 1}), 5)
    assert [d["version"] for d in store.history(CENTRE["id"], "2018-04", 2)] == [1, 2]
    with pytest.raises(Forbidden):
        monthly.submit(store, CENTRE, sent(data, {**OFFICE, "office": "国基路街道"}), 5)
    # the slot of version 3 taken by a concurrent writer: the insert is the guard
    store.revisions.insert_one({"_id": "js01-c01:2018-04:3", "centre_id": "js01-c01", "month": "2018-04",
                                "version": 3})
    with pytest.raises(Conflict):
        monthly.submit(store, CENTRE, sent({**data, "based_on_version": 2}), 5)


def test_survey_token_fill_time_and_forgery():
    token = survey.sign("s3cret", "js01-c01", 1000)
    assert survey.check_token("s3cret", "js01-c01", token, 1001) == "提交过快，请认真填写后再提交"
    assert survey.check_token("s3cret", "js01-c01", token, 1010) is None
    assert survey.check_token("s3cret", "js01-c02", token, 1010) is not None  # another centre's form
    assert survey.check_token("other", "js01-c01", token, 1010) is not None
    assert survey.check_token("s3cret", "js01-c01", token, 1000 + survey.MAX_AGE_SECONDS + 1) is not None
    assert len(survey.client_hash("s3cret", "10.0.0.1")) == 16


def test_survey_accept_guards_one_answer_per_client_and_day(store):
    secret = store.survey_secret()
    assert store.survey_secret() == secret
    token = survey.sign(secret, CENTRE["id"], int(NOW.timestamp()) - 60)
    answer = {"ratings": dict.fromkeys(survey.QUESTION_KEYS, "4"), "token": token, "client": "10.0.0.1"}
    doc = survey.accept(store, CENTRE, answer, NOW)
    assert doc["day"] == "2018-05-10" and "10.0.0.1" not in str(store.responses.find_one())
    with pytest.raises(Conflict):
        survey.accept(store, CENTRE, answer, NOW)
    with pytest.raises(InvalidInput):
        survey.accept(store, CENTRE, {**answer, "client": "10.0.0.2", "website": "x"}, NOW)
    with pytest.raises(InvalidInput) as caught:
        survey.accept(store, CENTRE, {**answer, "client": "10.0.0.3", "ratings": {"overall": "6"}}, NOW)
    assert "ratings.overall" in caught.value.details and "ratings.service" in caught.value.details


def test_import_reports_every_bad_row():
    found = {"js01-c01": CENTRE}
    content = ("中心编号,日期,设施设备,服务规范,活动内容,开放时间,总体满意度\n"
               "js01-c01,2018-05-01,5,5,5,5,5\nxx,2018-05-01,5,5,5,5,5\njs01-c01,2018-05-01,0,5,5,5,5\n"
               "js01-c01,2019-01-01,5,5,5,5,5\n").encode()
    with pytest.raises(InvalidInput) as caught:
        survey_import.parse("a.csv", content, found.get, date(2018, 6, 1), NOW)
    assert [(e["line"], e["field"]) for e in caught.value.details] == [(3, "centre_id"), (4, "facilities"),
                                                                       (5, "date")]
    with pytest.raises(InvalidInput):
        survey_import.parse("a.csv", "中心编号,日期\n".encode(), found.get, date(2018, 6, 1), NOW)
    with pytest.raises(InvalidInput):
        survey_import.parse("a.txt", b"", found.get, date(2018, 6, 1), NOW)


def test_warnings_only_for_at_risk_rows_of_this_year_and_ranking_shares_ties():
    rows = [{"status": "at_risk", "subject_kind": "centre", "period_end": "2018-12-31", "indicator_id": "003-a",
             "subject": "c1", "subject_name": "一", "office": "o", "title": "活动", "value": 1, "unit": "次",
             "projection": 2, "target": 5},
            {"status": "at_risk", "subject_kind": "district", "period_end": "2018-12-31", "indicator_id": "x"},
            {"status": "at_risk", "subject_kind": "centre", "period_end": "2025-12-31", "indicator_id": "y"},
            {"status": "on_track", "subject_kind": "centre", "period_end": "2018-12-31", "indicator_id": "z"}]
    (item,) = evaluation.warnings(rows, date(2018, 7, 10), date(2018, 7, 6))
    assert item["ref"] == "003-a/c1" and item["due"] == "2018-07-06" and "预计 2" in item["title"]
    ranked = evaluation.rank([{"office": "b", "score": 50}, {"office": "a", "score": 50}, {"office": "c", "score": 70}])
    assert [(e["office"], e["rank"]) for e in ranked] == [("c", 1), ("a", 2), ("b", 2)]


def test_a_status_change_is_an_event_once_and_the_first_verdict_has_no_previous(store):
    from services.indicators import commands

    row = {"indicator_id": "003-activities", "subject": "js01-c01", "subject_kind": "centre", "office": "丰庆路街道",
           "period_end": "2018-12-31", "status": "on_track"}
    (first,) = commands.status_changes(store, [row], date(2018, 4, 30))
    assert first[1]["previous"] is None and first[1]["status"] == "on_track"
    assert commands.status_changes(store, [row], date(2018, 5, 31)) == []
    (event,) = commands.status_changes(store, [{**row, "status": "at_risk"}], date(2018, 6, 30))
    assert event[1]["previous"] == "on_track" and event[1]["status"] == "at_risk"
    assert commands.status_changes(store, [{**row, "status": "at_risk"}], date(2018, 7, 31)) == []


def test_a_resent_report_finds_its_own_write_instead_of_a_conflict(store):
    """The gateway retries a request whose first attempt was stored (its answer lost, the gateway restarted):
    the same request id gets the stored report back, with no second event; another request is still stale."""
    data = {"centre_id": CENTRE["id"], "month": "2018-04", "figures": {"activities": 1}, "note": "", "based_on_version": 0}
    first, events = monthly.submit(store, CENTRE, monthly.Submission(data, OFFICE, NOW, date(2018, 5, 10), "req-1"), 5)
    again, none = monthly.submit(store, CENTRE, monthly.Submission(data, OFFICE, NOW, date(2018, 5, 10), "req-1"), 5)
    assert (first["version"], len(events)) == (1, 1) and (again["version"], none) == (1, [])
    assert [d["version"] for d in store.history(CENTRE["id"], "2018-04", 1)] == [1]
    with pytest.raises(Conflict):
        monthly.submit(store, CENTRE, monthly.Submission(data, OFFICE, NOW, date(2018, 5, 10), "req-2"), 5)
