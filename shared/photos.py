"""What a photo says about itself, and whether it can be trusted as evidence for one centre's milestone.

Pure functions, no store: the milestones service reads each uploaded photo with ``read_photo``, keeps
the facts and the thumbnail, finds earlier photos that may be the same picture (by its four hash bands)
and asks ``judge`` for the verdict. A photo is never refused: a failed check only marks it 存疑 with a
reason a person can read (EXIF can be stripped or forged, and WeChat strips it). docs/evidence.md.

- capture time: EXIF DateTimeOriginal (else DateTimeDigitized) with OffsetTimeOriginal / OffsetTime
  when present, else the programme's zone (Asia/Shanghai);
- place: EXIF GPS (latitude and longitude with their N/S, E/W references), else the browser's position
  at capture sent with the upload;
- sameness: a 64-bit perceptual hash (imagehash's DCT phash, after EXIF orientation), split into four
  16-bit bands the store indexes; two photos are the same picture within ``DUPLICATE_MAX_BITS`` bits;
- HEIC/HEIF (iPhones; recognised by ``shared.evidence.sniff``) is decoded with pillow-heif.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import imagehash
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

# Thresholds (module constants until the typed settings object lands; docs/evidence.md explains each).
PHOTO_MAX_DISTANCE_M = 500  # farther than this from the centre: 存疑 (the defaults of shared/settings.py's PHOTO_*)
PHOTO_MAX_AGE_DAYS = 30  # taken more than this many days before the report: 存疑
DUPLICATE_MAX_BITS = 8  # perceptual hashes within this many bits are the same picture
# the part of the frame each stored hash covers: the whole, and the centre without 5% or 10% on each side,
# so a cropped copy's whole frame meets the original's centre (a DCT hash alone does not survive a crop)
CROPS = (1.0, 0.9, 0.8)
CLOCK_SKEW = timedelta(days=1)  # a capture "after" the receipt within this is a camera clock, not a forgery
THUMBNAIL_MAX_PX = 320
THUMBNAIL_QUALITY = 75
DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")

BAND_BITS = 16
BANDS = 4
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _DATETIME_DIGITIZED = 0x9003, 0x9004
_OFFSET_TIME, _OFFSET_TIME_ORIGINAL = 0x9010, 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LNG_REF, _GPS_LNG = 1, 2, 3, 4
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Position:
    """A place in WGS-84 degrees; ``accuracy_m`` is the browser's radius of uncertainty (None for EXIF)."""

    lat: float
    lng: float
    accuracy_m: float | None = None

    def valid(self) -> bool:
        return (math.isfinite(self.lat) and math.isfinite(self.lng) and -90 <= self.lat <= 90
                and -180 <= self.lng <= 180)


@dataclass(frozen=True)
class PhotoFacts:
    """What one photo says about itself."""

    taken_at: datetime | None  # aware
    position: Position | None  # from EXIF GPS
    hashes: tuple[int, ...]  # 64-bit perceptual hashes of the whole frame and of its centre (CROPS)
    width: int
    height: int


@dataclass(frozen=True)
class Earlier:
    """A photo stored before, found by one of its hash bands; names are people's words, not ids."""

    phash: int
    variant: int  # which of CROPS it hashes: 0 is the whole frame
    centre_id: str
    key: str
    office: str
    centre_name: str
    milestone_title: str


@dataclass(frozen=True)
class Subject:
    """What the photo is evidence for."""

    centre_id: str
    key: str
    office: str
    position: Position | None  # the centre's coordinates, None while the bureau has not set them
    phase_start: date | None  # the first day of the milestone's phase
    reported_at: datetime  # the server's receipt time, aware


@dataclass(frozen=True)
class Thresholds:
    max_distance_m: float = PHOTO_MAX_DISTANCE_M
    max_age_days: int = PHOTO_MAX_AGE_DAYS
    duplicate_max_bits: int = DUPLICATE_MAX_BITS


@dataclass(frozen=True)
class Flag:
    code: str  # far | before_phase | too_old | after_receipt | duplicate
    reason: str  # for people

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "reason": self.reason}


@dataclass(frozen=True)
class Verdict:
    """``flags`` make a photo 存疑; ``notes`` say what could not be checked (no EXIF time, no place...)."""

    flags: tuple[Flag, ...] = ()
    notes: tuple[str, ...] = field(default=())
    distance_m: float | None = None
    place: str | None = None  # where it was taken, in words: “距中心约 120 米（照片定位）”

    @property
    def doubtful(self) -> bool:
        return bool(self.flags)

    def as_dict(self) -> dict[str, Any]:
        return {"doubtful": self.doubtful, "flags": [f.as_dict() for f in self.flags], "notes": list(self.notes),
                "distance_m": None if self.distance_m is None else round(self.distance_m), "place": self.place}


