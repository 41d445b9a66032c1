"""The Chinese names of the system's codes (statuses, roles, levels, phases, ...), from ``shared/labels.py``:
the pages load them once after login, so they name things as the CLI and the Excel report do."""
from marshmallow import fields

from services.gateway.auth import SIGNED_IN
from services.gateway.http import http
from services.gateway.openapi import document
from shared import labels
from shared.schemas.common import StrictSchema

ALL = ("admin", "office", "inspector")


# Table name -> {code: name}; one field per table of shared/labels.py.
LabelsSchema = StrictSchema.from_dict(
    {table: fields.Dict(keys=fields.String(), values=fields.String()) for table in labels.TABLES}, name="LabelsSchema")

document("/api/labels", "get", "界面显示用的中文名称表：角色、级别、阶段、状态、检查类型等（代码 -> 名称）", tag="labels",
         roles=ALL, response=LabelsSchema, errors=(401,))


class LabelRoutes:
    @http("GET", "/api/labels", action=SIGNED_IN)  # any caller, a person even before changing the password
    def get_labels(self, request, principal):
        return {table: {str(code): text for code, text in names.items()} for table, names in labels.TABLES.items()}
