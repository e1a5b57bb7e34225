"""The refusals' catalog (web/error_text.py): extracted, translated in fr, nl and de, and chosen by fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask

import callcenter
from callcenter.web.error_text import ERROR_SENTENCES, HTTP_SENTENCES, error_sentence, http_sentence
from callcenter.web.i18n import LANGUAGES, init_i18n

REPO = Path(callcenter.__file__).resolve().parents[1]
TRANSLATIONS = REPO / "callcenter" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalog(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def ids(found: Catalog) -> set[object]:
    return {m.id for m in found if m.id}


def source_ids() -> set[str]:
    with (TRANSLATIONS / "errors.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = extract_from_dir(str(REPO), method_map, options_map, keywords={"lazy_gettext": None})
    return {message for _, _, message, _, _ in found}


def test_the_template_holds_exactly_the_sentences_of_the_catalogue() -> None:
    assert source_ids() == ids(catalog(TRANSLATIONS / "errors.pot")), "run the commands in errors.cfg"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_sentence_is_translated_with_its_placeholders(lang: str) -> None:
    translated = catalog(TRANSLATIONS / lang / "LC_MESSAGES" / "errors.po", lang)
    assert ids(translated) == ids(catalog(TRANSLATIONS / "errors.pot"))
    for message in translated:
        if not message.id:
            continue
        assert isinstance(message.string, str) and message.string.strip(), f"{lang}: {message.id!r} is empty"
        assert "fuzzy" not in message.flags, f"{lang}: {message.id!r} is fuzzy"
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(str(message.id)))
        if lang != "en":
            assert message.string != message.id, f"{lang}: {message.id!r} is left in English"


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test"
    init_i18n(app)
    return app


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_the_compiled_catalogs_give_every_sentence_in_the_pages_language(app: Flask, lang: str) -> None:
    sentences = [s for cases in ERROR_SENTENCES.values() for s in cases.values()]
    sentences += HTTP_SENTENCES.values()
    with app.test_request_context(f"/?lang={lang}"):
        for sentence in sentences:
            english = sentence._args[0] % sentence._kwargs if sentence._kwargs else sentence._args[0]
            assert str(sentence) != english, f"{lang}: {english!r}"


def test_sentences_are_chosen_by_the_fields_of_the_refusal(app: Flask) -> None:
    with app.test_request_context("/?lang=fr"):
        assert error_sentence("weak-password", {"password": "too short"}) == (
            "Le mot de passe est trop court : utilisez au moins 12 caractères.")
        assert error_sentence("weak-password", {"password": "guessable"}) == (
            "Le mot de passe ne peut être vide ni contenir le nom d'utilisateur.")
        assert error_sentence("no-way-to-notify", {"contact": "no number"}) == (
            "La réponse se fait par téléphone, mais l'appelant n'a pas de numéro de téléphone.")
        assert error_sentence("forbidden", {"scope": "calls:write"}) == (
            "Vous n'êtes pas autorisé à faire ceci (il faut le droit calls:write).")
        assert error_sentence("not-competent", {"topic": "required to transfer"}) == (
            "Classez la question sous un thème avant de la transférer.")
        assert error_sentence("not-competent", {"expert_user_id": "not competent for the topic"}) == (
            "Cet expert n'est pas compétent pour le thème de la question.")
        assert error_sentence("invalid-input", {"contact_name": "required"}) == (
            "Remplissez les champs obligatoires.")
        assert error_sentence("invalid-input", {"reason": "one of lunch, meeting"}) == (
            "Choisissez le motif de votre pause.")
        required = error_sentence("invalid-input", {"reason": "required"})  # the delay notice's reason
        assert required == "Remplissez les champs obligatoires."
        assert error_sentence("invalid-input", {"reason": "at most 2000"}) == (
            "Certaines informations manquent ou ne sont pas valables : vérifiez le formulaire et réessayez.")
        assert http_sentence(413) == "Ce que vous avez envoyé est trop volumineux."
    with app.test_request_context("/?lang=nl"):
        assert error_sentence("question-not-open") == (
            "Deze vraag is niet meer open: ze is al beantwoord of afgesloten.")
        # Codes (or cases) the catalogue does not know keep their English message.
        assert error_sentence("calendar-config-error") is None
        assert error_sentence("conflict", {"code": "taken"}) is None
        assert error_sentence("no-way-to-notify", {"somewhere": "else"}) is None
