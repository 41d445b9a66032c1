"""Entry point of the ``cctrack`` command. Each area adds its sub-commands in
its own module (``commands_*.py``) through ``register(subparsers)``."""
import argparse
import getpass
import sys

from nameko.exceptions import RemoteError

from shared.errors import CctrackError

AREAS = (
    "services.cli.commands_assignment",
    "services.cli.commands_milestones",
    "services.cli.commands_evidence",
    "services.cli.commands_inspections",
    "services.cli.commands_notifications",
    "services.cli.commands_events",
    "services.cli.commands_users",
    "services.cli.commands_indicators",
    "services.cli.commands_reports",
    "services.cli.commands_areas",
)


def actor():
    # the login name (getpass reads LOGNAME, USER, then the password database)
    return {"role": "admin", "office": None, "name": "cli:" + (getpass.getuser() or "?")}


def rpc_client():
    from nameko.standalone.rpc import ClusterRpcClient

    from shared.settings import settings

    return ClusterRpcClient(uri=settings().amqp_uri, timeout=120)


def build_parser():
    import importlib

    parser = argparse.ArgumentParser(prog="cctrack", description="基层综合性文化服务中心建设管理 命令行工具")
    sub = parser.add_subparsers(dest="area", required=True)
    for module in AREAS:
        importlib.import_module(module).register(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with rpc_client() as rpc:
            code = args.func(rpc, args)
    except CctrackError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        print_details(exc.details)
        return 1
    except RemoteError as exc:
        print(f"错误：服务端异常（{exc.exc_type}），详情见服务日志", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except (ConnectionError, OSError) as exc:
        print(f"错误：无法连接消息队列（{exc}）。服务是否已启动？请先运行 make run。", file=sys.stderr)
        return 2
    return code or 0


def print_details(details):
    if isinstance(details, list):
        for item in details:
            if isinstance(item, dict) and "line" in item:
                print("  第 {} 行 [{}]：{}".format(item["line"], item.get("field") or "-", item["message"]), file=sys.stderr)
            else:
                print(f"  {item}", file=sys.stderr)
    elif isinstance(details, dict):
        for field, messages in details.items():
            print(f"  {field}：{messages}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
