"""The staff pages' catalog: extracted from the sources, translated in every language, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import callcenter
from callcenter.web.i18n import LANGUAGES

REPO = Path(callcenter.__file__).resolve().parents[1]
TRANSLATIONS = REPO / "callcenter" / "translations"
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


def catalog(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def ids(found: Catalog) -> set[object]:
    return {m.id for m in found if m.id}


def test_the_template_holds_exactly_the_strings_of_the_sources() -> None:
    with (TRANSLATIONS / "panel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "plural": (1, 2)}
    found = {message for _, _, message, _, _ in extract_from_dir(str(REPO), method_map, options_map,
                                                                  keywords=keywords)}
    extracted = {m if isinstance(m, str) else m[:2] for m in found}
    assert extracted == ids(catalog(TRANSLATIONS / "panel.pot")), "run the commands in translations/panel.cfg"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_translated_here_or_in_the_shared_catalog(lang: str) -> None:
    folder = TRANSLATIONS / lang / "LC_MESSAGES"
    panel, shared = catalog(folder / "panel.po", lang), catalog(folder / "messages.po", lang)
    assert ids(panel) == ids(catalog(TRANSLATIONS / "panel.pot"))
    for message in panel:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not any(strings):  # left to messages.po, where the public pages translate it
            assert isinstance(message.id, str) and shared.get(message.id) is not None, message.id
            continue
        assert all(strings) and "fuzzy" not in message.flags, message.id
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        assert all(set(PLACEHOLDER.findall(s)) == wanted for s in strings), message.id
