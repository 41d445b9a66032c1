"""``cctrack events dead-letters`` and ``cctrack events replay [ID ... | --all]``.

Events whose handler kept failing are parked in the durable queue
``cctrack-dead-letters`` (shared/handlers.py). Listing reads them without taking
them away (they go back to the queue when the command ends); replaying sends
each one to the queue of the handler that failed (only that handler sees it
again, with a fresh count of attempts) and removes it from the dead letters.
"""
import json

from kombu import Connection, Producer

from services.cli.table import render
from shared.handlers import ATTEMPT, dead_letter_queue
from shared.settings import settings

PARKING = ("x-cctrack-target-queue", "x-cctrack-service", "x-cctrack-handler", "x-cctrack-source",
           "x-cctrack-event", "x-cctrack-attempts", "x-cctrack-error", "x-cctrack-parked-at")


def register(sub):
    events = sub.add_parser("events", help="事件：处理失败后暂存的事件（死信）").add_subparsers(dest="what", required=True)
    p = events.add_parser("dead-letters", help="列出处理多次失败、已暂存的事件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（含事件内容）")
    p.set_defaults(func=list_dead_letters)
    p = events.add_parser("replay", help="重新投递暂存的事件给当初处理失败的服务")
    p.add_argument("ids", nargs="*", help="事件编号（见 cctrack events dead-letters）")
    p.add_argument("--all", action="store_true", help="重新投递全部暂存事件")
    p.set_defaults(func=replay)


def _connect():
    return Connection(settings().amqp_uri, connect_timeout=10, transport_options={"confirm_publish": True})


def _drain(channel):
    """Every parked message, unacknowledged: those not acknowledged go back when the channel closes."""
    queue = dead_letter_queue()(channel)
    queue.declare()
    out = []
    while True:
        message = queue.get(no_ack=False)
        if message is None:
            return out
        out.append(message)


def describe(message):
    h = message.headers or {}
    return {"id": message.properties.get("message_id") or "", "parked_at": h.get("x-cctrack-parked-at"),
            "service": h.get("x-cctrack-service"), "handler": h.get("x-cctrack-handler"),
            "event": "{}.{}".format(h.get("x-cctrack-source"), h.get("x-cctrack-event")),
            "attempts": h.get("x-cctrack-attempts"), "error": h.get("x-cctrack-error"),
            "queue": h.get("x-cctrack-target-queue"), "payload": message.payload}


def list_dead_letters(rpc, args):
    with _connect() as conn:
        channel = conn.channel()
        try:
            rows = [describe(m) for m in _drain(channel)]
        finally:
            channel.close()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return 0
    if not rows:
        print("没有暂存的事件。")
        return 0
    print(render(["编号", "暂存时间", "服务.处理", "事件", "尝试次数", "最后错误"],
                 [[r["id"], r["parked_at"], "{}.{}".format(r["service"], r["handler"]), r["event"], r["attempts"],
                   (r["error"] or "")[:80]] for r in rows]))
    print(f"共 {len(rows)} 条。重新投递：cctrack events replay <编号> 或 --all")
    return 0


def replay(rpc, args):
    if not args.ids and not args.all:
        print("请给出事件编号，或用 --all 重新投递全部")
        return 2
    wanted = set(args.ids)
    replayed = []
    with _connect() as conn:
        channel = conn.channel()
        try:
            producer = Producer(channel)  # the default exchange: straight to the named queue
            for message in _drain(channel):
                row = describe(message)
                if not args.all and row["id"] not in wanted:
                    continue
                headers = {k: v for k, v in (message.headers or {}).items() if k not in PARKING and k != ATTEMPT}
                producer.publish(message.body, routing_key=row["queue"], headers=headers, delivery_mode=2,
                                 content_type=message.content_type, content_encoding=message.content_encoding,
                                 mandatory=True)
                message.ack()
                replayed.append(row)
        finally:
            channel.close()
    for row in replayed:
        print("已重新投递 {}：{} -> {}.{}".format(row["id"], row["event"], row["service"], row["handler"]))
    missing = wanted - {r["id"] for r in replayed}
    for event_id in sorted(missing):
        print(f"没有编号为 {event_id} 的暂存事件")
    print(f"共重新投递 {len(replayed)} 条。")
    return 1 if missing else 0
