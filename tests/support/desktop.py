"""The bureau's desktop in the browser tests: a district with a history (daily snapshots on three past days),
progress that differs from office to office, one centre placed on the test boundary, and checks that a chart
was drawn (its canvas holds painted pixels)."""
from tests.support.geo import MIDDLE, boundary_bytes
from tests.support.reporting import TOTAL, progress
from tests.support.waiting import wait_for

WIDE = {"width": 1440, "height": 900}
SCREEN = {"width": 1920, "height": 1080}
PLACED = "js01-s"  # the centre put in the middle of the test boundary

# on which day which centres finish how many of their own milestones (progress differing from office to office)
WORK = {"2017-06-10": {"js01-s": 4, "js01-c01": 4, "js02-s": 3, "js02-c01": 3, "js05-s": 2, "js04-s": 1},
        "2018-03-05": {"js01-c02": 4, "js02-c02": 2, "js05-c01": 2, "js03-s": 1}}


def _finish(stack, centre_id, count):
    got = stack.get(f"/api/centres/{centre_id}/milestones").json()
    office = got["centre"]["office"]
    own = sorted((m for m in got["milestones"] if m["owner"] == "office"), key=lambda m: (m["phase"], m.get("order") or 0, m["key"]))
    for m in own[:count]:
        answer = stack.post(f"/api/centres/{centre_id}/milestones/{m['key']}/progress", role="office", office=office,
                            json={"based_on_version": m["version"], "status": "done"})
        assert answer.status_code == 200, answer.text


def district_with_history(stack, clock):
    """The Jinshui table imported on 2017-03-01, work done on two later days, then today (the real clock)."""
    clock.set("2017-03-01")
    stack.import_jinshui()
    wait_for(lambda: progress(stack)["totals"]["total"] == TOTAL, "the read model to hold every milestone")
    for day, centres in WORK.items():
        clock.set(day)
        for centre_id, count in centres.items():
            _finish(stack, centre_id, count)
    clock.reset()
    done = sum(n for centres in WORK.values() for n in centres.values())
    wait_for(lambda: progress(stack)["totals"]["done"] == done, "the reports to reach the read model")
    lat_lng = {"lng": MIDDLE[0], "lat": MIDDLE[1]}
    assert stack.http.put(f"/api/centres/{PLACED}/location", json=lat_lng, headers=stack.headers("admin")).status_code == 200
    assert stack.post("/api/map/boundary", files={"file": ("金水区.geojson", boundary_bytes())}).status_code == 200


PAINTED = """(el) => {
  const canvas = el.querySelector('canvas')
  if (!canvas || !canvas.width || !canvas.height) return 0
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
  let painted = 0
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1
  return painted
}"""


def painted(page, selector):
    """How many pixels of the chart's canvas are painted (0: nothing drawn)."""
    page.wait_for_selector(selector + " canvas")
    page.wait_for_timeout(1500)  # the charts' entry animation
    return page.eval_on_selector(selector, PAINTED)


FIND_COLOUR = """([el, rgb, bottom]) => {
  const canvas = el.querySelector('canvas')
  const scale = canvas.width / canvas.getBoundingClientRect().width
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height - bottom * scale).data
  let n = 0, sx = 0, sy = 0
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - rgb[0]) < 8 && Math.abs(data[i + 1] - rgb[1]) < 8 && Math.abs(data[i + 2] - rgb[2]) < 8) {
      const p = i / 4; n += 1; sx += p % canvas.width; sy += Math.floor(p / canvas.width)
    }
  }
  const box = canvas.getBoundingClientRect()
  return n ? { n, x: box.left + sx / n / scale, y: box.top + sy / n / scale } : { n: 0 }
}"""


def where_colour(page, selector, rgb, bottom=0):
    """Where pixels of colour ``rgb`` are painted on the chart's canvas, leaving out its ``bottom`` CSS pixels
    (a legend): {n, x, y} (their centre, in page pixels)."""
    return page.evaluate(FIND_COLOUR, [page.query_selector(selector), list(rgb), bottom])
