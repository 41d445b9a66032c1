"""Residents' satisfaction survey: fixed questions, the signed form token, rate limiting, results.

The questions use the documents' own words: 003 一 (资源充足、设备齐全、服务规范、群众满意度较高),
003 二(二)3 and 001 四(一) (错时开放, 喜闻乐见的文化产品和服务), 002 (群众满意度).

Spam resistance without personal data:
- the form carries a token ``<issued unix seconds>.<HMAC>`` signed with a server secret; a submission
  needs a valid token at least ``MIN_FILL_SECONDS`` old (people take time to answer) and at most
  ``MAX_AGE_SECONDS``;
- a hidden honeypot field (``website``) that people leave empty;
- one answer per client, centre and day: an insert guarded by the unique ``centre:day:client`` id, where
  the client is a salted SHA-256 of its address truncated to 16 hex characters (the address itself is
  never stored).
"""
import hashlib
import hmac
from typing import NamedTuple

from shared.clock import local_date
from shared.errors import Conflict, InvalidInput

QUESTIONS = (
    ("facilities", "设施设备：中心的场地和设备是否齐全、好用？", "003 一、指导思想：资源充足、设备齐全"),
    ("service", "服务规范：工作人员的服务是否规范、热情？", "003 一、指导思想：服务规范"),
    ("activities", "活动内容：开展的文化活动是否喜闻乐见、符合您的需要？",
     "001 四（一）5：为群众提供喜闻乐见、迫切需要的文化产品和服务"),
    ("opening", "开放时间：开放时间（含错时、延时开放）是否方便？", "003 二（二）3：实行公共文化服务单位错时开放"),
    ("overall", "总体满意度：您对这个文化服务中心总体是否满意？", "002（六）：建立群众满意度指标"),
)
QUESTION_KEYS = tuple(q[0] for q in QUESTIONS)
MIN_FILL_SECONDS = 3
MAX_AGE_SECONDS = 2 * 3600
COMMENT_MAX = 500


class Answer(NamedTuple):
    """What a resident answered: ``ratings`` {question key: 1..5} and a ``comment``."""

    ratings: dict[str, int]
    comment: str


def sign(secret, centre_id, issued):
    mac = hmac.new(secret.encode(), f"{centre_id}|{issued}".encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{mac[:32]}"


def check_token(secret, centre_id, token, now_seconds):
    """None if the token is good, else the reason (Chinese)."""
    issued_text, _, _ = (token or "").partition(".")
    if not issued_text.isdigit() or not hmac.compare_digest(sign(secret, centre_id, int(issued_text)), token):
        return "表单已失效，请刷新页面后重新填写"
    age = now_seconds - int(issued_text)
    if age < MIN_FILL_SECONDS:
        return "提交过快，请认真填写后再提交"
    if age > MAX_AGE_SECONDS:
        return "表单已过期，请刷新页面后重新填写"
    return None


def client_hash(secret, client):
    return hashlib.sha256(f"{secret}|{client}".encode()).hexdigest()[:16]


def clean_ratings(ratings, prefix="ratings."):
    """The five ratings as ints 1..5, or a dict of field errors."""
    out, errors = {}, {}
    for key in QUESTION_KEYS:
        raw = (ratings or {}).get(key)
        text = str(raw).strip() if raw is not None else ""
        if text not in ("1", "2", "3", "4", "5"):
            errors[prefix + key] = ["请为“{}”选择 1 到 5 分".format({q[0]: q[1] for q in QUESTIONS}[key]
                                                               .split("：")[0])]
        else:
            out[key] = int(text)
    for key in set(ratings or {}) - set(QUESTION_KEYS):
        errors[prefix + key] = ["未知的问题"]
    return out, errors


def accept(store, centre, data, now):
    """Check a web submission and store it; returns the stored response."""
    secret = store.survey_secret()
    if data.get("website"):
        raise InvalidInput("提交未通过校验", {"website": ["此项应留空"]})
    reason = check_token(secret, centre["id"], data.get("token"), int(now.timestamp()))
    if reason:
        raise InvalidInput(reason, {"token": [reason]})
    ratings, errors = clean_ratings(data.get("ratings"))
    comment = (data.get("comment") or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [f"意见建议不超过 {COMMENT_MAX} 字"]
    if errors:
        raise InvalidInput("问卷填写不完整", errors)
    day = local_date(now).isoformat()
    if not store.guard("{}:{}:{}".format(centre["id"], day, client_hash(secret, data["client"])), now):
        raise Conflict("您今天已经评价过这个中心，感谢参与", {"client": ["one answer per day"]})
    doc = response_doc(centre, Answer(ratings, comment), day, "web", now)
    store.add_responses([doc])
    return doc


def response_doc(centre, answer, day, source, now):
    return {"centre_id": centre["id"], "office": centre["office"], "month": day[:7], "year": int(day[:4]),
            "day": day, "ratings": answer.ratings, "comment": answer.comment, "source": source, "at": now}

