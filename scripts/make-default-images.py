#!/usr/bin/env python3
"""Draws the built-in share image (static/share.png, 1200x630) and icon (static/favicon.ico).

Python's standard library only, so anyone can run it again: `python3 scripts/make-default-images.py`.
The pictures carry no text: they are the default of every site, whatever its name; a site
replaces them with static/share.png and static/favicon.ico in its own folder.
"""

import struct
import zlib
from pathlib import Path

PAPER = (0xFB, 0xFA, 0xF7)
ACCENT = (0x2F, 0x4F, 0x4F)
MUTED = (0x5A, 0x5A, 0x55)
LINE = (0xDC, 0xD8, 0xCF)
WHITE = (0xFF, 0xFF, 0xFF)


class Canvas:
    def __init__(self, width, height, fill, alpha=255):
        self.width, self.height = width, height
        self.pixels = [[(*fill, alpha)] * width for _ in range(height)]

    def rounded_rect(self, x0, y0, x1, y1, radius, colour):
        """Fills [x0, x1) x [y0, y1) with corners of `radius`, antialiased by 4x4 sampling."""
        for y in range(max(0, int(y0)), min(self.height, int(y1) + 1)):
            for x in range(max(0, int(x0)), min(self.width, int(x1) + 1)):
                inside = 0
                for sy in range(4):
                    for sx in range(4):
                        px, py = x + (sx + 0.5) / 4, y + (sy + 0.5) / 4
                        if not (x0 <= px < x1 and y0 <= py < y1):
                            continue
                        cx = min(max(px, x0 + radius), x1 - radius)
                        cy = min(max(py, y0 + radius), y1 - radius)
                        if (px - cx) ** 2 + (py - cy) ** 2 <= radius**2:
                            inside += 1
                if inside:
                    self.blend(x, y, colour, inside / 16)

    def circle(self, cx, cy, r, colour):
        self.rounded_rect(cx - r, cy - r, cx + r, cy + r, r, colour)

    def blend(self, x, y, colour, coverage):
        r, g, b, a = self.pixels[y][x]
        nr, ng, nb = (round(c * coverage + o * (1 - coverage)) for c, o in zip(colour, (r, g, b)))
        self.pixels[y][x] = (nr, ng, nb, max(a, round(255 * coverage)))

    def png(self):
        raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in self.pixels)

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 6, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def share_image():
    canvas = Canvas(1200, 630, PAPER)
    canvas.rounded_rect(0, 0, 1200, 24, 0, ACCENT)
    # A short list, its first line marked: a waitlist, quietly.
    rows = [(195, 360, 22, ACCENT), (290, 300, 16, MUTED), (370, 260, 16, LINE), (450, 220, 16, LINE)]
    for y, length, half, colour in rows:
        canvas.circle(370, y, half, colour)
        canvas.rounded_rect(420, y - half, 420 + length, y + half, half, colour)
    return canvas.png()


def icon(size):
    canvas = Canvas(size, size, ACCENT, alpha=0)
    canvas.rounded_rect(0, 0, size, size, size / 6, ACCENT)
    unit = size / 16
    for row, length in enumerate((10, 8, 6)):
        top = (4 + 3 * row) * unit
        canvas.rounded_rect(3 * unit, top, (3 + length) * unit, top + 2 * unit, unit / 2, WHITE)
    return canvas.png()


def ico(images):
    """An .ico holding PNG images (read by every current browser)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, data = b"", b""
    for size, png in images:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + entries + data


if __name__ == "__main__":
    static = Path(__file__).resolve().parent.parent / "static"
    (static / "share.png").write_bytes(share_image())
    (static / "favicon.ico").write_bytes(ico([(s, icon(s)) for s in (16, 32, 48)]))
