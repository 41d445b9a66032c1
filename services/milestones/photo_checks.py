"""Each photo of a progress report is read, thumbnailed and judged (``shared.photos``) before it is stored.

What is kept per photo (docs/evidence.md): its EXIF capture time and GPS, the phone's position at capture
when the page sent one, the server's receipt time, the verdict (存疑 flags with reasons, notes on what
could not be checked) and a small JPEG thumbnail beside the original. Its perceptual hashes go to the
``fingerprints`` collection, one document per hash with the four bands as indexed top-level fields, so an
earlier photo that may be the same picture is found by equality on a band (never a scan) and compared
here by Hamming distance. Nothing is refused for what a check finds.
"""
from shared import photos
from shared.clock import local_zone
from shared.objects import object_store
from shared.settings import settings

CANDIDATES_PER_BAND = 200  # earlier hashes read per band value: a bound on a common (e.g. blank) picture


def configured_thresholds() -> photos.Thresholds:
    """The checks' thresholds from the settings (PHOTO_MAX_DISTANCE_M, PHOTO_MAX_AGE_DAYS, PHOTO_DUPLICATE_MAX_BITS)."""
    now = settings()
    return photos.Thresholds(max_distance_m=now.photo_max_distance_m, max_age_days=now.photo_max_age_days,
                             duplicate_max_bits=now.photo_duplicate_max_bits)


def _browser_position(upload):
    lat, lng = upload.get("lat"), upload.get("lng")
    if lat is None or lng is None:
        return None
    position = photos.Position(float(lat), float(lng), upload.get("accuracy"))
    return position if position.valid() else None


def _as_dict(position, accuracy=False):
    if position is None:
        return None
    out = {"lat": round(position.lat, 6), "lng": round(position.lng, 6)}
    if accuracy:
        out["accuracy_m"] = None if position.accuracy_m is None else round(position.accuracy_m)
    return out


class Earlier:
    """Earlier photos that share a band with a new one, with the names people know them by."""

    def __init__(self, store, plan):
        self.store, self.plan, self.names = store, plan, {}

    def _centre_name(self, centre_id):
        if centre_id not in self.names:
            centre = self.store.get_centre(centre_id)
            self.names[centre_id] = centre["name"] if centre else "另一中心"
        return self.names[centre_id]

    def of(self, hashes):
        found = self.store.fingerprints_sharing_a_band({(i, band) for h in hashes for i, band in enumerate(photos.bands(h))},
                                                       CANDIDATES_PER_BAND)
        return [photos.Earlier(phash=int(doc["phash"], 16), variant=doc["variant"], centre_id=doc["centre_id"], key=doc["key"],
                               office=doc["office"], centre_name=self._centre_name(doc["centre_id"]),
                               milestone_title=self.plan.by_key.get(doc["key"], {}).get("title") or "另一阶段")
                for doc in found]


def examine(store, plan, loaded, files, command):
    """The documents of ``files`` ([(document, bytes)] of ``command``'s checked uploads, in upload order) with
    what each photo says, its verdict and its thumbnail (put in the object store); returns (documents,
    fingerprints to insert). A PDF is kept as it is."""
    centre, milestone, now = loaded.centre, loaded.current, command.now
    uploads = command.update.get("evidence") or []
    phase = plan.phases.get(milestone["phase"])
    subject = photos.Subject(centre_id=centre["id"], key=milestone["key"], office=centre["office"],
                             position=photos.Position(centre["lat"], centre["lng"]) if centre.get("lat") is not None else None,
                             phase_start=phase["start"] if phase else None, reported_at=now)
    earlier, out, prints = Earlier(store, plan), [], []
    for (doc, content), upload in zip(files, uploads):
        facts = photos.read_photo(content, local_zone())
        if facts is None:
            out.append(doc)
            continue
        browser = _browser_position(upload)
        verdict = photos.judge(facts, browser, subject, earlier.of(facts.hashes), configured_thresholds())
        photo = {"taken_at": None if facts.taken_at is None else facts.taken_at.isoformat(),
                 "gps": _as_dict(facts.position), "browser_position": _as_dict(browser, accuracy=True),
                 "received_at": now.isoformat(), "width": facts.width, "height": facts.height,
                 "verdict": verdict.as_dict()}
        thumbnail = photos.thumbnail(content)
        out.append({**doc, "photo": {**photo, "thumbnail": thumbnail is not None},
                    "thumbnail_key": None if thumbnail is None else object_store().put(thumbnail)})
        prints.extend({"_id": "{}:{}".format(doc["_id"], variant), "evidence_id": doc["_id"], "variant": variant,
                       **{f"band{i}": band for i, band in enumerate(photos.bands(phash))}, "phash": f"{phash:016x}",
                       "centre_id": centre["id"], "key": milestone["key"], "office": centre["office"], "at": now}
                      for variant, phash in enumerate(facts.hashes))
    return out, prints
