"""Which files a message may carry: images and PDF only, told by their content, a few MB each.

Pure: the bytes decide, never the name or the declared type (a program renamed `photo.jpg` is
refused). The stored name is cleaned to one safe line; the served type is the one the content
proves (`sniff`), sent with `Content-Disposition: attachment` and `nosniff` by the views.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# (magic at offset 0, type, extension). WebP is RIFF....WEBP, checked apart.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"%PDF-", "application/pdf", "pdf"),
)
MAX_ATTACHMENTS = 5


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes


class AttachmentRefused(ValueError):
    """A file a message may not carry; the message says why, for the person who sent it."""


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) the bytes prove, or None for anything but an image or a PDF."""
    for magic, content_type, extension in _SIGNATURES:
        if content.startswith(magic):
            return content_type, extension
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def clean_filename(name: str, extension: str) -> str:
    """A name safe in a header and on any disk: no path, no control characters, the proven extension."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[^\w\- ]+", "_", stem, flags=re.UNICODE).strip(" ._")[:80] or "attachment"
    return f"{stem}.{extension}"


def check_file(*, filename: str, content: bytes, max_bytes: int) -> CheckedFile:
    """The file as it will be kept, or AttachmentRefused."""
    if len(content) > max_bytes:
        raise AttachmentRefused(
            f"{clean_filename(filename, 'x')[:-2] or 'A file'} is larger than {max_bytes // (1024 * 1024)} MB."
        )
    proven = sniff(content)
    if proven is None:
        raise AttachmentRefused(f"{filename or 'A file'} is not an image (JPEG, PNG, GIF, WebP) or a PDF.")
    content_type, extension = proven
    return CheckedFile(filename=clean_filename(filename, extension), content_type=content_type, content=content)
