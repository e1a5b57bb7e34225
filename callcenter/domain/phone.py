"""Phone numbers: one canonical E.164 spelling for every way a caller or an agent writes a number."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from callcenter.domain.errors import InvalidInput

DEFAULT_REGION = "BE"


def normalise_phone(raw: str, *, field: str = "phone", region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form of ``raw`` (national numbers read as Belgian), or raise InvalidInput."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"'{text}' is not a phone number.", {field: "not a phone number"})
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@lru_cache(maxsize=4096)  # the screen-pop spells the same few thousand numbers all day
def format_phone(e164: str, *, region: str = DEFAULT_REGION) -> str:
    """Spell an E.164 number for people: national inside ``region``, international elsewhere."""
    number = phonenumbers.parse(e164, None)
    same_region = phonenumbers.region_code_for_number(number) == region
    formats = phonenumbers.PhoneNumberFormat
    style = formats.NATIONAL if same_region else formats.INTERNATIONAL
    return str(phonenumbers.format_number(number, style))
