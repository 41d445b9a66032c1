"""The browser tests' helpers: viewports, people who log in with a known password, and the office centre
whose milestones the pages report."""
import base64
import re

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 900}
OFFICE = "丰庆路街道"
# a 1x1 PNG: the evidence photo
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


class People:
    """Accounts made through the gateway's RPC (as ``cctrack users create`` does), with their
    temporary password changed over HTTP so the browser logs in with a known password."""

    PASSWORD = "Wenhua-2017!"

    def __init__(self, stack, base):
        self.stack = stack
        self.base = base
        self.created = {}

    def make(self, login, role, office=None, name=None, change_password=True, area=None):
        data = {"login": login, "name": name or login, "mobile": None, "email": None, "role": role, "office": office}
        if area:  # a bureau of one area (docs/areas.md)
            data["area"] = area
        temporary = self.stack.rpc.gateway.create_user(data)["temporary_password"]
        if change_password:
            from requests import Session
            with Session() as http:
                base = self.base
                r = http.post(base + "api/session", json={"login": login, "password": temporary}, timeout=60)
                assert r.status_code == 200, r.text
                r = http.post(base + "api/session/password", headers={"X-CSRF-Token": r.json()["csrf_token"]},
                              json={"current_password": temporary, "new_password": self.PASSWORD}, timeout=60)
                assert r.status_code == 200, r.text
        self.created[login] = temporary
        return temporary


def login(page, login_name, password=People.PASSWORD):
    page.goto("/#/login")
    page.fill("input[name=login]", login_name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def office_centre(stack):
    """The first centre of ``OFFICE`` and its milestones the office reports itself."""
    centres = stack.get("/api/centres", params={"office": OFFICE, "limit": 100}).json()["items"]
    centre = sorted(centres, key=lambda c: c["id"])[0]
    milestones = stack.get("/api/centres/{}/milestones".format(centre["id"])).json()["milestones"]
    own = [m for m in milestones if m["owner"] == "office"]
    return centre, own


def wait_until(page, expression, timeout_s=30):
    """Wait until the JavaScript ``expression`` is true in ``page``. playwright's ``wait_for_function`` polls
    with ``eval`` inside the page, which the gateway's Content-Security-Policy forbids (no 'unsafe-eval');
    ``page.evaluate`` goes through the DevTools protocol, which the policy does not cover."""
    for _ in range(int(timeout_s * 5)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"still false after {timeout_s} s: {expression}")


def side_labels(page):
    """The side navigation's entries as read, without the count a badge adds (待办 3 → 待办)."""
    return [re.sub(r"\s*\d+\+?$", "", text.strip()) for text in page.locator("[data-test=side-nav] a").all_inner_texts()]
