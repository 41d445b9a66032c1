"""The one table of the Chinese names people read for the system's codes: roles, centre levels, phases,
statuses, inspection kinds, ... Used by the CLI and the Excel report, and served to the pages by
``GET /api/labels`` (``TABLES``), so a status is called the same everywhere.

Each table maps a code (as stored and sent by the API) to its name. Phases have a short name (第一阶段, for
tags and table heads) and a full title (一、制定方案、全面部署, for reports).
"""

ROLES: dict[str, str] = {"admin": "区文化主管部门", "office": "街道办事处", "inspector": "验收人员"}
# The services that write in a history or an audit trail on their own (the actor's role is "system").
SYSTEM_ACTORS: dict[str, str] = {"assignment": "系统（中心名单导入）", "inspections": "系统（检查验收结果）"}
# The inspection standards (services/inspections/standards/<id>.yaml) by their titles.
STANDARDS: dict[str, str] = {"zhengzhou-2017-v1": "郑州市基层综合性文化服务中心建设标准"}
# The policy documents the indicators come from (services/indicators/plans/<id>.yaml), by their titles.
DOCUMENTS: dict[str, str] = {
    "000": "《关于推动郑州市公共文化服务高质量发展的实施意见》（2022）",
    "001": "《新密市公共文化场馆服务效能提升实施方案》（2021）",
    "002": "《兰州市关于推动公共文化服务高质量发展的实施意见》（2021）",
    "003": "《金水区推进基层综合性文化服务中心建设工作实施方案》",
    "004": "《益阳市资阳区“十四五”公共文化服务发展规划（征求意见稿）》",
}
LEVELS: dict[str, str] = {"subdistrict": "街道", "community": "社区", "village": "村"}
PHASES: dict[int, str] = {1: "第一阶段", 2: "第二阶段", 3: "第三阶段", 4: "第四阶段", 5: "第五阶段"}
PHASE_TITLES: dict[int, str] = {1: "一、制定方案、全面部署", 2: "二、试点推进、逐步推广", 3: "三、全面建设、总体提升",
                                4: "四、检查验收、总结讲评", 5: "五、整改完善、巩固提高"}
MILESTONE_STATUSES: dict[str, str] = {"not_started": "未开始", "in_progress": "进行中", "blocked": "受阻",
                                      "done": "已完成"}
MILESTONE_OWNERS: dict[str, str] = {"office": "街道办事处", "inspection": "检查验收"}
HISTORY_OUTCOMES: dict[str, str] = {"accepted": "已接受", "refused": "被拒绝", "info": "记录"}
INSPECTION_KINDS: dict[str, str] = {"self_check": "自查", "district_acceptance": "区级验收", "city_check": "市级检查",
                                    "province_check": "省级检查", "re_inspection": "复查"}
INSPECTION_RESULTS: dict[str, str] = {"passed": "合格", "failed": "不合格"}
ITEM_STATUSES: dict[str, str] = {"pass": "合格", "fail": "不合格", "not_applicable": "不适用", "unfilled": "未填"}
RECTIFICATION_STATUSES: dict[str, str] = {"open": "待整改", "submitted": "已提交材料", "verified": "已复查通过",
                                          "reopened": "复查未通过", "closed": "已销号"}
OVERDUE_KINDS: dict[str, str] = {"milestone": "里程碑", "rectification": "整改", "monthly_report": "月报未报",
                                  "indicator": "指标落后"}
NOTIFICATION_STEPS: dict[str, str] = {"remind": "到期提醒", "overdue": "逾期通知", "escalate_head": "升级至街道负责人",
                                      "escalate_bureau": "升级至区文化主管部门", "chase": "催办"}
DELIVERY_STATUSES: dict[str, str] = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
CHANNELS: dict[str, str] = {"email": "邮件", "webhook": "消息推送", "sms": "短信"}
NOTIFY_MODES: dict[str, str] = {"immediate": "即时", "daily_digest": "每日汇总"}
CONTACT_ROLES: dict[str, str] = {"staff": "街道工作人员", "head": "分管领导"}
WEBHOOK_FORMATS: dict[str, str] = {"wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人", "json": "通用推送接口"}
INDICATOR_STATUSES: dict[str, str] = {"achieved": "已达成", "on_track": "进度正常", "at_risk": "进度落后",
                                      "missed": "未达成", "no_data": "无数据"}
PERIODS: dict[str, str] = {"month": "月度", "quarter": "季度", "year": "年度"}
# 序时进度 colours (services/reporting/pace.py): the colour's name, and what it means
PACE_COLOURS: dict[str, str] = {"red": "红", "yellow": "黄", "blue": "蓝", "green": "绿"}
PACE_MEANINGS: dict[str, str] = {"red": "逾期", "yellow": "落后序时进度", "blue": "即将到期", "green": "正常"}

# What GET /api/labels serves: table name -> {code: name}.
TABLES: dict[str, dict] = {
    "system_actors": SYSTEM_ACTORS, "standards": STANDARDS, "documents": DOCUMENTS,
    "roles": ROLES, "levels": LEVELS, "phases": PHASES, "phase_titles": PHASE_TITLES,
    "milestone_statuses": MILESTONE_STATUSES, "milestone_owners": MILESTONE_OWNERS, "history_outcomes": HISTORY_OUTCOMES,
    "inspection_kinds": INSPECTION_KINDS, "inspection_results": INSPECTION_RESULTS, "item_statuses": ITEM_STATUSES,
    "rectification_statuses": RECTIFICATION_STATUSES, "overdue_kinds": OVERDUE_KINDS,
    "notification_steps": NOTIFICATION_STEPS, "delivery_statuses": DELIVERY_STATUSES, "channels": CHANNELS,
    "notify_modes": NOTIFY_MODES, "contact_roles": CONTACT_ROLES, "webhook_formats": WEBHOOK_FORMATS,
    "indicator_statuses": INDICATOR_STATUSES, "periods": PERIODS, "pace_colours": PACE_COLOURS, "pace_meanings": PACE_MEANINGS,
}


def name(table: dict, code: object) -> str:
    """The name of ``code`` in ``table``; the code itself when the table does not know it."""
    return table.get(code, "" if code is None else str(code))
