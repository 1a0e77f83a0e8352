"""Reading one inbound RFC 5322 message: is it a person's reply, which order, what is new in it.

Pure (the `email` package, no ORM, no I/O). `parse_inbound` never raises on any input: what it
cannot read is reported as `malformed`. The decisions, in order:

1. **Automatic mail is not a message** (RFC 3834 and practice): `Auto-Submitted` other than `no`;
   `X-Autoreply`, `X-Autorespond`; `Precedence: bulk | junk | list | auto_reply`; a delivery
   status notification (`multipart/report`, a mailer daemon or postmaster sender, an empty
   `Return-Path`, `X-Failed-Recipients`) is a bounce.
2. **The new text**: the plain-text part (or the HTML part turned to text), cut at the first
   line of quoted history ("On … wrote:", "-----Original Message-----", an Outlook "From:/Sent:"
   header block, a run of `>` lines) and at the signature (`-- ` and the phone footers).
3. **Attachments**: every part with a file name or a non-text type, kept as sent; whether each
   may be kept is `attachment_checks`' decision.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from html.parser import HTMLParser

AUTO_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
DAEMON_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)

# Where quoted history starts: the reply's own text ends at the first of these lines.
_QUOTE_HEADERS = (
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE | re.DOTALL),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE | re.DOTALL),  # French clients
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,100}:\s*$", re.IGNORECASE | re.DOTALL),  # German clients
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),  # Outlook
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above the quoted header block
    re.compile(r"^\s*-{2,}\s*Forwarded message\s*-{2,}\s*$", re.IGNORECASE),
)
_OUTLOOK_BLOCK = re.compile(r"^\s*\*?From:\*?\s.+", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|To|Subject):\*?\s", re.IGNORECASE)
_SIGNATURE = (
    re.compile(r"^-- ?$"),  # RFC 3676 signature delimiter
    re.compile(r"^\s*Sent from my \w+", re.IGNORECASE),
    re.compile(r"^\s*Get Outlook for \w+", re.IGNORECASE),
    re.compile(r"^\s*Sent from (Mail|Yahoo Mail|Outlook) for \w+", re.IGNORECASE),
)


@dataclass(frozen=True)
class InboundFile:
    filename: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str = ""
    sender: str = ""
    subject: str = ""
    recipients: list[str] = field(default_factory=list)  # Delivered-To, X-Original-To, To, Cc values
    automatic: str = ""  # "", "auto_reply" or "bounce"
    text: str = ""  # the new text, quoted history and signature removed
    files: list[InboundFile] = field(default_factory=list)
    malformed: str = ""  # why it could not be read at all


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML part, with a line per block and `>` for quoted blocks."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "hr"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head", "title"):
            self.skip += 1
        if tag == "blockquote" or (tag == "div" and ("class", "gmail_quote") in attrs):
            self.quote += 1
            self.parts.append("\n>QUOTE\n")
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head", "title"):
            self.skip = max(0, self.skip - 1)
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip and not self.quote:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def new_text(text: str) -> str:
    """The reply's own words: up to the quoted history or the signature, trimmed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith(">QUOTE") or line.lstrip().startswith(">"):
            break
        # "On Mon, 2 Jan 2026 at 10:00, Shop <reply+…> wrote:" is often wrapped over two lines.
        joined = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if any(p.match(line) for p in _QUOTE_HEADERS) or (
            line.strip().lower().startswith("on ") and any(p.match(joined) for p in _QUOTE_HEADERS[:1])
        ):
            break
        if _OUTLOOK_BLOCK.match(line) and index + 1 < len(lines) and _OUTLOOK_NEXT.match(lines[index + 1]):
            break
        if any(p.match(line) for p in _SIGNATURE):
            break
        kept.append(line.rstrip())
    body = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", body)


def _automatic(message: EmailMessage, sender: str) -> str:
    content_type = message.get_content_type()
    report_type = (message.get_param("report-type") or "").lower() if content_type == "multipart/report" else ""
    return_path = (message.get("Return-Path") or "").strip()
    if (
        content_type == "multipart/report"
        or message.get("X-Failed-Recipients")
        or DAEMON_SENDERS.match(sender)
        or return_path == "<>"
    ):
        return "bounce" if report_type != "disposition-notification" else "auto_reply"
    auto_submitted = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto_submitted.split(";")[0].strip() != "no":
        return "auto_reply"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "auto_reply"
    if (message.get("Precedence") or "").strip().lower() in AUTO_PRECEDENCE:
        return "auto_reply"
    return ""


def _text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    return html_to_text(content) if part.get_content_type() == "text/html" else content


def _files(message: EmailMessage) -> list[InboundFile]:
    files = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename() or ""
        disposition = part.get_content_disposition()
        if disposition != "attachment" and not filename and part.get_content_maintype() in ("text", "multipart"):
            continue
        if part is message.get_body(preferencelist=("plain", "html")):
            continue
        content = part.get_payload(decode=True) or b""
        files.append(InboundFile(filename=filename or "attachment", content=content))
    return files


def parse_inbound(raw: bytes) -> ParsedMail:
    """Read one message; never raises (what cannot be read comes back `malformed`)."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        sender = parseaddr(str(message.get("From") or ""))[1]
        parsed = ParsedMail(
            message_id=str(message.get("Message-ID") or "").strip()[:255],
            sender=sender[:254],
            subject=" ".join(str(message.get("Subject") or "").split())[:300],
            recipients=[
                str(value)
                for header in ("Delivered-To", "X-Original-To", "To", "Cc")
                for value in message.get_all(header, [])
            ],
        )
        if not message.keys() or not (parsed.sender or parsed.message_id):
            return ParsedMail(malformed="no headers an email has (From, Message-ID)")
        parsed.automatic = _automatic(message, sender)
        if parsed.automatic:
            return parsed
        parsed.text = new_text(_text_part(message))
        parsed.files = _files(message)
        return parsed
    except Exception as exc:  # any input at all: reported, never a crash
        return ParsedMail(malformed=f"{type(exc).__name__}: {exc}"[:300])
