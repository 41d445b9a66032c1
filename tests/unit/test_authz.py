"""The one authorization rule, as a table: role x action x own/other office -> allowed or forbidden."""
import pytest

from services.gateway.auth import Principal
from shared.authz import ACTIONS, ROLE_NAMES, authorize, office_filter, permissions
from shared.errors import Forbidden

OWN, OTHER = "丰庆路街道", "国基路街道"
AD, OF, IN, SY = "admin", "office", "inspector", "system"

# action: (roles allowed at all, whether an office is confined to its own office)
EXPECTED = {
    "offices.read": ({AD, OF, IN}, False),
    "centres.read": ({AD, OF, IN}, True),
    "centres.search": ({AD, OF, IN}, True),
    "centres.manage": ({AD}, False),
    "allocation.import": ({AD}, False),
    "milestones.read": ({AD, OF, IN}, True),
    "progress.report": ({AD, OF, SY}, True),
    "milestones.results": ({SY}, False),
    "milestones.reopen": ({AD}, False),
    "history.read": ({AD, OF, IN}, True),
    "progress.read": ({AD, OF, IN}, False),
    "evidence.read": ({AD, OF, IN}, True),
    "standards.read": ({AD, OF, IN}, False),
    "inspections.record": ({AD, OF, IN}, True),
    "inspections.record.self_check": ({AD, OF}, True),
    "inspections.record.district_acceptance": ({AD, IN}, False),
    "inspections.record.city_check": ({AD, IN}, False),
    "inspections.record.province_check": ({AD, IN}, False),
    "inspections.record.re_inspection": ({AD, IN}, False),
    "inspections.read": ({AD, OF, IN, SY}, True),
    "rectifications.read": ({AD, OF, IN}, True),
    "rectifications.submit": ({OF}, True),
    "rectifications.acknowledge": ({OF}, True),
    "rectifications.chase": ({AD}, False),
    "rectifications.close": ({AD, IN}, False),
    "response_times.read": ({AD}, False),
    "notices.acknowledge": ({OF}, True),
    "todo.read": ({AD, OF, IN}, True),
    "overdue.read": ({AD, OF}, True),
    "overdue.scan": ({AD}, False),
    "notices.read": ({AD, OF}, True),
    "deliveries.read": ({AD}, False),
    "contacts.manage": ({AD}, False),
    "reports.export": ({AD}, False),
    "summaries.read": ({AD, OF, IN}, True),
    "users.manage": ({AD}, False),
    "audit.read": ({AD}, False),
    "indicators.read": ({AD, OF, IN}, True),
    "ranking.read": ({AD, OF, IN}, False),
    "monthly.read": ({AD, OF, IN}, True),
    "monthly.submit": ({AD, OF}, True),
    "monthly.schedule": ({AD}, False),
    "survey.read": ({AD, OF}, True),
    "survey.import": ({AD}, False),
    "areas.read": ({AD, OF, IN}, False),
    "areas.manage": ({AD}, False),
    "rollups.read": ({AD}, False),
    "quotas.read": ({AD}, False),
    "quotas.submit": ({AD}, False),
}


def principal(role):
    return Principal(role=role, office=OWN if role == OF else None, name="t")


def cases():
    for action, (roles, confined) in EXPECTED.items():
        for role in (AD, OF, IN, SY):
            for where in (OWN, OTHER):
                allowed = role in roles and not (role == OF and confined and where == OTHER)
                yield action, role, where, allowed


@pytest.mark.parametrize("action,role,office,allowed", list(cases()))
def test_policy_table(action, role, office, allowed):
    if allowed:
        assert authorize(principal(role), action, office)["role"] == role
    else:
        with pytest.raises(Forbidden):
            authorize(principal(role), action, office)


def test_the_table_is_the_one_written_here():
    assert set(EXPECTED) == set(ACTIONS)


def test_without_an_office_only_the_role_counts():
    authorize(principal(OF), "centres.read")
    with pytest.raises(Forbidden):
        authorize(principal(IN), "users.manage")
    with pytest.raises(KeyError):
        authorize(principal(AD), "no.such.action")


def test_an_office_account_bound_to_no_office_is_confined_to_nothing():
    unbound = Principal(role=OF, office=None, name="t")
    with pytest.raises(Forbidden):
        authorize(unbound, "centres.read")
    with pytest.raises(Forbidden):
        office_filter(unbound, "centres.read")
    authorize(unbound, "offices.read")  # not confined to an office


def test_refusals_are_said_once_in_chinese():
    with pytest.raises(Forbidden) as role:
        authorize(principal(IN), "users.manage")
    assert role.value.message == "验收人员无权执行此操作" and role.value.details == {"role": ["仅限区文化主管部门"]}
    with pytest.raises(Forbidden) as office:
        authorize(principal(OF), "centres.read", OTHER)
    assert office.value.message == f"只能处理本街道办事处（{OWN}）的数据"
    assert office.value.details == {"office": [f"数据属于{OTHER}"]}
    with pytest.raises(Forbidden) as results:
        authorize(principal(AD), "milestones.results", message="由验收结果自动设置")
    assert results.value.message == "由验收结果自动设置" and results.value.details == {"role": ["仅由系统自动处理"]}
    for action in ACTIONS:  # no role code or English reaches a person
        for role in (AD, OF, IN):
            try:
                authorize(principal(role), action, OTHER)
            except Forbidden as exc:
                text = exc.message + "".join(m for msgs in exc.details.values() for m in msgs)
                assert text.isascii() is False and not any(code in text for code in (AD, OF, IN, SY, action))


def test_office_filter_defaults_an_office_to_its_own_and_refuses_another():
    assert office_filter(principal(OF), "centres.read") == OWN
    assert office_filter(principal(OF), "centres.read", OWN) == OWN
    with pytest.raises(Forbidden):
        office_filter(principal(OF), "centres.read", OTHER)
    assert office_filter(principal(AD), "centres.read") is None
    assert office_filter(principal(AD), "centres.read", OTHER) == OTHER
    assert office_filter(principal(IN), "centres.read", OTHER) == OTHER


def test_permissions_come_from_the_same_table():
    assert "users.manage" in permissions(AD) and "users.manage" not in permissions(OF)
    assert "progress.report" in permissions(OF) and "progress.report" not in permissions(IN)
    assert "rectifications.submit" in permissions(OF) and "rectifications.submit" not in permissions(AD)
    assert "inspections.record.self_check" in permissions(OF)
    assert "inspections.record.district_acceptance" not in permissions(OF)
    for role in (AD, OF, IN):
        assert permissions(role) == sorted(a for a in ACTIONS if role in ACTIONS[a][0])
    assert set(ROLE_NAMES) == {AD, OF, IN}  # the system is never a person's role
