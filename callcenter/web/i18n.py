"""Languages of the pages: Flask-Babel with our gettext catalogs, compiled in memory when the app starts.

The catalogs are the ``.po`` files under ``callcenter/translations/<lang>/LC_MESSAGES/`` (source strings
are English); no compiled ``.mo`` is kept in the repository or needed on disk. A page's language is
``?lang=`` when it names one of ours, else the browser's Accept-Language, else French.

After changing a translatable string, refresh the template and the catalogs, then translate what
``pybabel update`` marked new or fuzzy (tests/integration/test_public_status.py checks none is left):

    pybabel extract -F callcenter/translations/babel.cfg -k lazy_gettext --no-location --sort-output \
        -w 110 -o callcenter/translations/messages.pot .
    pybabel update -i callcenter/translations/messages.pot -d callcenter/translations -w 110
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, request, session
from flask_babel import Babel, Domain, get_locale

LANGUAGES = ("fr", "nl", "de", "en")
DEFAULT_LANGUAGE = "fr"
SESSION_LANGUAGE = "lang"  # set at staff login and by the staff language switcher
# Each language named in itself, for the language switcher.
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "de": "Deutsch", "en": "English"}
TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"


class CatalogDomain(Domain):  # type: ignore[misc]
    """A Flask-Babel domain serving catalogs already in memory, one per language."""

    def __init__(self, catalogs: dict[str, Translations]) -> None:
        super().__init__()
        self._catalogs = catalogs

    def get_translations(self) -> Translations | NullTranslations:
        locale = get_locale()
        found = self._catalogs.get(locale.language) if locale is not None else None
        return found if found is not None else NullTranslations()


def init_i18n(app: Flask) -> None:
    """Give the app Flask-Babel with our catalogs and language choice, once whoever asks first."""
    if "babel" in app.extensions:
        return
    babel = Babel(app, locale_selector=current_language, default_locale=DEFAULT_LANGUAGE)
    babel.domain_instance = CatalogDomain(load_catalogs(TRANSLATIONS_DIR))


def current_language() -> str:
    """Return the language of this request: ?lang=, the session's choice, Accept-Language, else French."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    chosen = session.get(SESSION_LANGUAGE, "")  # a staff user's preferred language, or the switcher's choice
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def load_catalogs(directory: Path) -> dict[str, Translations]:
    """Compile each language's messages.po, then its other .po files (panel.po …), into one catalog."""
    return {lang: merge_catalogs(directory / lang / "LC_MESSAGES", lang) for lang in LANGUAGES}


def merge_catalogs(folder: Path, lang: str) -> Translations:
    """Compile messages.po and merge every other .po of ``folder`` into it (each area keeps its own file)."""
    others = sorted(p for p in folder.glob("*.po") if p.name != "messages.po")
    catalog = compile_po(folder / "messages.po", lang)
    for path in others:
        catalog.merge(compile_po(path, lang))
    return catalog


def compile_po(path: Path, lang: str) -> Translations:
    """Compile one .po file (fuzzy entries left out, as msgfmt does) into a catalog."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="messages")
