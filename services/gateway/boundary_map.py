"""The district's boundary file (GeoJSON) the bureau uploads for the centres' map.

Checked before it is kept: UTF-8 JSON of at most MAX_BYTES, a FeatureCollection (or one Feature) of Polygon
and MultiPolygon features, every position a [longitude, latitude] pair in range, at most MAX_POSITIONS
positions. Kept with the one versioned write (``shared.revisions.append_revision``): revision n+1 in
``map_boundary_revisions`` (``_id`` "boundary:n+1", so two uploads on the same version cannot both win: the
second is a 409), then the projection ``map_boundary`` (``_id`` "boundary") moves forward. The pages draw it
with ECharts ``registerMap``: no online tiles.
"""
import json
from typing import Any

from shared.errors import Conflict, InvalidInput, NotFound
from shared.revisions import append_revision

MAX_BYTES = 4 * 1024 * 1024
MAX_POSITIONS = 200_000
MAX_FEATURES = 5_000
GEOMETRIES = ("Polygon", "MultiPolygon")
CURRENT = "boundary"


def _refuse(message: str, detail: str) -> InvalidInput:
    return InvalidInput(message, {"file": [detail]})


def _ring(ring: Any, where: str) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        raise _refuse(f"边界文件第 {where} 处的多边形边界少于 4 个坐标点", "边界少于 4 个点")
    for pos in ring:
        if (not isinstance(pos, list) or len(pos) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos[:2])):
            raise _refuse(f"边界文件第 {where} 处的坐标不是 [经度, 纬度] 数字对", "坐标须为 [经度, 纬度]")
        if not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
            raise _refuse(f"边界文件第 {where} 处的坐标超出范围（经度 -180 到 180，纬度 -90 到 90）",
                          "坐标超出范围")
    return len(ring)


def _polygons(geometry: Any, where: str) -> list:
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
        raise _refuse(f"边界文件第 {where} 个区域的形状须为 Polygon 或 MultiPolygon", "形状类型不支持")
    coords = geometry.get("coordinates")
    polygons = [coords] if geometry["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons or not all(isinstance(p, list) and p for p in polygons):
        raise _refuse(f"边界文件第 {where} 个区域没有坐标", "缺少坐标")
    return polygons


def parse(content: bytes) -> dict:
    """The checked GeoJSON as a FeatureCollection whose features each have ``properties.name``; 400 otherwise."""
    if len(content) > MAX_BYTES:
        raise _refuse(f"边界文件过大：最大 {MAX_BYTES // (1024 * 1024)} MB", "文件过大")
    try:
        doc = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _refuse("边界文件不是 UTF-8 编码的 GeoJSON（JSON）文件", "不是 JSON") from None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise _refuse("边界文件须为 GeoJSON 的 FeatureCollection（区域集合）", "不是区域集合")
    features = doc["features"]
    if not features or len(features) > MAX_FEATURES:
        raise _refuse(f"边界文件须含 1 到 {MAX_FEATURES} 个区域", "区域个数不符")
    positions, out = 0, []
    for n, feature in enumerate(features, 1):
        if not isinstance(feature, dict):
            raise _refuse(f"边界文件第 {n} 个区域不是 GeoJSON Feature", "区域格式不对")
        for p, polygon in enumerate(_polygons(feature.get("geometry"), str(n)), 1):
            for r, ring in enumerate(polygon, 1):
                positions += _ring(ring, f"{n}-{p}-{r}")
                if positions > MAX_POSITIONS:
                    raise _refuse(f"边界文件坐标点过多：最多 {MAX_POSITIONS} 个，请简化后上传", "坐标点过多")
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        name = props.get("name") if isinstance(props.get("name"), str) and props.get("name").strip() else f"区域{n}"
        out.append({"type": "Feature", "properties": {"name": name[:100]}, "geometry": feature["geometry"]})
    return {"type": "FeatureCollection", "features": out}


class BoundaryStore:
    """The boundary's revisions and its projection, in the gateway's database."""

    def __init__(self, db):
        self.db = db
        self.revisions = db.map_boundary_revisions
        self.current = db.map_boundary

    def ensure_indexes(self):
        """Both are read by ``_id`` only (revision n is ``_id`` "boundary:n", unique by being the ``_id``)."""

    def get(self):
        doc = self.current.find_one({"_id": CURRENT})
        if doc is None:
            raise NotFound("尚未上传区划边界文件，请先上传本区的 GeoJSON 边界文件")
        return doc

    def replace(self, geojson: dict, filename: str, actor: dict, now: str) -> dict:
        found = self.current.find_one({"_id": CURRENT}, {"version": 1})
        version = (found or {}).get("version", 0) + 1
        meta = {"version": version, "filename": filename[:200], "features": len(geojson["features"]),
                "uploaded_at": now, "uploaded_by": actor.get("name") or actor.get("login") or ""}
        doc = {**meta, "geojson": json.dumps(geojson, ensure_ascii=False, separators=(",", ":"))}
        append_revision(self.revisions, {"_id": f"{CURRENT}:{version}", **doc}, self.current, {"_id": CURRENT, **doc},
                        Conflict("边界文件刚被他人更新，请刷新后重试"))
        return meta
