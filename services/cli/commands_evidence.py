"""``cctrack evidence migrate`` and ``cctrack evidence sweep``: the object store's upkeep (shared/objects.py).

``migrate`` moves evidence files still kept inside their documents (from before the object store) into it,
in batches, service by service. ``sweep`` deletes the files no record names (an upload whose request was
refused, or whose service crashed before recording it), once they are older than OBJECT_SWEEP_GRACE_SECONDS,
so an upload still in flight is never taken.
"""
import sys
from datetime import UTC, datetime, timedelta

from shared.objects import object_store
from shared.settings import settings

OWNERS = ("milestones", "inspections")  # the services whose records name evidence files


def register(sub):
    evidence = sub.add_parser("evidence", help="佐证材料文件的存储").add_subparsers(dest="what", required=True)
    p = evidence.add_parser("migrate", help="把仍存放在数据库文档中的佐证材料移到文件存储（可重复执行）")
    p.add_argument("--batch", type=int, default=100, help="每批移动的文件数（默认 100）")
    p.set_defaults(func=migrate)
    p = evidence.add_parser("sweep", help="删除没有任何记录引用、且超过保留时间的文件")
    p.add_argument("--dry-run", action="store_true", help="只列出将删除的文件，不删除")
    p.set_defaults(func=sweep)


def migrate(rpc, args):
    if args.batch < 1:
        print("错误：--batch 必须是正整数", file=sys.stderr)
        return 2
    for owner in OWNERS:
        total = 0
        while True:
            moved = getattr(rpc, owner).migrate_evidence(args.batch)
            total += moved
            if moved:
                print(f"{owner}：已移动 {total} 个文件", flush=True)
            if moved < args.batch:
                break
        print(f"{owner}：完成，共移动 {total} 个文件", flush=True)
    return 0


def sweep(rpc, args):
    cutoff = datetime.now(UTC) - timedelta(seconds=settings().object_sweep_grace_seconds)
    store, checked, removed = object_store(), 0, 0
    for stored in store.listing():
        checked += 1
        if stored.modified > cutoff or any(getattr(rpc, owner).uses_object(stored.key) for owner in OWNERS):
            continue
        removed += 1
        if args.dry_run:
            print(f"将删除 {stored.key}（{stored.size} 字节，写入于 {stored.modified:%Y-%m-%d %H:%M}）")
        else:
            store.delete(stored.key)
    verb = "将删除" if args.dry_run else "已删除"
    print(f"检查了 {checked} 个文件，{verb} {removed} 个没有记录引用的文件")
    return 0
