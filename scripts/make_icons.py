"""Draw the phone page's app icons into static/icons/ (run once; the PNGs are committed).

    python3 scripts/make_icons.py

Standard library only (zlib and struct write the PNGs), so drawing the icons adds no dependency.
The motif is a pair -- the clinician and the officer of a co-responder unit -- in white and
light blue on the header's navy (``--brand`` in static/css/app.css). Sizes and purposes are
what Chromium asks of an installable app (192 and 512 px; a maskable one whose motif stays
inside the central circle of 80 % that every launcher's mask keeps), plus the 180 px icon iOS
puts on the home screen and a white-on-transparent badge for the notification bar.
"""

import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
NAVY = (0x1E, 0x3A, 0x5F)
WHITE = (0xFF, 0xFF, 0xFF)
LIGHT_BLUE = (0x93, 0xC5, 0xFD)
SAMPLES = 4  # per pixel and axis: edges are anti-aliased by averaging 16 samples


def person(x: float, y: float, cx: float) -> bool:
    """A head and shoulders centred on ``cx``, in a unit square (y down)."""
    head = (x - cx) ** 2 + (y - 0.38) ** 2 <= 0.105**2
    shoulders = y >= 0.56 and y <= 0.74 and (x - cx) ** 2 + (y - 0.74) ** 2 <= 0.2**2
    return head or shoulders


def motif(x: float, y: float):
    """The colour of the pair at (x, y) in a unit square, or None outside it: the officer in
    front on the right, the clinician behind on the left."""
    if person(x, y, 0.62):
        return WHITE
    if person(x, y, 0.38):
        return LIGHT_BLUE
    return None


def inside_rounded_square(x: float, y: float, radius: float) -> bool:
    dx = max(radius - x, 0.0, x - (1 - radius))
    dy = max(radius - y, 0.0, y - (1 - radius))
    return dx * dx + dy * dy <= radius * radius


def draw(size: int, *, scale: float, background: str, monochrome: bool = False) -> list[bytes]:
    """Rows of RGBA pixels. ``scale`` shrinks the motif about the centre (the maskable icon's
    safe zone); ``background`` is "full" (full bleed), "rounded" or "none" (transparent)."""
    rows = []
    step = 1 / (size * SAMPLES)
    for py in range(size):
        row = bytearray([0])  # PNG filter type 0 for the row
        for px in range(size):
            r = g = b = a = 0.0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    y = (py * SAMPLES + sy + 0.5) * step
                    colour = motif(0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale)
                    if monochrome and colour is not None:
                        colour = WHITE
                    if colour is None and (
                        background == "full" or (background == "rounded" and inside_rounded_square(x, y, 0.22))
                    ):
                        colour = NAVY
                    if colour is not None:
                        r, g, b, a = r + colour[0], g + colour[1], b + colour[2], a + 1
            n = SAMPLES * SAMPLES
            if a:
                row += bytes((round(r / a), round(g / a), round(b / a), round(255 * a / n)))
            else:
                row += bytes((0, 0, 0, 0))
        rows.append(bytes(row))
    return rows


def png(size: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


ICON_SET = {
    # name: (size, motif scale, background, monochrome)
    "icon-192.png": (192, 0.9, "rounded", False),
    "icon-512.png": (512, 0.9, "rounded", False),
    "icon-maskable-512.png": (512, 0.72, "full", False),
    "apple-touch-icon.png": (180, 0.85, "full", False),
    "badge-96.png": (96, 1.0, "none", True),
}


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, (size, scale, background, monochrome) in ICON_SET.items():
        (ICONS / name).write_bytes(png(size, draw(size, scale=scale, background=background, monochrome=monochrome)))
        print(f"wrote static/icons/{name}")


if __name__ == "__main__":
    main()
