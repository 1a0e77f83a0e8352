"""Tracking numbers: normalise them, check them against a carrier's formats, guess the carrier.

Pure rules (docs/architecture.md, layer 1): no Django, no I/O. The ship action calls
`validate_tracking_number` (a refusal is a 422 `invalid_tracking_number`), and
`GET /api/v1/tracking-numbers/{number}` answers with `normalize_tracking_number` and `detect_carriers`.

Every format is one row of `_FORMATS`: the carrier, the product name we show, how much a match
says (to order guesses), a regular expression over the normalised number and, where the format
has one, its check-digit rule. The regular expressions name up to three parts:

- `body` and `check`: the characters the check digit is computed over, and the check digit;
- `number`: the part a carrier's tracking page looks up, when a scanned barcode carries more
  (USPS "420 + ZIP" routing, FedEx 34-digit barcodes, DPD's 28-character barcode).

The check-digit rules are the carriers' published ones: UPS (1Z and waybill), USPS Publication 199
(IMpb) and Publication 91/109 (20-digit), FedEx's Express (mod 11) and Ground (mod 10) label
specifications, the DHL Express waybill (mod 7), UPU standard S10 (international postal items),
GS1 (SSCC) and ISO/IEC 7064 MOD 37,36 (DPD parcel label specification). The test vectors come from
jkeen/tracking_number_data (MIT), see tests/shipping/test_tracking.py.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import cycle

from shipdesk.shipping.carriers import NATIONAL_POSTS, get_carrier

# The longest number we accept, and store (Shipment.tracking_number is 64 characters).
MAX_LENGTH = 64

# Raw input longer than this is refused before it is even normalised, so a pasted page or a
# 10 MB request body costs nothing. Generous enough for a 64-character number written with a
# separator between every character.
MAX_RAW_LENGTH = 4 * MAX_LENGTH


# --- Normalisation --------------------------------------------------------------------------------


def _build_normalisation_table() -> dict[int, str | None]:
    # What people paste between the characters: any Unicode whitespace (no-break, thin and
    # ideographic spaces all lie below U+3001), dots, hyphens and dashes, and the invisible
    # characters that web pages and PDFs insert (soft hyphen, zero-width spaces and joiners, BOM).
    separators = {chr(cp) for cp in range(0x3001) if chr(cp).isspace()}
    separators |= set(".-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63")  # dot, hyphens, dashes
    separators |= set("\u200b\u200c\u200d\u2060\ufeff")  # zero-width spaces and joiners, BOM

    def final(ch: str) -> str | None:
        if ch in separators:
            return None
        # Only ASCII letters are upper-cased: every carrier format is ASCII, and full Unicode
        # upper-casing can turn other text into ASCII ("ß" → "SS", "ı" → "I").
        return ch.upper() if ch in string.ascii_lowercase else ch

    table: dict[int, str | None] = {ord(sep): None for sep in separators}
    table.update({ord(ch): final(ch) for ch in string.ascii_lowercase})
    # Full-width forms (U+FF01–U+FF5E), as typed with an East Asian keyboard, read as their ASCII
    # counterparts ("１Ｚ" → "1Z"). Each maps straight to its final form, so one pass is enough
    # and normalising twice changes nothing.
    table.update({cp: final(chr(cp - 0xFEE0)) for cp in range(0xFF01, 0xFF5F)})
    return table


_NORMALISATION = _build_normalisation_table()


def normalize_tracking_number(raw: str) -> str:
    """Strip, remove spaces, dashes and dots, upper-case: " 1z 999-aa1 " → "1Z999AA1"."""
    return raw.translate(_NORMALISATION)


# --- Check-digit algorithms -----------------------------------------------------------------------
# Each takes the characters the check covers and returns the expected check character.


def mod10_weighted(digits: Sequence[int], weights: Sequence[int], *, from_left: bool = False) -> int:
    """The digit that brings sum(digit × weight) up to a multiple of 10.

    The weights repeat, starting from the rightmost digit (GS1, USPS, FedEx Ground: 3, 1, 3, …)
    or, with from_left, from the leftmost one (UPS: 1, 2, 1, …).
    """
    ordered = digits if from_left else digits[::-1]
    total = sum(d * w for d, w in zip(ordered, cycle(weights)))
    return -total % 10


def mod11_fedex(digits: Sequence[int]) -> int:
    """FedEx Express: weights 1, 3, 7 repeating from the rightmost digit, sum mod 11; 10 → 0."""
    total = sum(d * w for d, w in zip(digits[::-1], cycle((1, 3, 7))))
    return total % 11 % 10


def mod7(digits: str) -> int:
    """DHL Express waybill: the number without its check digit, mod 7."""
    return int(digits) % 7


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def mod11_s10(digits: Sequence[int]) -> int:
    """UPU standard S10: weights 8 6 4 2 3 5 9 7 over the 8-digit serial; 11 − sum mod 11,
    where 10 becomes 0 and 11 becomes 5."""
    check = 11 - sum(d * w for d, w in zip(digits, _S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


_ALPHANUMERIC = string.digits + string.ascii_uppercase  # value of a character = its index


def mod37_36(chars: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid system, M = 36), as DPD's parcel label specification uses
    for the check character after the parcel number."""
    product = 36
    for ch in chars:
        total = (product + _ALPHANUMERIC.index(ch)) % 36 or 36
        product = total * 2 % 37
    return _ALPHANUMERIC[(37 - product) % 36]


