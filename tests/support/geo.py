"""A test boundary file (GeoJSON) made by the tests: a district of two squares side by side around a point."""
import json

WEST, SOUTH, SIZE = 113.60, 34.70, 0.10  # the district's south-west corner and the side of one square (degrees)
MIDDLE = (WEST + SIZE, SOUTH + SIZE / 2)  # on the line between the two squares, at mid height: the map's centre


def square(west, south, size, name):
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]
    return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def boundary(names=("西片区", "东片区")):
    return {"type": "FeatureCollection",
            "features": [square(WEST + i * SIZE, SOUTH, SIZE, n) for i, n in enumerate(names)]}


def boundary_bytes(**kw):
    return json.dumps(boundary(**kw), ensure_ascii=False).encode("utf-8")
