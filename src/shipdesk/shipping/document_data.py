"""What the packing-bench papers show (`documents` renders them): plain data, no ReportLab.

Apart from `documents` so that building it (`selectors.document_orders`) and importing the
endpoints that serve PDFs does not load ReportLab: a web worker loads it at its first PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DocumentLine:
    sku: str
    title: str
    quantity: int  # open quantity: what goes into the box
    bin_location: str = ""
    handling: tuple[str, ...] = ()  # the product's handling notes, as printed ("Fragile", "Keep dry")


@dataclass(frozen=True)
class DocumentShipment:
    carrier: str  # display name
    service: str  # display name
    tracking_number: str
    sandbox: bool = False


@dataclass(frozen=True)
class DocumentOrder:
    order_id: int
    number: int
    placed_at: datetime  # in the seller's timezone
    shop_name: str
    shop_email: str
    shop_country: str  # ISO code
    thank_you_note: str
    customer_note: str
    ship_to: tuple[str, ...]  # address lines, name first
    lines: tuple[DocumentLine, ...]
    shipment: DocumentShipment | None  # the first parcel, None before any has left
    shop_timezone: str = "UTC"  # IANA name: the shop's clock, for times printed on its papers
    parcels: tuple[DocumentShipment, ...] = ()  # every parcel of the order's own lines, in the order they left
    logo: bytes | None = None  # the shop's logo, a checked PNG (accounts.shop_images)
    is_gift: bool = False
    gift_message: str = ""
    # The shop's promotional insert: a page after the slip when either is set.
    insert_text: str = ""
    insert_image: bytes | None = None

    @property
    def has_insert(self) -> bool:
        return bool(self.insert_text.strip() or self.insert_image)


@dataclass(frozen=True)
class PostageLabel:
    """A carrier label as the sandbox label provider prints it (`documents.postage_label_pdf`)."""

    sender: tuple[str, ...]  # the shop's ship-from address lines
    recipient: tuple[str, ...]  # the customer's address lines, name first
    carrier: str  # display name
    service: str  # display name
    tracking_number: str
    weight_grams: int
    reference: str  # "Order #1042"
    postage: str  # "7.45 USD"
    sandbox: bool = False
