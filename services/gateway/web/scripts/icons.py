"""The app's icons (public/icon-*.png), drawn here with Pillow and a CJK font of this machine.

Run from services/gateway/web: ``python scripts/icons.py`` (the PNGs are committed; rerun after a change).
"""
import os
import subprocess

from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "public")
BLUE, WHITE = (11, 92, 173), (255, 255, 255)


def cjk_font():
    path = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC:bold"], capture_output=True, text=True).stdout
    return path.strip()


def icon(size, maskable=False):
    image = Image.new("RGB", (size, size), BLUE)
    draw = ImageDraw.Draw(image)
    inset = size // 10 if maskable else 0  # a maskable icon keeps its mark inside the safe circle
    if not maskable:
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=BLUE)
    font = ImageFont.truetype(cjk_font(), int((size - 2 * inset) * 0.62))
    draw.text((size / 2, size / 2), "文", font=font, fill=WHITE, anchor="mm")
    return image


if __name__ == "__main__":
    for size in (192, 512):
        icon(size).save(os.path.join(OUT, f"icon-{size}.png"), optimize=True)
    icon(512, maskable=True).save(os.path.join(OUT, "icon-maskable-512.png"), optimize=True)
    icon(180).save(os.path.join(OUT, "apple-touch-icon.png"), optimize=True)
