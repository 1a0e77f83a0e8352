from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_parcels_event_types"),
        ("orders", "0008_returns_refunds_after_shipment"),
    ]

    operations = [
        migrations.AlterField(
            model_name='orderevent',
            name='type',
            field=models.CharField(choices=[('placed', 'Placed'), ('payment_updated', 'Payment updated'), ('confirmed', 'Confirmed'), ('processing_started', 'Processing started'), ('shipped', 'Shipped'), ('delivered', 'Delivered'), ('cancelled', 'Cancelled'), ('line_cancelled', 'Line cancelled'), ('line_reserved', 'Line reserved'), ('refund_recorded', 'Refund recorded'), ('refund_settled', 'Refund settled'), ('refund_failed', 'Refund failed'), ('note_added', 'Note added'), ('deadline_missed', 'Deadline missed'), ('carrier_scan', 'Carrier scan'), ('shipment_delayed', 'Shipment delayed'), ('pack_checked', 'Pack checked'), ('shipped_incomplete_pack', 'Shipped with an incomplete pack'), ('notification_sent', 'Message sent'), ('notification_failed', 'Message failed'), ('notification_delayed', 'Message delayed'), ('notification_skipped', 'Message skipped'), ('substitute_offered', 'Substitute offered'), ('substitute_accepted', 'Substitute accepted'), ('substitute_declined', 'Substitute declined'), ('review_left', 'Review left'), ('review_replied', 'Review answered'), ('claim_opened', 'Problem reported'), ('claim_resolved', 'Problem answered'), ('claim_refused', 'Claim refused'), ('claim_escalated', 'Claim escalated'), ('claim_decided', 'Claim decided'), ('dispute_opened', 'Chargeback opened'), ('dispute_updated', 'Chargeback updated'), ('dispute_closed', 'Chargeback closed'), ('refunded_after_shipment', 'Refunded after shipment'), ('cancel_requested', 'Cancellation requested'), ('return_requested', 'Return requested'), ('return_approved', 'Return approved'), ('return_rejected', 'Return rejected'), ('return_received', 'Return received'), ('parcel_shipped', 'Parcel shipped'), ('parcel_delivered', 'Parcel delivered'), ('address_corrected', 'Address corrected'), ('eta_revised', 'Delivery date revised')], max_length=32),
        ),
    ]
