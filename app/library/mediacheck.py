"""Recognising uploaded photos and videos by their content, and checking a photo's structure."""

import struct
import zlib
from pathlib import Path
from typing import BinaryIO

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG markers that stand alone, without a length after them.
JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# ISO base media brands browsers play as MP4 (not QuickTime .mov, HEIC or AVIF images).
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash"}


def sniff_media(head: bytes) -> str | None:
    """The media type the first bytes show, among the allowed ones; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "video/webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        box = min(int.from_bytes(head[:4], "big"), len(head))
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, box - 3, 4)}
        if brands & MP4_BRANDS:
            return "video/mp4"
    return None


def well_formed(path: Path, media_type: str) -> bool:
    """Whether the stored file is built like the media type its first bytes claim.

    Photos are walked chunk by chunk: an HTML page or script given an image's first bytes
    (a polyglot) fails here. Videos keep the first-bytes check; every upload is served with
    its checked type, nosniff and a sandboxing policy, so none can run as a page.
    """
    with path.open("rb") as handle:
        if media_type == "image/png":
            return _png(handle, path.stat().st_size)
        if media_type == "image/jpeg":
            return _jpeg(handle)
        if media_type == "image/webp":
            return _webp(handle, path.stat().st_size)
    return True


def _png(handle: BinaryIO, size: int) -> bool:
    """Every chunk's length and CRC add up, IHDR comes first and IEND ends the file."""
    if handle.read(8) != PNG_SIGNATURE:
        return False
    first = True
    while True:
        header = handle.read(8)
        if len(header) < 8:
            return False
        length, kind = struct.unpack(">I4s", header)
        if length > size or not kind.isalpha():
            return False
        if first and kind != b"IHDR":
            return False
        first = False
        crc = zlib.crc32(kind)
        remaining = length
        while remaining:
            chunk = handle.read(min(remaining, 1 << 20))
            if not chunk:
                return False
            crc = zlib.crc32(chunk, crc)
            remaining -= len(chunk)
        stored = handle.read(4)
        if len(stored) < 4 or struct.unpack(">I", stored)[0] != crc & 0xFFFFFFFF:
            return False
        if kind == b"IEND":
            # Nothing may follow the image: that is where a polyglot hides its page.
            return handle.tell() == size


def _jpeg(handle: BinaryIO) -> bool:
    """The segments from the start of image to the start of the picture data are well formed."""
    if handle.read(2) != b"\xff\xd8":
        return False
    while True:
        marker = handle.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return False
        code = marker[1]
        while code == 0xFF:  # fill bytes before a marker
            byte = handle.read(1)
            if not byte:
                return False
            code = byte[0]
        if code in JPEG_STANDALONE:
            continue
        if code == 0xD9:  # end of image before any picture data
            return False
        raw = handle.read(2)
        if len(raw) < 2:
            return False
        length = struct.unpack(">H", raw)[0]
        if length < 2:
            return False
        if code == 0xDA:  # start of scan: the headers were all well formed
            return True
        skipped = handle.read(length - 2)
        if len(skipped) != length - 2:
            return False


def _webp(handle: BinaryIO, size: int) -> bool:
    """The RIFF container's declared size is the file's size (padded to an even length)."""
    header = handle.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        return False
    declared = struct.unpack("<I", header[4:8])[0] + 8
    return declared in (size, size - 1)
