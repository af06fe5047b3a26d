"""Static files the server itself serves: the vendored Bootstrap, and a blank base-map tile
for when public tiles cannot be reached (no network, tests)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import flask_bootstrap
from flask import Blueprint, Response, send_from_directory

BOOTSTRAP_DIR = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"

static_files = Blueprint("static_files", __name__)


def _solid_png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """Encode a one-colour square PNG (the blank base-map tile)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size, 9))
        + chunk(b"IEND", b"")
    )


# Served as the base map when public tiles cannot be reached (no network, tests).
BLANK_TILE = _solid_png(256, (236, 238, 241))


@static_files.route("/vendor/bootstrap/<path:filename>")
def vendor_bootstrap(filename: str):
    return send_from_directory(BOOTSTRAP_DIR, filename, max_age=86400)


@static_files.route("/tiles/blank/<int:z>/<int:x>/<int:y>.png")
def blank_tile(z: int, x: int, y: int):
    return Response(BLANK_TILE, mimetype="image/png", headers={"Cache-Control": "max-age=86400"})