def _digits(text: str) -> list[int]:
    return [int(ch) for ch in text]


def _ups_values(text: str) -> list[int]:
    # UPS reads a letter as a digit: A=2, B=3 … H=9, I=0, J=1 … (alphabet position + 2, mod 10).
    return [int(ch) if ch.isdigit() else (ord(ch) - ord("A") + 2) % 10 for ch in text]


# Check rules as the table uses them: (body, check character) → passes.
Check = Callable[[str, str], bool]


def _gs1(body: str, check: str) -> bool:
    return str(mod10_weighted(_digits(body), (3, 1))) == check


def _usps_91_omitted(body: str, check: str) -> bool:
    # A 20-digit USPS number is often the 22-digit "91…" barcode printed without its "91";
    # the check digit still covers the "91".
    return _gs1("91" + body, check)


def _ups(body: str, check: str) -> bool:
    return str(mod10_weighted(_ups_values(body), (1, 2), from_left=True)) == check


def _fedex(body: str, check: str) -> bool:
    return str(mod11_fedex(_digits(body))) == check


def _dhl(body: str, check: str) -> bool:
    return str(mod7(body)) == check


def _s10(body: str, check: str) -> bool:
    return str(mod11_s10(_digits(body))) == check


def _dpd(body: str, check: str) -> bool:
    return mod37_36(body) == check


# --- Formats --------------------------------------------------------------------------------------

# How much a match says about the carrier, to order detect_carriers() (most specific first).
PREFIX_AND_CHECK = 3  # a fixed prefix or suffix and a check digit: 1Z…, 96…, …GB
PREFIX = 2  # a fixed prefix, no check digit: TBA…, JJD…
CHECK = 1  # bare digits that pass a check digit: a 12-digit FedEx, a 10-digit DHL number
SHAPE = 0  # only a length: a DPD parcel number without its check character


@dataclass(frozen=True)
class _Format:
    carrier: str
    service: str
    evidence: int
    pattern: re.Pattern[str]
    check: Check | None  # None: the format has no check digit, its shape is all there is

    def passes(self, match: re.Match[str]) -> bool:
        # A run of one digit ("000000000000") passes several check-digit rules, but it is what
        # people type to get past a required field, never a parcel. Prefixed formats keep theirs:
        # carriers do issue numbers such as "TBA000000000000".
        if self.evidence <= CHECK and len(set(match.string)) == 1:
            return False
        return self.check is None or self.check(match["body"], match["check"])


def _format(carrier: str, service: str, evidence: int, regex: str, check: Check | None = None) -> _Format:
    # ASCII: "\d" and friends must not accept other scripts' digits, which int() would read.
    return _Format(carrier, service, evidence, re.compile(regex, re.ASCII), check)


def _usps_routed(zip_digits: int, impb_digits: int) -> str:
    # IMpb barcode with its routing code: "420" + destination ZIP (5) or ZIP+4 (9), then the
    # tracking number, which alone carries the check digit.
    return rf"420[0-9]{{{zip_digits}}}(?P<number>(?P<body>9[1-5][0-9]{{{impb_digits - 3}}})(?P<check>[0-9]))"


def _s10_for(country: str) -> str:
    # UPU S10: 2 service letters, 8-digit serial, check digit, the issuing post's ISO country code.
    # The suffix says which post issued it, so each post accepts only its own.
    return rf"[A-Z]{{2}}(?P<body>[0-9]{{8}})(?P<check>[0-9]){country}"


