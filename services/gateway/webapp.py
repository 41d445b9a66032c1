"""The built single-page app (services/gateway/web/dist, made by ``make web``), served as files.

``index.html`` is never cached (it names the current build's files); the files under
``/assets/`` carry a content hash in their names and are cached for a year. The app's own files at the
root (ROOT_FILES: the service worker, its registration, the manifest and the icons) are checked for a newer
build on every use (``no-cache``); the service worker's scope is the whole app (``Service-Worker-Allowed: /``). The security headers
(Content-Security-Policy and the others) are set on every answer by services/gateway/boundary.py.
"""
import mimetypes
import os

from werkzeug.wrappers import Response

DIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web", "dist")
ASSETS = os.path.join(DIST, "assets")
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
         ".png": "image/png", ".jpg": "image/jpeg", ".woff2": "font/woff2", ".woff": "font/woff",
         ".ttf": "font/ttf", ".ico": "image/x-icon", ".json": "application/json"}
ROOT_FILES = {"index.html": "text/html; charset=utf-8", "sw.js": "text/javascript; charset=utf-8",
              "registerSW.js": "text/javascript; charset=utf-8", "manifest.webmanifest": "application/manifest+json",
              "icon-192.png": "image/png", "icon-512.png": "image/png", "icon-maskable-512.png": "image/png",
              "apple-touch-icon.png": "image/png"}
ROOT_ROUTE = "/<any({}):name>".format(", ".join(f'"{n}"' for n in ROOT_FILES))  # one route for them all
NOT_BUILT = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>页面尚未构建</title>"
             "<p>页面尚未构建：请在项目目录运行 <code>make web</code>（<code>make run</code> 会自动构建）。</p></html>")


def index_page():
    path = os.path.join(DIST, "index.html")
    if not os.path.isfile(path):
        return Response(NOT_BUILT, status=503, content_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})
    with open(path, "rb") as fh:
        return Response(fh.read(), content_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


def asset(name):
    """A file of the build by its (hashed) name; 404 for anything else, including ``..`` tricks."""
    path = os.path.realpath(os.path.join(ASSETS, name))
    if os.path.dirname(path) != os.path.realpath(ASSETS) or not os.path.isfile(path):
        return Response('{"error": "not_found", "message": "文件不存在", "details": null}', status=404,
                        content_type="application/json; charset=utf-8")
    ext = os.path.splitext(path)[1].lower()
    content_type = TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    with open(path, "rb") as fh:
        return Response(fh.read(), content_type=content_type, headers={"Cache-Control": "public, max-age=31536000, immutable"})


def root_file(name):
    """One of ROOT_FILES as built; 404 for anything else."""
    path = os.path.join(DIST, name)
    if name not in ROOT_FILES or not os.path.isfile(path):
        return Response('{"error": "not_found", "message": "文件不存在", "details": null}', status=404,
                        content_type="application/json; charset=utf-8")
    headers = {"Cache-Control": "no-cache"}
    if name == "sw.js":
        headers["Service-Worker-Allowed"] = "/"
    with open(path, "rb") as fh:
        return Response(fh.read(), content_type=ROOT_FILES[name], headers=headers)
