from datetime import date

from shared import workdays


def test_spring_festival_2018_is_skipped_and_makeup_days_count():
    # 2018-02-15..21 Spring Festival holiday; Sunday 2018-02-11 and Saturday 2018-02-24 were make-up working days
    assert not workdays.is_workday(date(2018, 2, 16))
    assert workdays.is_workday(date(2018, 2, 11))
    assert workdays.is_workday(date(2018, 2, 24))
    assert workdays.add_workdays(date(2018, 2, 14), 1) == date(2018, 2, 22)


def test_new_year_2018():
    # 2017-12-30..2018-01-01 holiday
    assert workdays.add_workdays(date(2017, 12, 29), 1) == date(2018, 1, 2)
    assert workdays.workdays_between(date(2017, 12, 29), date(2018, 1, 5)) == 4


def test_backwards_and_zero():
    assert workdays.add_workdays(date(2018, 1, 2), -1) == date(2017, 12, 29)
    assert workdays.add_workdays(date(2018, 1, 1), 0) == date(2018, 1, 1)
    assert workdays.workdays_between(date(2018, 1, 5), date(2017, 12, 29)) == -4


def test_years_without_data_fall_back_to_weekdays(caplog):
    assert workdays.is_workday(date(2030, 1, 1))  # a Tuesday; no holiday data for 2030
    assert not workdays.is_workday(date(2030, 1, 5))
    assert workdays.add_workdays(date(2030, 1, 4), 1) == date(2030, 1, 7)
