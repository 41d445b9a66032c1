"""Overdue report, in-app inbox, deliveries and contacts (notifications service)."""
from nameko.rpc import ServiceRpc

from services.gateway.area_scope import area_named
from services.gateway.http import http, json_body, query_dict
from services.gateway.openapi import document
from services.gateway.overdue_lists import overdue_list
from shared.authz import list_filter
from shared.schemas.notifications import (
    ContactChangeSchema,
    ContactFilterSchema,
    ContactSchema,
    DeliveryPageSchema,
    DeliveryQuerySchema,
    InboxQuerySchema,
    NoticePageSchema,
    NoticeSchema,
    OverdueQuerySchema,
    OverdueReportSchema,
    ReadAllSchema,
    ScanRequestSchema,
    ScanResultSchema,
    TestSendSchema,
)

TAG = "notifications"
document("/api/overdue", "get", "逾期事项：逾期起始日、逾期工作日数、已通知对象（街道只看本街道；area 为省、市或区县的整个"
         "辖区，按辖区的计数分页；辖区账号不指定时为本辖区；colour 为 red 时即逾期清单，yellow、blue、green 时为该颜色的中心"
         "（centres，含序时进度、落后百分点、最近到期日），每行附中心的序时进度颜色）", tag=TAG,
         roles=("admin", "office"), query=OverdueQuerySchema, response=OverdueReportSchema)
document("/api/overdue/scan", "post", "立即按指定日期扫描并发出通知（幂等）", tag=TAG, roles=("admin",),
         body=ScanRequestSchema, body_required=False, response=ScanResultSchema)
document("/api/notifications", "get", "本单位站内通知（街道令牌看本街道，管理员看区级），最新在前；可按未读、事项类型、"
         "中心筛选，cursor 续取下一页", tag=TAG, roles=("admin", "office"), query=InboxQuerySchema, response=NoticePageSchema)
document("/api/notifications/read-all", "post", "本单位站内通知全部标为已读（分批；more 为真时再调用一次）", tag=TAG,
         roles=("admin", "office"), response=ReadAllSchema)
document("/api/notifications/{notice_id}/read", "post", "标记站内通知为已读", tag=TAG, roles=("admin", "office"),
         response=NoticeSchema)
document("/api/notifications/deliveries", "get", "邮件和 webhook 投递记录，最新在前（可按状态筛选，如 failed），"
         "按游标分页（after 为上一页的 next）", tag=TAG,
         roles=("admin",), query=DeliveryQuerySchema, response=DeliveryPageSchema)
document("/api/notifications/contacts", "get", "通知联系人列表", tag=TAG, roles=("admin",), query=ContactFilterSchema)
document("/api/notifications/contacts", "post", "新增通知联系人", tag=TAG, roles=("admin",), body=ContactSchema,
         response=ContactSchema, status=201, errors=(400, 401, 403, 409))
document("/api/notifications/contacts/{contact_id}", "patch", "修改通知联系人（接收方式、渠道、启用）", tag=TAG,
         roles=("admin",), body=ContactChangeSchema, response=ContactSchema, errors=(400, 401, 403, 404, 409))
document("/api/notifications/contacts/{contact_id}/test", "post", "向联系人的每个渠道发送一条测试消息，逐个报告成功或失败原因",
         tag=TAG, roles=("admin",), response=TestSendSchema, errors=(400, 401, 403, 404))
document("/api/notifications/contacts/{contact_id}/deliveries", "get", "联系人最近的投递记录（含测试发送和失败原因）",
         tag=TAG, roles=("admin",), errors=(401, 403, 404))
document("/api/notifications/contacts/{contact_id}", "delete", "停用通知联系人（保留历史）", tag=TAG, roles=("admin",),
         response=ContactSchema)


class NotificationRoutes:
    notifications = ServiceRpc("notifications")
    reporting = ServiceRpc("reporting")
    assignment = ServiceRpc("assignment")

    @http("GET", "/api/overdue", action="overdue.read")
    def get_overdue(self, request, principal):
        query = query_dict(request)
        query["office"], query["area"] = list_filter(principal, "overdue.read", query.get("office"), query.get("area"))
        if query.get("as_of"):  # a day before the programme has no overdue list: said, not answered empty
            self.reporting.check_day(query["as_of"])
        report = overdue_list(self.notifications, self.reporting, query, self.clock.today())
        return {**report, "area": area_named(self.assignment, query["area"])}

    @http("POST", "/api/overdue/scan", action="overdue.scan")
    def post_overdue_scan(self, request, principal):
        return self.notifications.scan(json_body(request) if request.data else {})

    @http("GET", "/api/notifications", action="notices.read")
    def get_notifications(self, request, principal):
        return self.notifications.inbox(query_dict(request), principal.actor())

    @http("POST", "/api/notifications/read-all", action="notices.read")
    def post_notifications_read_all(self, request, principal):
        return self.notifications.mark_all_read(principal.actor())

    @http("POST", "/api/notifications/<notice_id>/read", action="notices.read")
    def post_notification_read(self, request, principal, notice_id):
        return self.notifications.mark_read(notice_id, principal.actor())

    @http("GET", "/api/notifications/deliveries", action="deliveries.read")
    def get_deliveries(self, request, principal):
        return self.notifications.list_deliveries(query_dict(request))

    @http("GET", "/api/notifications/contacts", action="contacts.manage")
    def get_contacts(self, request, principal):
        return self.notifications.list_contacts(query_dict(request))

    @http("POST", "/api/notifications/contacts", action="contacts.manage")
    def post_contact(self, request, principal):
        return 201, self.notifications.add_contact(json_body(request), principal.actor())

    @http("PATCH", "/api/notifications/contacts/<contact_id>", action="contacts.manage")
    def patch_contact(self, request, principal, contact_id):
        return self.notifications.update_contact(contact_id, json_body(request), principal.actor())

    @http("DELETE", "/api/notifications/contacts/<contact_id>", action="contacts.manage")
    def delete_contact(self, request, principal, contact_id):
        return self.notifications.remove_contact(contact_id, principal.actor())

    @http("POST", "/api/notifications/contacts/<contact_id>/test", action="contacts.manage")
    def post_contact_test(self, request, principal, contact_id):
        return self.notifications.test_contact(contact_id, principal.actor())

    @http("GET", "/api/notifications/contacts/<contact_id>/deliveries", action="contacts.manage")
    def get_contact_deliveries(self, request, principal, contact_id):
        return self.notifications.contact_deliveries(contact_id)
