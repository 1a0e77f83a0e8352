"""The shop's own settings over the API: the papers' logo and promotional insert (docs/papers.md).

Thin adapters: a seller token acts on its own shop (a platform token has no shop here: 403).
Images arrive as multipart uploads by POST, each replacing what was set: Django parses multipart
only for POST, and a PUT would need django-ninja's middleware parsing every non-JSON PUT, PATCH
and DELETE body of the whole site before the API's error handling sees it. An upload is read up
to one byte past the limit and handed to the service, which checks it (422 for anything that is
not a sensible PNG or JPEG).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.files import UploadedFile

from shipdesk.api.auth import token_of
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import PermissionDenied

from . import services
from .models import Seller
from .schemas import ShopPapersOut
from .shop_images import MAX_IMAGE_BYTES

router = Router(tags=["shop"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _shop_id(request: HttpRequest) -> int:
    token = token_of(request)
    if not token.seller_id:
        raise PermissionDenied("This endpoint needs a seller token: it acts on the token's own shop.")
    return token.seller_id


def _content(upload: UploadedFile) -> bytes:
    return upload.read(MAX_IMAGE_BYTES + 1)  # one byte past the limit is enough to refuse it


def papers_out(seller: Seller) -> dict:
    return {
        "logo": bool(seller.logo),
        "insert_enabled": bool(seller.insert_text or seller.insert_image),
        "insert_text": seller.insert_text,
        "insert_image": bool(seller.insert_image),
    }


@router.get("/papers", response={200: ShopPapersOut, **ERRORS}, summary="The shop's logo and promotional insert")
def papers(request: HttpRequest):
    return papers_out(Seller.objects.get(pk=_shop_id(request)))


@router.post("/logo", response={200: ShopPapersOut, **ERRORS}, summary="Set the logo printed on the shop's papers")
def put_logo(request: HttpRequest, file: File[UploadedFile]):
    """A PNG or JPEG of at most 1 MB and 4000 × 4000 pixels (multipart field `file`); stored
    re-encoded as PNG. Printed on packing slips, gift slips, invoices and credit notes."""
    seller = services.set_shop_logo(seller_id=_shop_id(request), content=_content(file))
    return papers_out(seller)


@router.delete("/logo", response={200: ShopPapersOut, **ERRORS}, summary="Print the papers without a logo")
def delete_logo(request: HttpRequest):
    return papers_out(services.remove_shop_logo(seller_id=_shop_id(request)))


@router.post(
    "/insert", response={200: ShopPapersOut, **ERRORS}, summary="Set the promotional insert printed after each slip"
)
def put_insert(
    request: HttpRequest,
    text: Form[str],
    remove_image: Form[bool] = False,
    image: File[UploadedFile] = None,
):
    """Multipart: `text` (required, may be empty; several lines, at most 2000 characters),
    optionally `image` (checked as the logo is) or `remove_image=true`. Without `image` the
    picture there is stays. Empty text and no picture turn the insert off."""
    seller = services.set_promotional_insert(
        seller_id=_shop_id(request),
        text=text,
        image=_content(image) if image is not None else None,
        remove_image=remove_image,
    )
    return papers_out(seller)


@router.delete("/insert", response={200: ShopPapersOut, **ERRORS}, summary="Stop printing the promotional insert")
def delete_insert(request: HttpRequest):
    return papers_out(services.remove_promotional_insert(seller_id=_shop_id(request)))
