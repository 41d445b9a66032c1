"""shared/labels.py names every code the schemas allow, in Chinese, once."""
import re

import pytest

from shared import labels
from shared.schemas import common, inspections, milestones, notifications
from shared.schemas import indicators as indicator_schemas

CODES = [
    (labels.ROLES, common.ROLES), (labels.LEVELS, common.LEVELS),
    (labels.MILESTONE_STATUSES, milestones.STATUSES), (labels.MILESTONE_OWNERS, milestones.OWNERS),
    (labels.INSPECTION_KINDS, inspections.INSPECTION_KINDS),
    (labels.RECTIFICATION_STATUSES, inspections.RECTIFICATION_STATUSES),
    (labels.DELIVERY_STATUSES, notifications.DELIVERY_STATUSES),
    (labels.CONTACT_ROLES, notifications.CONTACT_ROLES), (labels.WEBHOOK_FORMATS, notifications.WEBHOOK_FORMATS),
    (labels.OVERDUE_KINDS, notifications.ITEM_KINDS),
    (labels.INDICATOR_STATUSES, indicator_schemas.STATUSES),
]
# Chinese text: CJK characters and punctuation, digits, the quotes and title marks of a document's name
CJK = re.compile(r"^[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef0-9“”]+$")


@pytest.mark.parametrize(("table", "codes"), CODES)
def test_every_code_the_schemas_allow_has_a_name(table, codes):
    assert set(table) == set(codes)


def test_every_served_name_is_chinese_and_distinct_within_its_table():
    for name, table in labels.TABLES.items():
        assert table, name
        assert all(CJK.match(text) for text in table.values()), name
        assert len(set(table.values())) == len(table), name


def test_phases_have_a_short_name_and_a_title():
    assert set(labels.PHASES) == set(labels.PHASE_TITLES)
    assert labels.PHASE_TITLES[1] == "一、制定方案、全面部署"


def test_name_falls_back_to_the_code():
    assert labels.name(labels.LEVELS, "village") == "村"
    assert labels.name(labels.LEVELS, "moon") == "moon"
    assert labels.name(labels.PHASES, None) == ""


def test_every_standard_plan_and_system_actor_has_its_chinese_name():
    from services.indicators import plans
    from services.inspections import standards
    from services.milestones import commands

    loaded = plans.load_plans()
    assert set(labels.DOCUMENTS) == set(loaded)
    for document, plan in loaded.items():  # the name people read is the plan's own title
        assert plan["title"].split("（")[0].strip("《》") in labels.DOCUMENTS[document], document
    for standard_id, standard in standards.load_directory().by_version.items():
        assert labels.STANDARDS[standard_id] == standard["title"]
    for actor in (commands.ASSIGNMENT_ACTOR, commands.INSPECTIONS_ACTOR):
        assert actor["name"] in labels.SYSTEM_ACTORS
