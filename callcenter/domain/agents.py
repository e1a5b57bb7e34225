"""Agent profiles: the phone an agent is rung on, the languages they speak, their groups.

An agent is a user with the agent role; the profile says how routing reaches them. ``ring_via`` is
"sip" (their SIP phone, the address in ``sip_uri``) or "client" (a softphone in the browser, for the
provider bridge of a later issue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from callcenter.domain.contacts import Language
from callcenter.domain.errors import InvalidInput, NotFound
from callcenter.domain.validation import Problems

_SIP_URI = re.compile(r"^sips?:[A-Za-z0-9._~%!$&'()*+,;=-]+@[A-Za-z0-9.-]+(:\d{1,5})?$")
_GROUP = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_GROUPS = 20
SIP_URI_MAX = 200


class RingVia(StrEnum):
    SIP = "sip"
    CLIENT = "client"


class NoSuchAgent(NotFound):
    code = "no-such-agent"


@dataclass(frozen=True)
class AgentProfile:
    user_id: int
    username: str
    display_name: str
    sip_uri: str
    languages: tuple[str, ...]  # Language values, in the order given (the first is the main one)
    groups: tuple[str, ...]
    ring_via: RingVia
    active: bool = True  # the user is enabled and still holds the agent role

    def speaks(self, language: str) -> bool:
        return language in self.languages


@dataclass(frozen=True)
class ProfileIn:
    """A profile as an administrator types it; every field is checked by ``clean_profile``."""

    sip_uri: str
    languages: Iterable[str]
    groups: Iterable[str] = ()
    ring_via: str = "sip"


@dataclass(frozen=True)
class CleanProfile:
    sip_uri: str
    languages: tuple[str, ...]
    groups: tuple[str, ...]
    ring_via: RingVia


def clean_profile(cmd: ProfileIn) -> CleanProfile:
    """Check every field of a profile and raise one InvalidInput naming all the bad ones."""
    problems = Problems()
    uri = problems.check(clean_sip_uri, cmd.sip_uri)
    languages = problems.check(clean_languages, cmd.languages)
    groups = problems.check(clean_groups, cmd.groups)
    ring_via = problems.check(_ring_via, cmd.ring_via)
    problems.raise_if_any("agent profile")
    assert uri is not None and languages is not None and groups is not None and ring_via is not None
    return CleanProfile(uri, languages, groups, ring_via)


def clean_sip_uri(raw: object) -> str:
    """Return a SIP address ``sip:user@host[:port]`` with its scheme in lowercase, or raise InvalidInput."""
    text = raw.strip() if isinstance(raw, str) else ""
    scheme, _, rest = text.partition(":")
    uri = f"{scheme.lower()}:{rest}"
    if len(uri) > SIP_URI_MAX or not _SIP_URI.match(uri):
        raise InvalidInput(f"{raw!r} is not a SIP address like sip:marie@pbx.example.be.",
                           {"sip_uri": "sip:user@host"})
    return uri


def clean_languages(values: Iterable[str]) -> tuple[str, ...]:
    """Return the languages spoken (fr, nl, de, en), once each, in the order given; at least one."""
    found: list[str] = []
    for value in values:
        code = str(value).strip().lower()
        if code not in {lang.value for lang in Language}:
            raise InvalidInput(f"{value!r} is not one of fr, nl, de, en.", {"languages": "fr, nl, de or en"})
        if code not in found:
            found.append(code)
    if not found:
        raise InvalidInput("An agent speaks at least one language.", {"languages": "required"})
    return tuple(found)


def clean_groups(values: Iterable[str]) -> tuple[str, ...]:
    """Return group names (lowercase letters, digits, '_' and '-'), once each."""
    found: list[str] = []
    for value in values:
        name = str(value).strip().lower()
        if not _GROUP.match(name):
            raise InvalidInput(f"{value!r} is not a group name (letters, digits, '_' or '-').",
                               {"groups": "letters, digits, '_' or '-'"})
        if name not in found:
            found.append(name)
    if len(found) > MAX_GROUPS:
        raise InvalidInput(f"An agent is in at most {MAX_GROUPS} groups.", {"groups": "too many"})
    return tuple(found)


def _ring_via(value: object) -> RingVia:
    try:
        return RingVia(str(value).strip().lower())
    except ValueError:
        raise InvalidInput(f"{value!r} is neither sip nor client.", {"ring_via": "sip or client"}) from None
