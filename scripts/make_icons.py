"""Draw the home-screen icons of the cockpit into assets/icons/ (plain Python, no imaging library).

A white map pin on the Bootstrap blue: ``icon-192.png`` and ``icon-512.png`` with rounded corners
(purpose "any"), ``icon-maskable-512.png`` full bleed with the pin inside the safe zone (Android
crops it to its own shape) and ``apple-touch-icon.png`` (180 px, opaque: iOS rounds it itself).
Run ``python scripts/make_icons.py`` after changing the drawing; the PNGs are committed.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "assets" / "icons"
BLUE = (13, 110, 253)
WHITE = (255, 255, 255)
SAMPLES = 4  # per axis: 16 samples per pixel smooth the edges


def _inside_pin(x: float, y: float, scale: float) -> str | None:
    """Which part of the pin a point of the unit square falls on ('pin', 'hole' or None)."""
    # Scale about the centre, so the maskable icon keeps the pin in its safe zone.
    x, y = 0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale
    cx, cy, r, apex = 0.5, 0.41, 0.21, 0.82
    d2 = (x - cx) ** 2 + (y - cy) ** 2
    if d2 <= 0.085**2:
        return "hole"
    if d2 <= r * r:
        return "pin"
    if cy <= y <= apex and abs(x - cx) <= r * (apex - y) / (apex - cy):
        return "pin"
    return None


def _inside_square(x: float, y: float, radius: float) -> bool:
    """Whether a point lies in the unit square with corners rounded by ``radius``."""
    qx, qy = min(x, 1 - x), min(y, 1 - y)
    if qx >= radius or qy >= radius:
        return 0 <= x <= 1 and 0 <= y <= 1
    return (qx - radius) ** 2 + (qy - radius) ** 2 <= radius * radius


def draw(size: int, *, radius: float, scale: float) -> bytes:
    """Return the RGBA rows of one icon (each row prefixed by PNG filter byte 0)."""
    rows = bytearray()
    step = 1 / (size * SAMPLES)
    for py in range(size):
        rows.append(0)
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    y = (py * SAMPLES + sy + 0.5) * step
                    if not _inside_square(x, y, radius):
                        continue
                    colour = WHITE if _inside_pin(x, y, scale) == "pin" else BLUE
                    acc[0] += colour[0]
                    acc[1] += colour[1]
                    acc[2] += colour[2]
                    acc[3] += 1
            n = SAMPLES * SAMPLES
            if acc[3]:
                rows += bytes(round(acc[i] / acc[3]) for i in range(3))
            else:
                rows += bytes(3)
            rows.append(round(255 * acc[3] / n))
    return bytes(rows)


def png(size: int, rgba_rows: bytes) -> bytes:
    """Encode RGBA rows as a PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rgba_rows, 9))
        + chunk(b"IEND", b"")
    )


VARIANTS = {
    "icon-192.png": (192, 0.2, 1.0),
    "icon-512.png": (512, 0.2, 1.0),
    "icon-maskable-512.png": (512, 0.0, 0.78),
    "apple-touch-icon.png": (180, 0.0, 0.9),
}


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, (size, radius, scale) in VARIANTS.items():
        (ICONS / name).write_bytes(png(size, draw(size, radius=radius, scale=scale)))
        print(f"wrote {ICONS / name}")


if __name__ == "__main__":
    main()