# --- reading ----------------------------------------------------------------------------------


def open_image(content: bytes) -> Image.Image | None:
    """The decoded image (JPEG, PNG, HEIC/HEIF), or None when the bytes are no image Pillow can read."""
    try:
        image = Image.open(io.BytesIO(content))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    return image


def read_photo(content: bytes, zone: tzinfo = DEFAULT_ZONE) -> PhotoFacts | None:
    """The photo's capture time, GPS position, perceptual hash and size; None when it is not an image."""
    image = open_image(content)
    if image is None:
        return None
    exif = image.getexif()
    upright = ImageOps.exif_transpose(image)
    return PhotoFacts(taken_at=capture_time(exif, zone), position=gps_position(exif), hashes=crop_hashes(upright),
                      width=upright.width, height=upright.height)


def capture_time(exif: Image.Exif, zone: tzinfo = DEFAULT_ZONE) -> datetime | None:
    """DateTimeOriginal (else DateTimeDigitized) as an aware datetime; its own offset when the camera wrote one."""
    ifd = exif.get_ifd(_EXIF_IFD)
    for stamp_tag, offset_tags in ((_DATETIME_ORIGINAL, (_OFFSET_TIME_ORIGINAL, _OFFSET_TIME)),
                                   (_DATETIME_DIGITIZED, (_OFFSET_TIME,))):
        stamp = _text(ifd.get(stamp_tag))
        if not stamp:
            continue
        try:
            naive = datetime.strptime(stamp[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            continue
        offset = next((o for o in (_offset(_text(ifd.get(t))) for t in offset_tags) if o is not None), None)
        return naive.replace(tzinfo=offset or zone)
    return None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ") if isinstance(value, str) else ""


def _offset(text: str) -> timezone | None:
    match = _OFFSET.match(text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def gps_position(exif: Image.Exif) -> Position | None:
    """Latitude and longitude from the GPS IFD with their references; None when absent, invalid or (0, 0)."""
    gps = exif.get_ifd(_GPS_IFD)
    try:
        lat = _degrees(gps[_GPS_LAT], _text(gps.get(_GPS_LAT_REF)), "S")
        lng = _degrees(gps[_GPS_LNG], _text(gps.get(_GPS_LNG_REF)), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    position = Position(lat, lng)
    if not position.valid() or (lat == 0 and lng == 0):  # (0, 0): a camera without a fix
        return None
    return position


def _degrees(dms: Any, ref: str, negative: str) -> float:
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if ref.upper().startswith(negative) else value


# --- sameness -----------------------------------------------------------------------------------


def perceptual_hash(image: Image.Image) -> int:
    """imagehash's 64-bit DCT hash as an int (bit 63 is the first low frequency)."""
    bits = imagehash.phash(image.convert("RGB")).hash.flatten()
    return int("".join("1" if bit else "0" for bit in bits), 2)


def crop_hashes(image: Image.Image) -> tuple[int, ...]:
    """The hash of the whole frame and of each centred crop in CROPS."""
    out = []
    for keep in CROPS:
        dx, dy = round(image.width * (1 - keep) / 2), round(image.height * (1 - keep) / 2)
        out.append(perceptual_hash(image.crop((dx, dy, image.width - dx, image.height - dy)) if dx or dy else image))
    return tuple(out)


def closeness(hashes: tuple[int, ...], other: int, other_variant: int) -> int:
    """Bits between a photo and an earlier photo's hash of one variant: the whole frame of either side
    against any crop of the other (two crops are never compared: that would only add false matches)."""
    if other_variant == 0:
        return min(hamming(h, other) for h in hashes)
    return hamming(hashes[0], other)


def bands(phash: int) -> tuple[int, ...]:
    """The hash as four 16-bit numbers, highest first: two photos within 3 bits share at least one band."""
    mask = (1 << BAND_BITS) - 1
    return tuple((phash >> (BAND_BITS * (BANDS - 1 - i))) & mask for i in range(BANDS))


def from_bands(parts: tuple[int, ...] | list[int]) -> int:
    value = 0
    for part in parts:
        value = (value << BAND_BITS) | part
    return value


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


# --- place --------------------------------------------------------------------------------------


def distance_m(a: Position, b: Position) -> float:
    """Great-circle (haversine) distance in metres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlng = lat2 - lat1, math.radians(b.lng - a.lng)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def say_distance(metres: float) -> str:
    """“约 2.1 公里” / “约 620 米” / “不到 10 米”."""
    if metres < 10:
        return "不到 10 米"
    if metres >= 1000:
        return f"约 {metres / 1000:.1f} 公里"
    return f"约 {int(round(metres, -1))} 米"


def say_position(where: Position) -> str:
    """“北纬 34.7466°，东经 113.6253°”."""
    lat = "{} {:.4f}°".format("北纬" if where.lat >= 0 else "南纬", abs(where.lat))
    lng = "{} {:.4f}°".format("东经" if where.lng >= 0 else "西经", abs(where.lng))
    return f"{lat}，{lng}"


# --- thumbnail ----------------------------------------------------------------------------------


def thumbnail(content: bytes, max_px: int = THUMBNAIL_MAX_PX) -> bytes | None:
    """A small JPEG (upright, at most ``max_px`` on its longer side) for lists; None when not an image."""
    image = open_image(content)
    if image is None:
        return None
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "L"):
        background = Image.new("RGB", upright.size, "white")
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    upright.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


# --- the judgement ------------------------------------------------------------------------------


def day_text(instant: datetime, zone: tzinfo = DEFAULT_ZONE) -> str:
    return instant.astimezone(zone).date().isoformat()


def judge(facts: PhotoFacts, browser: Position | None, subject: Subject, earlier: list[Earlier],
          limits: Thresholds = Thresholds()) -> Verdict:
    """The verdict on one photo: flags (存疑) for place, time and reuse, notes for what could not be checked."""
    place = _judge_place(facts, browser, subject, limits)
    time_flags, time_notes = _judge_time(facts, subject, limits)
    flags = place.flags + tuple(time_flags) + tuple(_judge_reuse(facts, subject, earlier, limits))
    return Verdict(flags, place.notes + tuple(time_notes), place.distance_m, place.place)


def _judge_place(facts: PhotoFacts, browser: Position | None, subject: Subject, limits: Thresholds) -> Verdict:
    """EXIF GPS first, else the phone's position at capture (unless too imprecise to prove anything)."""
    where, source = facts.position, "照片定位"
    if where is None and browser is not None and browser.valid():
        if browser.accuracy_m is not None and browser.accuracy_m > limits.max_distance_m:
            return Verdict(notes=(f"照片未带拍摄位置，拍摄时的手机定位精度不足（{say_distance(browser.accuracy_m)}），未核对拍摄地点",))
        where, source = browser, "拍摄时的手机定位"
    if where is None:
        return Verdict(notes=("照片未带拍摄位置",))
    if subject.position is None:
        return Verdict(notes=("中心尚未设置坐标，未核对拍摄地点",), place=f"{say_position(where)}（{source}）")
    metres = distance_m(where, subject.position)
    place = f"距中心{say_distance(metres)}（{source}）"
    if metres > limits.max_distance_m:
        limit = f"{limits.max_distance_m:g}"
        return Verdict((Flag("far", f"拍摄地点距中心{say_distance(metres)}（{source}，超过 {limit} 米）"),), (), metres, place)
    return Verdict((), (), metres, place)


def _judge_time(facts: PhotoFacts, subject: Subject, limits: Thresholds) -> tuple[list[Flag], list[str]]:
    taken = facts.taken_at
    if taken is None:
        return [], ["照片未带拍摄时间"]
    day, flags = day_text(taken), []
    if subject.phase_start is not None and taken.astimezone(DEFAULT_ZONE).date() < subject.phase_start:
        flags.append(Flag("before_phase", f"拍摄时间 {day} 早于本阶段开始（{subject.phase_start.isoformat()}）"))
    elif subject.reported_at - taken > timedelta(days=limits.max_age_days):
        flags.append(Flag("too_old", f"拍摄时间 {day} 早于填报 {limits.max_age_days} 天以上"))
    if taken - subject.reported_at > CLOCK_SKEW:
        flags.append(Flag("after_receipt", f"拍摄时间 {day} 晚于上传时间 {day_text(subject.reported_at)}"))
    return flags, []


def _judge_reuse(facts: PhotoFacts, subject: Subject, earlier: list[Earlier], limits: Thresholds) -> list[Flag]:
    """One flag naming the closest earlier photo of another centre or milestone (the same picture again
    for the same milestone of the same centre is a repeated report, not a reuse)."""
    bits: dict[tuple[str, str], int] = {}
    for e in earlier:
        if (e.centre_id, e.key) != (subject.centre_id, subject.key):
            distance = closeness(facts.hashes, e.phash, e.variant)
            if distance <= limits.duplicate_max_bits:
                bits[(e.centre_id, e.key)] = min(distance, bits.get((e.centre_id, e.key), distance))
    if not bits:
        return []
    by_place = {(e.centre_id, e.key): e for e in earlier}
    closest = by_place[min(bits, key=lambda place: (bits[place], by_place[place].office != subject.office, place))]
    if closest.centre_id == subject.centre_id:
        where = "本中心"
    elif closest.office == subject.office:
        where = closest.centre_name
    else:
        where = f"{closest.office}{closest.centre_name}"
    more = f"（另有 {len(bits) - 1} 处相同）" if len(bits) > 1 else ""
    return [Flag("duplicate", f"与{where}“{closest.milestone_title}”的照片相同{more}")]
