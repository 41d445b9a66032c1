"""``cctrack users create|list|disable|enable|reset-password|ensure-admin``: people's accounts.

Temporary passwords are printed once and must be changed at the first login.
"""
from services.cli.table import render
from shared import labels


def register(sub):
    users = sub.add_parser("users", help="登录账号").add_subparsers(dest="what", required=True)
    p = users.add_parser("create", help="新建账号（打印一次性临时密码）")
    p.add_argument("login", help="登录名，如 fql-zhang（小写字母、数字、点、下划线、连字符）")
    p.add_argument("--name", required=True, help="姓名")
    p.add_argument("--role", required=True, choices=("admin", "office", "inspector"))
    p.add_argument("--office", help="所属街道办事处（office 角色必填）")
    p.add_argument("--area", help="admin 角色所属区划代码（省、市或区县，如 4101、410105）；不填则为全部区划")
    p.add_argument("--district", action="append", help="inspector 负责的区（县）代码（可重复）")
    p.add_argument("--mobile")
    p.add_argument("--email")
    p.set_defaults(func=create_user)
    p = users.add_parser("list", help="列出账号")
    p.add_argument("--role", choices=("admin", "office", "inspector"))
    p.add_argument("--office")
    p.set_defaults(func=list_users)
    for name, text in (("disable", "停用账号（结束其所有会话）"), ("enable", "启用账号")):
        p = users.add_parser(name, help=text)
        p.add_argument("login")
        p.set_defaults(func=set_active, active=name == "enable")
    p = users.add_parser("reset-password", help="重置密码（打印新的临时密码，结束其所有会话）")
    p.add_argument("login")
    p.set_defaults(func=reset_password)
    p = users.add_parser("ensure", help="没有该登录名时新建账号（演示安装使用）：新建时打印临时密码")
    p.add_argument("login")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=("admin", "office", "inspector"))
    p.add_argument("--office")
    p.add_argument("--area", help="admin 角色所属区划代码")
    p.set_defaults(func=ensure_user)
    p = users.add_parser("ensure-admin", help="没有该登录名时创建区级管理员账号（make run 使用）")
    p.add_argument("--login", default="admin")
    p.add_argument("--quiet", action="store_true", help="只打印临时密码（已存在时不打印）")
    p.set_defaults(func=ensure_admin)


def _actor():
    from services.cli.main import actor

    return actor()["name"]


def create_user(rpc, args):
    data = {"login": args.login, "name": args.name, "role": args.role, "office": args.office,
            "mobile": args.mobile, "email": args.email, "area": args.area, "districts": args.district}
    result = rpc.gateway.create_user({k: v for k, v in data.items() if v is not None}, _actor())
    user = result["user"]
    print("已创建账号 {}（{}，{}{}）".format(user["login"], user["name"], labels.ROLES[user["role"]],
                                      "，" + user["office"] if user["office"] else ""))
    print("临时密码（只显示这一次，首次登录须修改）：{}".format(result["temporary_password"]))
    return 0


def list_users(rpc, args):
    filters = {k: v for k, v in (("role", args.role), ("office", args.office), ("limit", 1000)) if v}
    page = rpc.gateway.list_users(filters)
    rows = [(u["login"], u["name"], labels.name(labels.ROLES, u["role"]), u["office"] or "", u["mobile"] or "",
             u["email"] or "", "启用" if u["active"] else "停用", "是" if u["must_change_password"] else "",
             (u["last_login_at"] or "")[:16]) for u in page["items"]]
    print(render(("登录名", "姓名", "角色", "街道办事处", "手机", "邮箱", "状态", "待改密码", "最近登录"), rows))
    print("共 {} 个账号".format(page["total"]))
    return 0


def set_active(rpc, args):
    user = rpc.gateway.set_user_active(args.login, args.active, _actor())
    print("账号 {} 已{}".format(user["login"], "启用" if user["active"] else "停用（其会话已结束）"))
    return 0


def reset_password(rpc, args):
    result = rpc.gateway.reset_user_password(args.login, _actor())
    print("账号 {} 的密码已重置，其会话已结束".format(result["user"]["login"]))
    print("临时密码（只显示这一次，首次登录须修改）：{}".format(result["temporary_password"]))
    return 0


def ensure_user(rpc, args):
    data = {"login": args.login, "name": args.name, "role": args.role, "office": args.office, "area": args.area}
    result = rpc.gateway.ensure_account({k: v for k, v in data.items() if v is not None}, _actor())
    if result["created"]:
        print("{} / {}   （临时密码，只显示这一次，首次登录须修改）".format(result["login"], result["temporary_password"]))
    else:
        print("{}   （已存在；忘记密码可用 cctrack users reset-password {}）".format(result["login"], result["login"]))
    return 0


def ensure_admin(rpc, args):
    result = rpc.gateway.ensure_admin(args.login, actor=_actor())
    if args.quiet:
        if result["created"]:
            print(result["temporary_password"])
    elif result["created"]:
        print("已创建区级管理员账号 {}，临时密码（只显示这一次）：{}".format(result["login"], result["temporary_password"]))
    else:
        print("账号 {} 已存在".format(result["login"]))
    return 0
