"""Several parcels per order: Shipment.order becomes a foreign key, a parcel says which units it
holds (ShipmentLine) and why it was sent (purpose: the order's own lines, or a claim's reshipment).

Every shipment made before held the whole order: it gets one ShipmentLine per line with units
open (not cancelled), holding those units.
"""

import django.db.models.deletion
from django.db import migrations, models


def one_line_per_open_line(apps, schema_editor):
    Shipment = apps.get_model("shipping", "Shipment")
    ShipmentLine = apps.get_model("shipping", "ShipmentLine")
    OrderLine = apps.get_model("orders", "OrderLine")
    batch = []
    shipments = Shipment.objects.order_by("id").values_list("id", "order_id", "seller_id")
    for shipment_id, order_id, seller_id in shipments.iterator(chunk_size=2000):
        for line_id, quantity, cancelled in (
            OrderLine.objects.filter(order_id=order_id)
            .order_by("id")
            .values_list("id", "quantity", "quantity_cancelled")
        ):
            if quantity > cancelled:
                batch.append(
                    ShipmentLine(
                        seller_id=seller_id, shipment_id=shipment_id, line_id=line_id, quantity=quantity - cancelled
                    )
                )
        if len(batch) >= 2000:
            ShipmentLine.objects.bulk_create(batch)
            batch = []
    ShipmentLine.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("orders", "0007_core_vocabulary_labels"),
        ("shipping", "0003_tracking_number_names_one_parcel"),
    ]

    operations = [
        migrations.AddField(
            model_name="shipment",
            name="purpose",
            field=models.CharField(
                choices=[("order", "Order parcel"), ("reshipment", "Reshipment")], default="order", max_length=16
            ),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="order",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="shipments", to="orders.order"
            ),
        ),
        migrations.CreateModel(
            name="ShipmentLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("quantity", models.PositiveIntegerField()),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shipment_lines",
                        to="orders.orderline",
                    ),
                ),
                (
                    "seller",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.seller"
                    ),
                ),
                (
                    "shipment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="lines", to="shipping.shipment"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["seller", "line"], name="shipment_line_seller_line")],
                "constraints": [
                    models.UniqueConstraint(fields=("shipment", "line"), name="shipment_line_once_per_parcel"),
                    models.CheckConstraint(
                        condition=models.Q(("quantity__gte", 1)), name="shipment_line_quantity_positive"
                    ),
                ],
            },
        ),
        migrations.RunPython(one_line_per_open_line, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="shipment",
            index=models.Index(fields=["seller", "order", "shipped_at"], name="shipment_seller_order"),
        ),
        migrations.AddConstraint(
            model_name="shipment",
            constraint=models.CheckConstraint(
                condition=models.Q(("purpose__in", ["order", "reshipment"])), name="shipment_purpose_valid"
            ),
        ),
    ]
