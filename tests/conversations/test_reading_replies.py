"""What a reply's new text is, and which mail is automatic: pure rules, no database."""

from __future__ import annotations

from shipdesk.conversations.attachment_checks import AttachmentRefused, check_file, clean_filename, sniff
from shipdesk.conversations.inbound_parsing import new_text, parse_inbound


def test_gmail_quoted_history_wrapped_over_two_lines_is_cut():
    text = (
        "Yes please, send the blue one.\n\nOn Mon, 1 Dec 2026 at 10:00, Acme Shop\n"
        "<reply+1-abc@x.test> wrote:\n> Would you like"
    )
    assert new_text(text) == "Yes please, send the blue one."


def test_outlook_original_message_block_is_cut():
    text = "Thanks, that works.\r\n\r\n-----Original Message-----\r\nFrom: Acme\r\nSent: Monday\r\n\r\nHello"
    assert new_text(text) == "Thanks, that works."


def test_outlook_header_block_without_a_rule_is_cut():
    text = "Fine by me.\n\nFrom: Acme <shop@x.test>\nSent: Monday, 1 December 2026 10:00\nTo: Ada\n\nHello"
    assert new_text(text) == "Fine by me."


def test_the_signature_and_phone_footer_are_cut_and_the_text_kept_whole():
    text = "Line one.\n\nLine two, still mine.\n-- \nAda Lovelace\n+44 20 0000 0000"
    assert new_text(text) == "Line one.\n\nLine two, still mine."
    assert new_text("See you soon\n\nSent from my iPhone") == "See you soon"


def test_an_html_only_reply_loses_its_blockquote():
    raw = (
        b"From: ada@example.com\r\nTo: reply+1-x@r.test\r\nMessage-ID: <h@x>\r\nSubject: Re\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>Please cancel it &amp; refund.</p><blockquote>Your order shipped</blockquote>"
    )
    assert parse_inbound(raw).text == "Please cancel it & refund."


def test_a_read_receipt_is_automatic_not_a_message():
    raw = (
        b"From: ada@example.com\r\nTo: reply+1-x@r.test\r\nMessage-ID: <m@x>\r\nSubject: Read\r\n"
        b'Content-Type: multipart/report; report-type="disposition-notification"; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nRead.\r\n--b--\r\n"
    )
    assert parse_inbound(raw).automatic == "auto_reply"


def test_auto_submitted_no_is_a_person():
    raw = b"From: ada@example.com\r\nTo: r@x\r\nMessage-ID: <n@x>\r\nAuto-Submitted: no\r\n\r\nHello"
    assert parse_inbound(raw).automatic == "" and parse_inbound(raw).text == "Hello"


def test_files_are_told_by_their_content_not_their_name():
    assert sniff(b"%PDF-1.7\n") == ("application/pdf", "pdf")
    assert sniff(b"\x89PNG\r\n\x1a\n....") == ("image/png", "png")
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image/webp", "webp")
    assert sniff(b"<svg onload=alert(1)>") is None
    checked = check_file(filename="../../etc/photo.png", content=b"\xff\xd8\xff\xe0rest", max_bytes=100)
    assert checked.filename == "photo.jpg" and checked.content_type == "image/jpeg"


def test_a_file_over_the_limit_or_of_another_kind_is_refused():
    for content in (b"\xff\xd8\xff" + b"0" * 200, b"#!/bin/sh\nrm -rf /"):
        try:
            check_file(filename="x.jpg", content=content, max_bytes=100)
        except AttachmentRefused:
            continue
        raise AssertionError("accepted")


def test_a_hostile_file_name_becomes_one_safe_line():
    assert clean_filename('evil"\r\nX-Header: 1;.jpg', "jpg") == "evil_X-Header_ 1.jpg"
