"""Batch shipping: select processing orders, rate each with the shop's service, buy all, one PDF,
and a report per order of what failed and why (the API, the dashboard and the CLI)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from shipdesk.accounts.services import create_user, set_label_service
from shipdesk.earnings.models import LedgerEntry
from shipdesk.shipping.labels.models import Label, LabelBatch


def test_a_batch_buys_each_orders_label_with_the_shops_service_and_reports_the_one_it_could_not(
    label_shop, processing_order, place, seller_api, pdf
):
    set_label_service(seller_id=label_shop.pk, carrier="sandbox", service_level="express")
    orders = [processing_order(), processing_order()]
    pending = place(label_shop)  # not processing: reported, the others go on

    response = seller_api.post("/labels/batches", {"order_ids": [orders[0].pk, pending.pk, orders[1].pk]})

    assert response.status_code == 200, response.content
    batch = response.json()
    assert (batch["status"], batch["bought"], batch["failed"], batch["processed"]) == ("finished", 2, 1, 3)
    assert [entry["ok"] for entry in batch["report"]] == [True, False, True]
    assert batch["report"][1]["code"] == "invalid_transition"
    assert f"#{pending.number}" in batch["report"][1]["message"]
    labels = Label.objects.filter(order__in=orders, status="bought")
    assert {label.service_level for label in labels} == {"express"}
    printed = seller_api.get(batch["pdf_url"].removeprefix("/api/v1"))
    assert pdf.pages(printed.content) == 2
    numbers = [Label.objects.get(order=o, status="bought").tracking_number for o in orders]
    assert [pdf.barcodes(printed.content, page=page)[0] for page in (1, 2)] == numbers
    assert LedgerEntry.objects.filter(kind="postage").count() == 2


def test_a_long_batch_runs_as_a_job_and_shows_its_progress(label_shop, processing_order, seller_api, settings):
    from shipdesk.shipping.labels.tasks import run_label_batch

    settings.SHIPDESK_LABEL_BATCH_INLINE = 1
    orders = [processing_order(), processing_order()]

    started = seller_api.post("/labels/batches", {"order_ids": [o.pk for o in orders]})

    assert started.status_code == 202 and started.json()["status"] == "running"
    assert started.json()["processed"] == 0
    run_label_batch.call(started.json()["id"])
    done = seller_api.get(f"/labels/batches/{started.json()['id']}").json()
    assert (done["status"], done["bought"]) == ("finished", 2)


def test_a_shop_service_not_offered_for_a_parcel_is_the_reason_given(label_shop, processing_order, seller_api):
    set_label_service(seller_id=label_shop.pk, carrier="usps", service_level="priority")
    order = processing_order()

    batch = seller_api.post("/labels/batches", {"order_ids": [order.pk]}).json()

    assert batch["failed"] == 1 and "Priority Mail is not offered" in batch["report"][0]["message"]
    assert batch["pdf_url"] is None


def test_the_cli_buys_labels_by_order_number_with_a_progress_bar_and_writes_one_pdf(
    label_shop, processing_order, tmp_path, pdf
):
    orders = [processing_order(), processing_order()]
    out = StringIO()
    target = tmp_path / "labels.pdf"

    call_command(
        "labels",
        "buy",
        "--seller",
        "acme",
        "--orders",
        ",".join(str(o.number) for o in orders),
        "--output",
        str(target),
        stdout=out,
    )

    assert "2 label(s) bought" in out.getvalue()
    assert pdf.pages(target.read_bytes()) == 2
    assert LabelBatch.objects.get().bought == 2


def test_the_dashboard_batch_from_the_processing_tab_shows_the_report_and_the_pdf(label_shop, processing_order, client):
    user = create_user(email="clerk@acme.test", password="pw-Secret-123", seller=label_shop, role="staff")
    client.force_login(user)
    orders = [processing_order(), processing_order()]

    response = client.post("/labels/batches/", {"order_ids": [o.pk for o in orders]}, follow=True)

    page = response.content.decode()
    assert "2 of 2 labels bought" in page
    batch = LabelBatch.objects.get()
    pdf_response = client.get(f"/labels/batches/{batch.pk}/labels.pdf")
    assert pdf_response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("ids", [[], [999999]])
def test_a_batch_of_nothing_or_of_unknown_orders_is_refused(label_shop, seller_api, ids):
    response = seller_api.post("/labels/batches", {"order_ids": ids})

    assert response.status_code in (404, 422)
    assert not LabelBatch.objects.exists()
