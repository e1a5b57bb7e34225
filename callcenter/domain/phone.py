"""Phone numbers: one canonical E.164 spelling for every way a caller or an agent writes a number."""

from __future__ import annotations

import phonenumbers

from callcenter.domain.errors import InvalidInput

DEFAULT_REGION = "BE"


DISPLAY_CACHE = 4096  # the screen-pop spells the same few thousand numbers all day
E164_CACHE = 4096  # telephony sends the same callers' numbers again at every step of their calls


def normalise_phone(raw: str, *, field: str = "phone", region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form of ``raw`` (national numbers read as Belgian), or raise InvalidInput."""
    text = (raw or "").strip()
    e164 = _e164s.get((text, region), "")
    if e164 == "":  # not seen lately: parse (None remembers a text that is no phone number)
        try:
            number = _parse(text, field, region)
            e164 = str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        except InvalidInput:
            e164 = None
        if len(_e164s) >= E164_CACHE:
            _e164s.clear()
        _e164s[(text, region)] = e164
    if e164 is None:
        raise _not_a_number(text, field)
    return e164


# (text as given, region) -> its E.164 form, or None when it is no phone number; emptied when full.
_e164s: dict[tuple[str, str], str | None] = {}


def normalise_and_format_phone(raw: str, *, field: str = "phone") -> tuple[str, str]:
    """Return ``(normalise_phone(raw), format_phone(of it))``, parsing the number once, not twice."""
    number = _parse(raw, field, DEFAULT_REGION)
    e164 = str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return e164, _display(e164, DEFAULT_REGION, number)


def format_phone(e164: str, *, region: str = DEFAULT_REGION) -> str:
    """Spell an E.164 number for people: national inside ``region``, international elsewhere."""
    return _display(e164, region)


def _parse(raw: str, field: str, region: str) -> phonenumbers.PhoneNumber:
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise _not_a_number(text, field)
    return number


def _not_a_number(text: str, field: str) -> InvalidInput:
    return InvalidInput(f"'{text}' is not a phone number.", {field: "not a phone number"})


def _spell(number: phonenumbers.PhoneNumber, region: str) -> str:
    same_region = phonenumbers.region_code_for_number(number) == region
    formats = phonenumbers.PhoneNumberFormat
    style = formats.NATIONAL if same_region else formats.INTERNATIONAL
    return str(phonenumbers.format_number(number, style))


# (e164, region) -> spelling; a dict rather than functools.lru_cache so that normalise_and_format_phone
# can fill it from the number it parsed. Emptied when full: cheaper than keeping an order of use.
_displays: dict[tuple[str, str], str] = {}


def _display(e164: str, region: str, number: phonenumbers.PhoneNumber | None = None) -> str:
    """Return the spelling of ``e164`` (parsed again unless ``number`` is given), remembered."""
    display = _displays.get((e164, region))
    if display is None:
        if len(_displays) >= DISPLAY_CACHE:
            _displays.clear()
        display = _displays[(e164, region)] = _spell(number or phonenumbers.parse(e164, None), region)
    return display