_FORMATS: tuple[_Format, ...] = (
    # UPS 1Z: 6-character shipper account, 2-character service, 7-digit package, check digit over
    # the 15 characters after "1Z" with letters read as digits.
    _format("ups", "UPS 1Z", PREFIX_AND_CHECK, r"1Z(?P<body>[0-9A-Z]{15})(?P<check>[0-9A-Z])", _ups),
    # UPS waybill (air freight): a letter and 10 digits; the 1Z rule over the 9 digits after the letter.
    _format("ups", "UPS waybill", CHECK, r"[A-Z](?P<body>[0-9]{9})(?P<check>[0-9])", _ups),
    # USPS IMpb (Publication 199): application identifier 91–95, service type, mailer ID, serial,
    # GS1 mod 10 check digit; 22 digits with a 6-digit mailer ID, 26 with a 9-digit one.
    _format("usps", "USPS IMpb 22", PREFIX_AND_CHECK, r"(?P<body>9[1-5][0-9]{19})(?P<check>[0-9])", _gs1),
    _format("usps", "USPS IMpb 26", PREFIX_AND_CHECK, r"(?P<body>9[1-5][0-9]{23})(?P<check>[0-9])", _gs1),
    _format("usps", "USPS IMpb 22 + 420 ZIP", PREFIX_AND_CHECK, _usps_routed(5, 22), _gs1),
    _format("usps", "USPS IMpb 22 + 420 ZIP+4", PREFIX_AND_CHECK, _usps_routed(9, 22), _gs1),
    _format("usps", "USPS IMpb 26 + 420 ZIP", PREFIX_AND_CHECK, _usps_routed(5, 26), _gs1),
    _format("usps", "USPS IMpb 26 + 420 ZIP+4", PREFIX_AND_CHECK, _usps_routed(9, 26), _gs1),
    # USPS 20-digit (Publication 91/109 special services: certified, signature confirmation …).
    _format("usps", "USPS 20", CHECK, r"(?P<body>[0-9]{19})(?P<check>[0-9])", _gs1),
    _format("usps", "USPS 20 (91 omitted)", CHECK, r"(?P<body>[0-9]{19})(?P<check>[0-9])", _usps_91_omitted),
    _format("usps", "S10", PREFIX_AND_CHECK, _s10_for("US"), _s10),
    # FedEx Express: 12 digits, mod 11 check (weights 1, 3, 7 from the right).
    _format("fedex", "FedEx Express 12", CHECK, r"(?P<body>[0-9]{11})(?P<check>[0-9])", _fedex),
    # FedEx Ground: 15 digits, GS1 mod 10 check.
    _format("fedex", "FedEx Ground 15", CHECK, r"(?P<body>[0-9]{14})(?P<check>[0-9])", _gs1),
    # FedEx Ground "96" barcode (22 digits): "96", service codes, then the 15-digit Ground number.
    _format(
        "fedex",
        "FedEx Ground 96",
        PREFIX_AND_CHECK,
        r"96[0-9]{5}(?P<number>(?P<body>[0-9]{14})(?P<check>[0-9]))",
        _gs1,
    ),
    # FedEx Ground GSN barcode (34 digits, "96…"): ends with the 12-digit number, Express rule.
    _format(
        "fedex",
        "FedEx Ground GSN 34",
        PREFIX_AND_CHECK,
        r"96[0-9]{20}(?P<number>(?P<body>[0-9]{11})(?P<check>[0-9]))",
        _fedex,
    ),
    # FedEx Express 34-digit barcode: ends with the 12-digit Express number.
    _format(
        "fedex",
        "FedEx Express 34",
        CHECK,
        r"1[0-9]{21}(?P<number>(?P<body>[0-9]{11})(?P<check>[0-9]))",
        _fedex,
    ),
    # FedEx ASTRA barcode (32 digits): the 12-digit Express number sits at digits 17–28.
    _format(
        "fedex",
        "FedEx ASTRA 32",
        CHECK,
        r"[0-9]{16}(?P<number>(?P<body>[0-9]{11})(?P<check>[0-9]))[0-9]{4}",
        _fedex,
    ),
    # GS1 SSCC-18 on FedEx Ground labels, alone or behind its application identifier "00".
    _format("fedex", "FedEx SSCC-18", CHECK, r"(?P<number>(?P<body>0[0-9]{16})(?P<check>[0-9]))", _gs1),
    _format(
        "fedex",
        "FedEx SSCC-18 (AI 00)",
        CHECK,
        r"00(?P<number>(?P<body>[0-9]{17})(?P<check>[0-9]))",
        _gs1,
    ),
    # DHL Express waybill: 10 (or 11) digits, the last one the rest mod 7.
    _format("dhl_express", "DHL Express 10", CHECK, r"(?P<body>[0-9]{9})(?P<check>[0-9])", _dhl),
    _format("dhl_express", "DHL Express 11", CHECK, r"(?P<body>[0-9]{10})(?P<check>[0-9])", _dhl),
    # DHL Express piece ID (ISO 15459 licence plate, issuer "JJD"/"JVGL"): no check digit.
    _format("dhl_express", "DHL Express piece ID", PREFIX, r"(?:JJD|JVGL)[0-9]{10,20}"),
    # Amazon Logistics: TBA (and TBC, TBM) + 12 digits, no check digit.
    _format("amazon", "Amazon Logistics", PREFIX, r"TB[ACM][0-9]{12}"),
    # Amazon international: "C" + 10 digits, no check digit.
    _format("amazon", "Amazon international", SHAPE, r"C[0-9]{10}"),
    # OnTrac: C or D + 14 digits; the UPS rule, with its letter values (C = 4, D = 5).
    _format("ontrac", "OnTrac", PREFIX_AND_CHECK, r"(?P<body>[CD][0-9]{13})(?P<check>[0-9])", _ups),
    # LaserShip, now OnTrac: no check digits. The 18-character form is printed "…-1".
    _format("ontrac", "LaserShip L", PREFIX, r"L[AEHINX][1-3][0-9]{7}"),
    _format("ontrac", "LaserShip 1LS7", PREFIX, r"1LS7[12][0-9]{10}"),
    _format("ontrac", "LaserShip 1LS7 (18)", PREFIX, r"1LS7[12][0-9]{11}1"),
    _format("ontrac", "LaserShip 1LSCX", PREFIX, r"1LSCX[0-9A-Z]{10}"),
    # Canada Post: 16 digits, GS1 mod 10 check; international items are S10 "…CA".
    _format("canada_post", "Canada Post 16", CHECK, r"(?P<body>[0-9]{15})(?P<check>[0-9])", _gs1),
    _format("canada_post", "S10", PREFIX_AND_CHECK, _s10_for("CA"), _s10),
    # DPD: 14-digit parcel number and its MOD 37,36 check character; the 28-character barcode
    # (7-digit postcode field, parcel number, service, ISO numeric country) checks all 27 digits.
    _format("dpd", "DPD 14", CHECK, r"(?P<body>(?P<number>[0-9]{14}))(?P<check>[0-9A-Z])", _dpd),
    _format(
        "dpd",
        "DPD 28",
        CHECK,
        r"(?P<body>[0-9]{7}(?P<number>[0-9]{14})[0-9]{6})(?P<check>[0-9A-Z])",
        _dpd,
    ),
    # DPD's tracking pages and e-mails show the parcel number without its check character.
    _format("dpd", "DPD 14 (no check character)", SHAPE, r"[0-9]{14}"),
    # Royal Mail: tracked items, domestic and international, carry S10 numbers ending in "GB".
    _format("royal_mail", "S10", PREFIX_AND_CHECK, _s10_for("GB"), _s10),
)

