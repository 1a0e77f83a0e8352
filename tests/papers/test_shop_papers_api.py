"""The shop's logo and promotional insert over the API: real images checked by Pillow, bad ones
refused with 422 and nothing stored, what is kept re-encoded as PNG without the upload's metadata."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.test import Client
from PIL import Image

from shipdesk.accounts.models import Seller
from tests.papers.paper_images import INSERT_COLOUR, LOGO_COLOUR, image_bytes

pytestmark = pytest.mark.usefixtures("media")


def upload(api, path: str, files: dict, data: dict | None = None):
    """A multipart POST with the API's bearer token (the JSON helper cannot send files)."""
    client: Client = api.client
    return client.post(f"/api/v1{path}", {**(data or {}), **files}, headers=api.headers)


def named(content: bytes, name: str = "logo.png") -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` pixels: a decompression bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_seller_sets_a_png_logo_and_it_is_stored_as_a_png(seller, seller_api):
    response = upload(seller_api, "/shop/logo", {"file": named(image_bytes(LOGO_COLOUR))})

    assert response.status_code == 200, response.content
    assert response.json() == {"logo": True, "insert_enabled": False, "insert_text": "", "insert_image": False}
    stored = Seller.objects.get(pk=seller.pk).logo
    with stored.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        assert image.format == "PNG" and image.size == (300, 100)
    assert seller_api.get("/shop/papers").json()["logo"] is True


def test_a_jpeg_logo_is_kept_as_png_without_its_exif_metadata(seller, seller_api):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    jpeg = image_bytes(LOGO_COLOUR, fmt="JPEG", exif=exif.tobytes())
    assert b"SecretCam" in jpeg

    assert upload(seller_api, "/shop/logo", {"file": named(jpeg, "logo.jpg")}).status_code == 200

    with Seller.objects.get(pk=seller.pk).logo.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"\x89PNG") and b"SecretCam" not in stored
    assert "exif" not in Image.open(io.BytesIO(stored)).info


@pytest.mark.parametrize(
    "content, name",
    [
        (b"not an image at all", "logo.png"),
        (image_bytes(LOGO_COLOUR, fmt="GIF"), "logo.gif"),
        (image_bytes(LOGO_COLOUR)[:60], "truncated.png"),
        (png_claiming(20_000, 20_000), "bomb.png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 1_000_001, "huge.png"),
        (b"", "empty.png"),
    ],
    ids=["text", "gif", "truncated", "decompression-bomb", "over-1-MB", "empty"],
)
def test_a_bad_image_is_refused_with_422_and_nothing_is_stored(seller, seller_api, media, content, name):
    response = upload(seller_api, "/shop/logo", {"file": named(content, name)})

    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert "file" in response.json()["error"]["details"]
    assert not Seller.objects.get(pk=seller.pk).logo
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_replacing_and_removing_the_logo_leaves_no_old_file_behind(
    seller, seller_api, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(seller_api, "/shop/logo", {"file": named(image_bytes(LOGO_COLOUR))})
    with django_capture_on_commit_callbacks(execute=True):
        upload(seller_api, "/shop/logo", {"file": named(image_bytes(INSERT_COLOUR))})
    assert len([p for p in media.rglob("*") if p.is_file()]) == 1

    with django_capture_on_commit_callbacks(execute=True):
        removed = seller_api._call("delete", "/shop/logo")

    assert removed.status_code == 200 and removed.json()["logo"] is False
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_a_post_without_its_file_or_text_is_refused(seller, seller_api):
    assert seller_api.post("/shop/logo").status_code in (400, 422)
    assert seller_api.post("/shop/insert").status_code in (400, 422)
    assert upload(seller_api, "/shop/logo", {}, {"other": "x"}).status_code == 422
    assert not Seller.objects.get(pk=seller.pk).logo


def test_a_platform_token_has_no_shop_to_set_a_logo_for(platform_api):
    response = upload(platform_api, "/shop/logo", {"file": named(image_bytes())})

    assert response.status_code == 403


def test_the_insert_is_set_with_text_and_a_picture_and_turned_off(seller, seller_api):
    response = upload(
        seller_api,
        "/shop/insert",
        {"image": named(image_bytes(INSERT_COLOUR, fmt="JPEG"), "promo.jpg")},
        {"text": "Spring sale\n20% off with SPRING20"},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "logo": False,
        "insert_enabled": True,
        "insert_text": "Spring sale\n20% off with SPRING20",
        "insert_image": True,
    }

    text_only = upload(seller_api, "/shop/insert", {}, {"text": "New text", "remove_image": "true"})
    assert text_only.json()["insert_image"] is False and text_only.json()["insert_text"] == "New text"

    off = seller_api._call("delete", "/shop/insert")
    assert off.json()["insert_enabled"] is False


@pytest.mark.parametrize(
    "text, field", [("x" * 2001, "text"), ("bell \x07", "text")], ids=["too-long", "control-character"]
)
def test_an_insert_text_out_of_bounds_is_refused(seller, seller_api, text, field):
    response = upload(seller_api, "/shop/insert", {}, {"text": text})

    assert response.status_code == 422 and field in response.json()["error"]["details"]
    assert Seller.objects.get(pk=seller.pk).insert_text == ""


def test_an_insert_picture_that_is_no_image_is_refused(seller, seller_api):
    response = upload(seller_api, "/shop/insert", {"image": named(b"%PDF-1.4", "x.png")}, {"text": "Hi"})

    assert response.status_code == 422 and "image" in response.json()["error"]["details"]
    assert Seller.objects.get(pk=seller.pk).insert_text == ""
