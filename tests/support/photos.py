"""Photos made by the tests themselves: a street scene with a building, written as JPEG or HEIC with the
EXIF a phone would write (capture time, its offset, GPS). Used by the unit tests of shared/photos.py and
by the integration and browser tests of the evidence checks."""
import io
import random
from datetime import datetime

from PIL import Image, ImageDraw, ImageFilter

# the Jinshui district, Zhengzhou (WGS-84) and a point about 2 km to its north-east
CENTRE = (34.7466, 113.6253)
TWO_KM_AWAY = (34.7593, 113.6425)


def scene(seed=1, size=(1600, 1200), noise=0):
    """A street: sky with clouds, a row of buildings with windows, trees, a road with cars, laid out by
    ``seed``. Two seeds give two photos of a similar scene (same palette and kind of content, different
    layout). ``noise`` adds per-pixel grain, so a photo can be as large as a camera's (several MB)."""
    rnd = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rnd.uniform(0.5, 0.7))
    for y in range(horizon):  # sky gradient
        t = y / horizon
        draw.line([(0, y), (width, y)], fill=(int(120 + 80 * t), int(170 + 60 * t), 235))
    for _ in range(rnd.randint(2, 6)):  # clouds
        cx, cy, r = rnd.uniform(0, width), rnd.uniform(0, horizon * 0.5), rnd.uniform(40, 160)
        draw.ellipse([cx - 2 * r, cy - r, cx + 2 * r, cy + r], fill=(245, 245, 250))
    draw.rectangle([0, horizon, width, height], fill=(110, 105, 95))
    x = rnd.uniform(-80, 0)
    while x < width:  # buildings side by side, of varied widths, heights and colours
        w = rnd.uniform(width * 0.12, width * 0.35)
        top = rnd.uniform(horizon * 0.1, horizon * 0.8)
        colour = (rnd.randint(90, 235), rnd.randint(80, 200), rnd.randint(70, 180))
        draw.rectangle([x, top, x + w, horizon], fill=colour)
        rows, cols = rnd.randint(1, 8), rnd.randint(2, 6)
        cell_w, cell_h = w / cols, (horizon - top) / (rows + 1)
        glass = (rnd.randint(30, 90), rnd.randint(50, 110), rnd.randint(80, 140))
        for r in range(rows):
            for c in range(cols):
                x0, y0 = x + c * cell_w + cell_w * 0.2, top + r * cell_h + cell_h * 0.3
                draw.rectangle([x0, y0, x0 + cell_w * 0.6, y0 + cell_h * 0.5], fill=glass)
        x += w + rnd.uniform(0, width * 0.08)
    road = horizon + (height - horizon) * rnd.uniform(0.3, 0.6)
    draw.rectangle([0, road, width, road + (height - road) * 0.5], fill=(60, 60, 65))
    for _ in range(rnd.randint(1, 5)):  # cars
        cx = rnd.uniform(0, width)
        draw.rectangle([cx, road + 20, cx + 180, road + 90], fill=(rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255)))
    for _ in range(rnd.randint(1, 4)):  # trees
        tx, size_ = rnd.uniform(0, width), rnd.uniform(80, 200)
        draw.rectangle([tx - 12, horizon - size_, tx + 12, horizon + 30], fill=(80, 60, 40))
        draw.ellipse([tx - size_, horizon - 3 * size_, tx + size_, horizon - size_ * 0.6], fill=(50, 120, 60))
    image = image.filter(ImageFilter.GaussianBlur(2))
    if noise:
        grain = Image.effect_noise(size, noise).convert("RGB")
        image = Image.blend(image, grain, 0.12)
    return image


def exif_for(taken_at=None, position=None, offset=True):
    """EXIF as a phone writes it: DateTimeOriginal (+ OffsetTimeOriginal) and the GPS IFD."""
    exif = Image.Exif()
    if taken_at is not None:
        fields = {0x9003: taken_at.strftime("%Y:%m:%d %H:%M:%S")}
        if offset and taken_at.utcoffset() is not None:
            minutes = int(taken_at.utcoffset().total_seconds() // 60)
            sign = "-" if minutes < 0 else "+"
            fields[0x9011] = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        exif.get_ifd(0x8769).update(fields)
    if position is not None:
        exif.get_ifd(0x8825).update({1: "N" if position[0] >= 0 else "S", 2: _dms(position[0]),
                                     3: "E" if position[1] >= 0 else "W", 4: _dms(position[1])})
    return exif


def _dms(value):
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)


def jpeg(image, exif=None, quality=92):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def heic(image, exif=None, quality=80):
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    image.save(out, "HEIF", quality=quality, **({"exif": exif.tobytes()} if exif is not None else {}))
    return out.getvalue()


def reworked(image):
    """The same picture as it travels: re-encoded at quality 60, resized to half, cropped by 10%
    (5% off each side), without its EXIF (WeChat strips it)."""
    half = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
    dx, dy = int(half.width * 0.05), int(half.height * 0.05)
    cropped = half.crop((dx, dy, half.width - dx, half.height - dy))
    return Image.open(io.BytesIO(jpeg(cropped, quality=60)))


def local(*parts):
    """A datetime in China Standard Time."""
    from datetime import timedelta, timezone

    return datetime(*parts, tzinfo=timezone(timedelta(hours=8)))
