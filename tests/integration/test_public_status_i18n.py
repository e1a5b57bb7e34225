"""The public status page in French, Dutch, German and English: complete catalogs, language choice."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask

from callcenter.bootstrap import Services
from callcenter.domain.questions import Status
from callcenter.web.i18n import LANGUAGES, TRANSLATIONS_DIR
from tests.integration.public_status_support import EMAIL, app, built, lookup, reg_no, text_of

__all__ = ["app", "built", "reg_no"]  # fixtures

REPO = TRANSLATIONS_DIR.parents[1]
TITLES = {"fr": "Suivre votre question", "nl": "Uw vraag opvolgen", "de": "Ihre Frage verfolgen",
          "en": "Track your question"}
ANSWERED = {"fr": "Réponse donnée", "nl": "Beantwoord", "de": "Beantwortet", "en": "Answered"}


def _source_messages() -> set[str | tuple[str, ...]]:
    """Extract every translatable string of the public pages, as pybabel extract would."""
    with (TRANSLATIONS_DIR / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    found = extract_from_dir(str(REPO), method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else tuple(message) for _, _, message, _, _ in found}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_of_the_pages_is_translated(lang: str) -> None:
    expected = _source_messages()
    with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    entries = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalog if m.id}
    assert set(entries) == expected  # nothing missing, nothing stale
    for key, message in entries.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, f"{lang}: {key!r} is not translated"
        assert _placeholders(key) == _placeholders(strings), f"{lang}: {key!r} changes its placeholders"


def _placeholders(text: str | tuple[str, ...]) -> set[str]:
    joined = " ".join(text) if isinstance(text, tuple) else text
    return set(re.findall(r"%\(\w+\)[sd]", joined))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_can_be_chosen_with_the_switcher(app: Flask, lang: str) -> None:
    page = text_of(app.test_client().get(f"/status?lang={lang}"))
    assert f'<html lang="{lang}">' in page and f"<title>{TITLES[lang]} – " in page
    assert f'href="/status?lang={lang}" lang="{lang}" hreflang="{lang}" aria-current="true"' in page
    assert page.count('aria-current="true"') == 1


@pytest.mark.parametrize(("header", "lang"), [("nl-BE,nl;q=0.9,fr;q=0.8", "nl"), ("de-BE", "de"),
                                               ("en-GB,en;q=0.9", "en"), ("es-ES,es", "fr"), (None, "fr")])
def test_without_a_choice_the_browsers_language_or_french_is_used(app: Flask, header: str | None,
                                                                   lang: str) -> None:
    headers = {"Accept-Language": header} if header else {}
    response = app.test_client().get("/status", headers=headers)
    assert f'<html lang="{lang}">' in text_of(response)
    assert "Accept-Language" in response.headers["Vary"]


def test_a_choice_in_the_address_wins_over_the_browsers_language(app: Flask) -> None:
    page = text_of(app.test_client().get("/status?lang=de", headers={"Accept-Language": "nl-BE"}))
    assert '<html lang="de">' in page and 'action="/status?lang=de"' in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_result_is_written_in_the_readers_language(app: Flask, built: Services, reg_no: str,
                                                       lang: str) -> None:
    built.questions.mark_answered(reg_no, "back", by=3)
    page = text_of(lookup(app.test_client(), reg_no, EMAIL, lang=lang))
    assert f'<html lang="{lang}">' in page and ANSWERED[lang] in page


def test_every_status_has_words_in_every_language() -> None:
    from callcenter.web.public_text import _STATUS_TEXT

    assert set(_STATUS_TEXT) == set(Status)  # a new status needs its words (and the catalogs with them)
