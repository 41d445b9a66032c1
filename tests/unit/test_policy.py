"""The one authorization rule, as a table: role x action x own/other office -> allowed or forbidden."""
import pytest

from services.gateway.auth import Principal
from services.gateway.policy import ACTIONS, authorize, office_filter, permissions
from shared.errors import Forbidden

OWN, OTHER = "丰庆路街道", "国基路街道"
AD, OF, IN = "admin", "office", "inspector"

# action: (roles allowed at all, whether an office is confined to its own office)
EXPECTED = {
    "offices.read": ({AD, OF, IN}, False),
    "centres.read": ({AD, OF, IN}, True),
    "centres.search": ({AD, OF, IN}, True),
    "allocation.import": ({AD}, False),
    "milestones.read": ({AD, OF, IN}, True),
    "progress.report": ({AD, OF}, True),
    "milestones.reopen": ({AD}, False),
    "history.read": ({AD, OF, IN}, True),
    "progress.read": ({AD, OF, IN}, False),
    "evidence.read": ({AD, OF, IN}, True),
    "standards.read": ({AD, OF, IN}, False),
    "inspections.record": ({AD, OF, IN}, True),
    "inspections.read": ({AD, OF, IN}, False),
    "rectifications.read": ({AD, OF, IN}, True),
    "rectifications.submit": ({OF}, True),
    "overdue.read": ({AD, OF}, True),
    "overdue.scan": ({AD}, False),
    "notices.read": ({AD, OF}, True),
    "deliveries.read": ({AD}, False),
    "contacts.manage": ({AD}, False),
    "reports.export": ({AD}, False),
    "users.manage": ({AD}, False),
    "audit.read": ({AD}, False),
}


def principal(role):
    return Principal(role=role, office=OWN if role == OF else None, name="t")


def cases():
    for action, (roles, confined) in EXPECTED.items():
        for role in (AD, OF, IN):
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


def test_every_action_of_this_area_is_in_the_table():
    assert set(EXPECTED) <= set(ACTIONS)


def test_without_an_office_only_the_role_counts():
    authorize(principal(OF), "centres.read")
    with pytest.raises(Forbidden):
        authorize(principal(IN), "users.manage")
    with pytest.raises(KeyError):
        authorize(principal(AD), "no.such.action")


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
    for role in (AD, OF, IN):
        assert permissions(role) == sorted(a for a in ACTIONS if role in ACTIONS[a][0])