# Every other national post (carriers.NATIONAL_POSTS): its tracked items' UPU S10 numbers, which
# end in its own country code — Deutsche Post "…DE", Posta Kenya "…KE", and so on.
_FORMATS += tuple(
    _format(post.code, "S10", PREFIX_AND_CHECK, _s10_for(country), _s10)
    for country, post in NATIONAL_POSTS.items()
    if not any(f.carrier == post.code and f.service == "S10" for f in _FORMATS)
)

_FORMATS_BY_CARRIER: dict[str, tuple[_Format, ...]] = {
    code: tuple(f for f in _FORMATS if f.carrier == code) for code in dict.fromkeys(f.carrier for f in _FORMATS)
}

# The sandbox carrier (carriers.SANDBOX): "SBX" and 10 digits, the last a GS1 mod 10 check digit.
# Validated for that carrier only and never offered by detection: a real parcel's number must
# not be guessed to be a pretend one.
_FORMATS_BY_CARRIER["sandbox"] = (
    _format("sandbox", "Sandbox", PREFIX_AND_CHECK, r"SBX(?P<body>[0-9]{9})(?P<check>[0-9])", _gs1),
)


def s10_number(*, service: str, serial: int, country: str) -> str:
    """A UPU S10 number: two service letters, the 8-digit serial, its mod-11 check digit, the
    issuing post's country code ("RR", 12345678, "KE" → "RR123456785KE")."""
    body = f"{serial:08d}"
    return f"{service.upper()}{body}{mod11_s10(_digits(body))}{country.upper()}"


