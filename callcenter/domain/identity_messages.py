"""What an agent reads when a login or a page is refused, in the four languages (by error code).

The JSON envelope keeps one English sentence for integrators; pages (login form, panel) show these.
"""

from __future__ import annotations

from callcenter.domain.identity import LANGUAGES, PASSWORD_MIN_LENGTH

FALLBACK_LANGUAGE = "fr"  # the office's default language, as for users

MESSAGES: dict[str, dict[str, str]] = {
    "invalid-credentials": {
        "fr": "Nom d'utilisateur ou mot de passe incorrect.",
        "nl": "Gebruikersnaam of wachtwoord is onjuist.",
        "de": "Benutzername oder Passwort ist falsch.",
        "en": "The username or password is wrong.",
    },
    "session-expired": {
        "fr": "Votre session a expiré après une période d'inactivité : reconnectez-vous.",
        "nl": "Uw sessie is verlopen na een periode van inactiviteit: meld u opnieuw aan.",
        "de": "Ihre Sitzung ist wegen Inaktivität abgelaufen: Bitte melden Sie sich erneut an.",
        "en": "Your session was idle too long: log in again.",
    },
    "forbidden": {
        "fr": "Vous n'avez pas accès à cette page.",
        "nl": "U hebt geen toegang tot deze pagina.",
        "de": "Sie haben keinen Zugriff auf diese Seite.",
        "en": "You do not have access to this page.",
    },
    "csrf-failed": {
        "fr": "Le formulaire a expiré : rechargez la page et réessayez.",
        "nl": "Het formulier is verlopen: laad de pagina opnieuw en probeer het nog eens.",
        "de": "Das Formular ist abgelaufen: Laden Sie die Seite neu und versuchen Sie es erneut.",
        "en": "The form has expired: reload the page and try again.",
    },
    "weak-password": {
        "fr": f"Le mot de passe doit compter au moins {PASSWORD_MIN_LENGTH} caractères et ne pas contenir "
              "le nom d'utilisateur.",
        "nl": f"Het wachtwoord moet minstens {PASSWORD_MIN_LENGTH} tekens lang zijn en mag de gebruikersnaam "
              "niet bevatten.",
        "de": f"Das Passwort muss mindestens {PASSWORD_MIN_LENGTH} Zeichen lang sein und darf den "
              "Benutzernamen nicht enthalten.",
        "en": f"The password must have at least {PASSWORD_MIN_LENGTH} characters and must not contain "
              "the username.",
    },
}


def identity_message(code: str, language: str) -> str | None:
    """Return the agent-facing text of an identity error code, or None for another code."""
    texts = MESSAGES.get(code)
    if texts is None:
        return None
    return texts[language if language in LANGUAGES else FALLBACK_LANGUAGE]
