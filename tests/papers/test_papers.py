"""The papers a seller prints (issue 18): the shop's logo, gift slips and gift messages, handling
notes per product and the promotional insert.

Every PDF is real: rendered to pixels with poppler (pdftoppm) to see the logo and the insert's
picture drawn, and read back as text (pdftotext) for what it says and where.
"""

from __future__ import annotations

import re

import pytest

from shipdesk.accounts import services as accounts
from shipdesk.accounts.services import create_api_token
from shipdesk.inventory.models import Product
from tests.builders import Api
from tests.papers.paper_images import (
    INSERT_COLOUR,
    LOGO_COLOUR,
    colour_share,
    image_bytes,
    rendered_page,
)
from tests.shipping.test_documents import get_pdf, post_pdf, squeeze

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def shop(seller, make_product):
    seller.name = "Acme Ceramics"
    seller.save(update_fields=["name"])
    make_product(seller, "MUG-1", on_hand=500, title="Stoneware mug")
    make_product(seller, "TOTE", on_hand=500, title="Canvas tote")
    make_product(seller, "JAM", on_hand=500, title="Plum jam")
    Product.objects.filter(seller=seller, sku="MUG-1").update(handling_notes=["fragile", "this_side_up"])
    Product.objects.filter(seller=seller, sku="JAM").update(handling_notes=["perishable"], bin_location="A-1")
    return seller


def _tax_id(api: Api):
    # The test shop's country does not require invoices: it issues them by its own choice.
    assert api._call("put", "/invoice-settings", {"tax_id": "GB123456789", "issuing": "always"}).status_code == 200


# --- the logo -------------------------------------------------------------------------------


def test_the_logo_is_drawn_in_the_header_of_the_packing_slip_and_the_gift_slip(shop, place, seller_api, tmp_path):
    order = place(shop, is_gift=True, gift_message="Happy birthday!")
    accounts.set_shop_logo(seller_id=shop.pk, content=image_bytes(LOGO_COLOUR, (600, 200)))

    for path in (f"/orders/{order.pk}/packing-slip.pdf", f"/orders/{order.pk}/gift-slip.pdf"):
        page = rendered_page(get_pdf(seller_api, path), tmp_path)
        assert colour_share(page, LOGO_COLOUR, top=0, bottom=0.2) > 0.01, path  # in the header
        assert colour_share(page, LOGO_COLOUR, top=0.2, bottom=1) == 0, path  # and nowhere else


def test_without_a_logo_the_papers_draw_none(shop, place, seller_api, tmp_path):
    order = place(shop)

    page = rendered_page(get_pdf(seller_api, f"/orders/{order.pk}/packing-slip.pdf"), tmp_path)

    assert colour_share(page, LOGO_COLOUR) == 0


def test_the_logo_is_drawn_on_the_invoice_and_the_credit_note(shop, place, seller_api, tmp_path):
    from shipdesk.orders import services as orders
    from tests.builders import SELLER_ACTOR

    _tax_id(seller_api)
    accounts.set_shop_logo(seller_id=shop.pk, content=image_bytes(LOGO_COLOUR, (400, 400), fmt="JPEG"))
    order = place(shop, lines=(("MUG-1", 2, "12.50"), ("TOTE", 1, "8.00")))
    assert seller_api.post(f"/orders/{order.pk}/invoice").status_code == 200
    tote = order.lines.get(sku="TOTE")
    orders.cancel_line(
        order_id=order.pk, seller_id=shop.pk, line_id=tote.pk, quantity=1, actor=SELLER_ACTOR, reason="out_of_stock"
    )
    (note,) = seller_api.get(f"/orders/{order.pk}/credit-notes").json()

    invoice = get_pdf(seller_api, f"/orders/{order.pk}/invoice.pdf")
    credit_note = get_pdf(seller_api, f"/orders/{order.pk}/credit-notes/{note['id']}.pdf")

    for content in (invoice, credit_note):
        page = rendered_page(content, tmp_path)
        assert colour_share(page, LOGO_COLOUR, top=0, bottom=0.2) > 0.01


# --- gifts ----------------------------------------------------------------------------------