def sandbox_tracking_number(serial: int) -> str:
    """The sandbox carrier's tracking number for a serial (0 ≤ serial < 10⁹): "SBX" + 9 digits + check."""
    body = f"{serial:09d}"
    return f"SBX{body}{mod10_weighted(_digits(body), (3, 1))}"


# --- Public API -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingMatch:
    carrier: str
    service: str | None  # the product the format identifies ("UPS 1Z", "USPS IMpb 22", "S10"), for display
    valid: bool  # False: the carrier's shape, but the check digit is wrong


def _bounded(number: object) -> str | None:
    """The normalised number, or None when it cannot be any carrier's (not text, empty, too long)."""
    if not isinstance(number, str) or len(number) > MAX_RAW_LENGTH:
        return None
    normalised = normalize_tracking_number(number)
    return normalised if 0 < len(normalised) <= MAX_LENGTH else None


def validate_tracking_number(*, carrier: str, number: str) -> bool:
    """Whether `number` is a valid tracking number of `carrier` (normalised first).

    An untracked carrier ("other") takes any printable text of up to 64 characters; an unknown
    carrier code is refused.
    """
    normalised = _bounded(number)
    found = get_carrier(carrier) if isinstance(carrier, str) else None
    if normalised is None or found is None:
        return False
    if not found.tracked:
        return normalised.isprintable()
    return _valid_match(carrier, normalised) is not None


def trackable_number(*, carrier: str, number: str) -> str | None:
    """The number `carrier`'s tracking page looks up, or None if `number` is not valid for it.

    The normalised number, except for barcodes that carry more than it: a USPS barcode loses its
    "420 + ZIP" routing code, a FedEx 34-digit barcode keeps its last 12 digits, a DPD barcode its
    14-digit parcel number.
    """
    if not validate_tracking_number(carrier=carrier, number=number):
        return None
    normalised = normalize_tracking_number(number)
    match = _valid_match(carrier, normalised)
    return (match.groupdict().get("number") if match else None) or normalised


def detect_carriers(number: str) -> list[TrackingMatch]:
    """The tracked carriers whose format `number` has, most specific first.

    One match per carrier: valid when a format's check digit passes (or the format has none);
    valid=False when only the shape fits, so the API can say "looks like UPS, but the check digit
    is wrong". Valid matches come first, then by how much the format says (a prefix and a check
    digit before a bare check digit before a length alone).
    """
    best: dict[str, tuple[tuple[bool, int, int], TrackingMatch]] = {}
    for index, fmt, match in _shape_matches(number):
        valid = fmt.passes(match)
        rank = (not valid, -fmt.evidence, index)
        if fmt.carrier not in best or rank < best[fmt.carrier][0]:
            best[fmt.carrier] = (rank, TrackingMatch(carrier=fmt.carrier, service=fmt.service, valid=valid))
    return [found for _, found in sorted(best.values(), key=lambda entry: entry[0])]


def looks_like(number: str) -> list[str]:
    """Codes of the carriers whose format `number` has, ignoring check digits, most specific first."""
    carriers: list[str] = []
    ranked = sorted(_shape_matches(number), key=lambda found: (-found[1].evidence, found[0]))
    for _, fmt, _ in ranked:
        if fmt.carrier not in carriers:
            carriers.append(fmt.carrier)
    return carriers


def _shape_matches(number: str) -> Iterator[tuple[int, _Format, re.Match[str]]]:
    normalised = _bounded(number)
    if normalised is None:
        return
    for index, fmt in enumerate(_FORMATS):
        if match := fmt.pattern.fullmatch(normalised):
            yield index, fmt, match


def _valid_match(carrier: str, normalised: str) -> re.Match[str] | None:
    for fmt in _FORMATS_BY_CARRIER.get(carrier, ()):
        match = fmt.pattern.fullmatch(normalised)
        if match and fmt.passes(match):
            return match
    return None
