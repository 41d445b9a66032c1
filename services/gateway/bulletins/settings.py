"""Settings of the 通报, with their defaults: the one place for its thresholds.

| key                              | default          | meaning |
|----------------------------------|------------------|---------|
| BULLETIN_TEMPLATE                | (empty)          | path of a .docx template that replaces the default (same placeholders: docs/bulletin.md) |
| BULLETIN_DISTRICT                | 金水区           | the district, in the title |
| BULLETIN_ISSUER                  | 金水区文化旅游局 | the issuing bureau (发文机关标志, 署名, 印发机关) |
| BULLETIN_RECIPIENTS              | 各街道办事处     | 主送机关 |
| BULLETIN_COPY_TO                 | 区委宣传部，区政府办公室 | 抄送机关 (empty: no 抄送 line) |
| BULLETIN_PRAISE_TOP              | 3                | 表扬: among the first N places by percent done ... |
| BULLETIN_PRAISE_MIN_SATISFACTION | 85               | ... and, where satisfaction was measured, at least this (%) |
| BULLETIN_CRITICISE_BOTTOM        | 3                | 通报批评: among the last N places and below the district's percent done, or ... |
| BULLETIN_CRITICISE_OVERDUE       | 5                | ... at least this many overdue milestones, or ... |
| BULLETIN_CRITICISE_SATISFACTION  | 60               | ... satisfaction measured below this (%) |
| BULLETIN_MIN_RESPONSES           | 10               | satisfaction counts only from this many survey responses in the period |
| BULLETIN_LIST_LIMIT              | 10               | overdue items and open rectifications listed before "等 N 项" |
| BULLETIN_SOFFICE                 | soffice          | LibreOffice's command |
| BULLETIN_PDF_TIMEOUT_SECONDS     | 120              | longest conversion to PDF |
| BULLETIN_PDF_CONCURRENCY         | 2                | conversions at once (more wait for a free one, within the timeout) |
"""
from shared.config import setting

DEFAULTS = {
    "BULLETIN_TEMPLATE": "",
    "BULLETIN_DISTRICT": "金水区",
    "BULLETIN_ISSUER": "金水区文化旅游局",
    "BULLETIN_RECIPIENTS": "各街道办事处",
    "BULLETIN_COPY_TO": "区委宣传部，区政府办公室",
    "BULLETIN_PRAISE_TOP": 3,
    "BULLETIN_PRAISE_MIN_SATISFACTION": 85,
    "BULLETIN_CRITICISE_BOTTOM": 3,
    "BULLETIN_CRITICISE_OVERDUE": 5,
    "BULLETIN_CRITICISE_SATISFACTION": 60,
    "BULLETIN_MIN_RESPONSES": 10,
    "BULLETIN_LIST_LIMIT": 10,
    "BULLETIN_SOFFICE": "soffice",
    "BULLETIN_PDF_TIMEOUT_SECONDS": 120,
    "BULLETIN_PDF_CONCURRENCY": 2,
}


def get(key: str) -> str | int:
    value = setting(key)
    return DEFAULTS[key] if value in (None, "") else value


def integer(key: str) -> int:
    return int(get(key))


def number(key: str) -> float:
    return float(get(key))