def test_a_gift_slip_shows_the_message_and_the_items_and_no_price_or_total(shop, place, seller_api, pdf):
    order = place(
        shop,
        lines=(("MUG-1", 2, "12.50"), ("TOTE", 1, "17.25")),
        is_gift=True,
        gift_message="Happy birthday, Grace! Love, Ada",
    )

    slip = get_pdf(seller_api, f"/orders/{order.pk}/gift-slip.pdf")

    assert pdf.pages(slip) == 1
    text = squeeze(pdf.text(slip))
    assert "Acme Ceramics" in text and f"Gift slip · Order #{order.number}" in text
    assert "Happy birthday, Grace! Love, Ada" in text
    assert re.search(r"Stoneware mug 2", text) and re.search(r"Canvas tote 1", text)
    # No price, no total, no currency: not the lines', not the shipping's, not the sum.
    for money in ("12.50", "17.25", "25.00", "4.99", "46.74", "$", "USD", "Total", "total", "Subtotal"):
        assert money not in text, money


def test_the_packing_slip_of_a_gift_order_says_so_and_prints_the_message(shop, place, seller_api, pdf):
    gift = place(shop, is_gift=True, gift_message="For the new flat")
    plain = place(shop)

    gift_text = squeeze(pdf.text(get_pdf(seller_api, f"/orders/{gift.pk}/packing-slip.pdf")))
    plain_text = squeeze(pdf.text(get_pdf(seller_api, f"/orders/{plain.pk}/packing-slip.pdf")))

    assert "This is a gift" in gift_text and "For the new flat" in gift_text
    assert "This is a gift" not in plain_text


def test_a_gift_message_alone_makes_the_order_a_gift(shop, place):
    order = place(shop, gift_message="  Enjoy!  ")

    assert order.is_gift is True and order.gift_message == "Enjoy!"


def test_the_intake_api_takes_a_gift_and_its_message_and_shows_them_on_the_order(seller, product, seller_api):
    from tests.builders import order_payload

    created = seller_api.post("/orders", order_payload(is_gift=True, gift_message="Congratulations & <3"))

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["is_gift"] is True and body["gift_message"] == "Congratulations & <3"
    again = seller_api.get(f"/orders/{body['id']}").json()
    assert again["is_gift"] is True and again["gift_message"] == "Congratulations & <3"


@pytest.mark.parametrize(
    "message", ["two\nlines", "x" * 301, "bidi \u202e override"], ids=["line-break", "too-long", "bidi"]
)
def test_a_gift_message_that_is_not_one_short_line_is_refused_and_nothing_is_placed(
    seller, product, seller_api, message
):
    from shipdesk.orders.models import Order
    from tests.builders import order_payload

    response = seller_api.post("/orders", order_payload(is_gift=True, gift_message=message))

    assert response.status_code == 422, response.content
    assert "gift_message" in response.json()["error"]["details"]
    assert not Order.objects.exists()


def test_another_sellers_order_is_404_for_the_gift_slip(shop, place, make_seller):
    order = place(shop, is_gift=True)
    outsider = Api(create_api_token(name="other", seller=make_seller("other")).token)

    response = outsider.get(f"/orders/{order.pk}/gift-slip.pdf")

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# --- handling notes -------------------------------------------------------------------------


TITLES = ("Stoneware mug", "Canvas tote", "Plum jam")


def _row_of(text: str, title: str) -> str:
    """The text of one item's row: from its title to the next item's title (or the end)."""
    start = text.index(title)
    ends = [text.index(other) for other in TITLES if other != title and text.index(other) > start]
    return text[start : min(ends, default=len(text))]


def test_handling_notes_print_under_their_own_line_on_the_packing_slip_and_the_pick_list(shop, place, seller_api, pdf):
    order = place(shop, lines=(("MUG-1", 1, "12.50"), ("TOTE", 1, "12.50"), ("JAM", 3, "4.00")))

    slip = pdf.text(get_pdf(seller_api, f"/orders/{order.pk}/packing-slip.pdf"))
    pick = pdf.text(post_pdf(seller_api, "/documents/pick-list", [order.pk]))

    for text in (slip, pick):
        assert "Handling: Fragile · This side" in _row_of(text, "Stoneware mug")  # wraps in the pick list
        assert "Handling: Perishable" in _row_of(text, "Plum jam")
        assert "Handling" not in _row_of(text, "Canvas tote")
        assert text.count("Handling:") == 2


def test_the_product_api_sets_handling_notes_in_the_sets_order_and_refuses_unknown_ones(seller, seller_api):
    created = seller_api.post(
        "/products",
        {
            "sku": "VASE",
            "title": "Vase",
            "price": "30.00",
            "currency": "USD",
            "handling_notes": ["keep_dry", "fragile"],
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["handling_notes"] == ["fragile", "keep_dry"]

    changed = seller_api.patch("/products/VASE", {"handling_notes": ["this_side_up", "this_side_up"]})
    assert changed.status_code == 200 and changed.json()["handling_notes"] == ["this_side_up"]

    refused = seller_api.patch("/products/VASE", {"handling_notes": ["explosive"]})
    assert refused.status_code == 422
    assert [*refused.json()["error"]["details"]] == ["handling_notes.0"]
    assert Product.objects.get(sku="VASE").handling_notes == ["this_side_up"]

    cleared = seller_api.patch("/products/VASE", {"handling_notes": []})
    assert cleared.json()["handling_notes"] == []


# --- the promotional insert ------------------------------------------------------------------


def test_no_insert_page_is_printed_until_the_shop_sets_one(shop, place, seller_api, pdf):
    order = place(shop)

    assert pdf.pages(get_pdf(seller_api, f"/orders/{order.pk}/packing-slip.pdf")) == 1


def test_the_insert_is_its_own_page_after_each_slip_with_its_text_and_picture(shop, place, seller_api, pdf, tmp_path):
    accounts.set_promotional_insert(
        seller_id=shop.pk,
        text="10% off your next order\nCode: THANKYOU10",
        image=image_bytes(INSERT_COLOUR, (800, 400), fmt="JPEG"),
    )
    first, second = place(shop), place(shop)

    batch = post_pdf(seller_api, "/documents/packing-slips", [first.pk, second.pk])

    assert pdf.pages(batch) == 4
    assert f"Order #{first.number}" in pdf.text(batch, first=1, last=1)
    assert f"Order #{second.number}" in pdf.text(batch, first=3, last=3)
    for page in (2, 4):
        text = squeeze(pdf.text(batch, first=page, last=page))
        assert "10% off your next order Code: THANKYOU10" in text and "Order #" not in text
        assert colour_share(rendered_page(batch, tmp_path, page=page), INSERT_COLOUR) > 0.02
    assert colour_share(rendered_page(batch, tmp_path, page=1), INSERT_COLOUR) == 0


def test_turning_the_insert_off_prints_the_slip_alone_again(shop, place, seller_api, pdf):
    accounts.set_promotional_insert(seller_id=shop.pk, text="Spring sale")
    order = place(shop)
    assert pdf.pages(get_pdf(seller_api, f"/orders/{order.pk}/packing-slip.pdf")) == 2

    accounts.remove_promotional_insert(seller_id=shop.pk)

    assert pdf.pages(get_pdf(seller_api, f"/orders/{order.pk}/packing-slip.pdf")) == 1


# --- hostile text ----------------------------------------------------------------------------

LONG_WORD = "Z" * 400


def _longest_run(text: str, letter: str) -> int:
    return max((len(run) for run in re.findall(f"{letter}+", text)), default=0)


def test_hostile_text_prints_literally_and_long_words_wrap_inside_the_page(shop, place, seller_api, pdf):
    Product.objects.filter(seller=shop, sku="TOTE").update(title="Tote " + "W" * 250)
    accounts.set_promotional_insert(seller_id=shop.pk, text=f"<b>Bold?</b> & <font size=40>big</font>\n{LONG_WORD}")
    order = place(
        shop,
        lines=(("TOTE", 1, "12.50"),),
        is_gift=True,
        gift_message="<i>Love</i> & <br/> kisses " + "Q" * 260,
    )
    slip = get_pdf(seller_api, f"/orders/{order.pk}/packing-slip.pdf")
    gift = get_pdf(seller_api, f"/orders/{order.pk}/gift-slip.pdf")

    slip_text, gift_text = pdf.text(slip), pdf.text(gift)
    assert "<i>Love</i> & <br/> kisses" in squeeze(slip_text)
    assert "<i>Love</i> & <br/> kisses" in squeeze(gift_text)
    assert "<b>Bold?</b> & <font size=40>big</font>" in squeeze(pdf.text(slip, first=2, last=2))
    for text in (slip_text, gift_text):
        # Every letter printed, none lost off the page's edge, the word broken over lines.
        assert text.count("Q") >= 260 and 0 < _longest_run(text, "Q") < 260
        assert text.count("W") == 250 and 0 < _longest_run(text, "W") < 250
    insert_text = pdf.text(slip, first=2, last=2)
    assert insert_text.count("Z") == 400 and _longest_run(insert_text, "Z") < 400
