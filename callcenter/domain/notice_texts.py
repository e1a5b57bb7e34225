"""Texts of the service-commitment mails in fr, nl, de and en: delay notices to citizens, staff reminders.

The charter asks that a late answer be announced "en indiquant les raisons du retard ainsi que le délai
de traitement": the reason is quoted as the owner typed it, so it is written in the citizen's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callcenter.domain.closures import WEEKDAY_NAMES

LANGUAGES = ("fr", "nl", "de", "en")  # twin of callcenter.domain.contacts.Language
FALLBACK_LANGUAGE = "fr"

MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}

STATUS_NAMES = {
    "fr": {"registered": "enregistrée", "in_progress": "en cours de traitement",
           "transferred": "transférée au Backoffice", "delayed": "retardée (avis de retard envoyé)"},
    "nl": {"registered": "geregistreerd", "in_progress": "in behandeling",
           "transferred": "doorgestuurd naar de backoffice",
           "delayed": "uitgesteld (bericht van uitstel verstuurd)"},
    "de": {"registered": "registriert", "in_progress": "in Bearbeitung",
           "transferred": "an das Backoffice weitergeleitet",
           "delayed": "verzögert (Verzögerungsmitteilung versandt)"},
    "en": {"registered": "registered", "in_progress": "in progress",
           "transferred": "transferred to the back office", "delayed": "delayed (delay notice sent)"},
}
NOBODY = {"fr": "personne", "nl": "niemand", "de": "niemand", "en": "nobody"}

DELAY_SUBJECT = {
    "fr": "Votre question {reg} : délai de réponse prolongé",
    "nl": "Uw vraag {reg}: langere antwoordtermijn",
    "de": "Ihre Anfrage {reg}: Verlängerung der Antwortfrist",
    "en": "Your question {reg}: our answer will take longer",
}
DELAY_BODY = {
    "fr": """Madame, Monsieur,

Nous avons bien reçu votre question, enregistrée sous le numéro {reg}.

Nous ne sommes malheureusement pas en mesure d'y répondre dans le délai habituel.
Raison du retard : {reason}

Vous recevrez notre réponse au plus tard le {due}.

Pour tout contact à ce sujet, veuillez mentionner le numéro d'enregistrement {reg}.
Nous vous prions de bien vouloir nous excuser pour ce retard.

Cordialement,

Le service FrontOffice
SPP Intégration sociale
""",
    "nl": """Geachte mevrouw, geachte heer,

Wij hebben uw vraag goed ontvangen. Ze werd geregistreerd onder het nummer {reg}.

Helaas kunnen wij u niet binnen de gebruikelijke termijn antwoorden.
Reden van de vertraging: {reason}

U ontvangt ons antwoord uiterlijk op {due}.

Vermeld bij elk contact hierover het registratienummer {reg}.
Wij verontschuldigen ons voor dit uitstel.

Met vriendelijke groeten,

De dienst FrontOffice
POD Maatschappelijke Integratie
""",
    "de": """Sehr geehrte Damen und Herren,

wir haben Ihre Anfrage erhalten und unter der Nummer {reg} registriert.

Leider können wir sie nicht innerhalb der üblichen Frist beantworten.
Grund der Verzögerung: {reason}

Sie erhalten unsere Antwort spätestens am {due}.

Bitte geben Sie bei jeder Kontaktaufnahme hierzu die Registrierungsnummer {reg} an.
Wir bitten Sie, diese Verzögerung zu entschuldigen.

Mit freundlichen Grüßen

Der Dienst FrontOffice
ÖPD Sozialeingliederung
""",
    "en": """Dear Sir or Madam,

We have received your question, registered under number {reg}.

Unfortunately we cannot answer it within the usual time.
Reason for the delay: {reason}

You will receive our answer by {due} at the latest.

Please quote the registration number {reg} whenever you contact us about it.
We apologise for the delay.

Kind regards,

The FrontOffice
FPS Social Integration
""",
}

REMINDER_SUBJECT = {
    "fr": "Rappel : la question {reg} a dépassé son délai de réponse",
    "nl": "Herinnering: de antwoordtermijn van vraag {reg} is verstreken",
    "de": "Erinnerung: Die Antwortfrist der Anfrage {reg} ist abgelaufen",
    "en": "Reminder: question {reg} is past its deadline",
}
REMINDER_BODY = {
    "fr": """Bonjour {name},

La question {reg}{about} devait recevoir une réponse au plus tard le {due}.
Elle n'a pas encore reçu de réponse.

Responsable : {owner}
Statut : {status}

Merci d'y répondre au plus vite. Si la réponse demande plus de temps, signalez le retard au demandeur, \
avec sa raison et le nouveau délai.

Ce rappel est envoyé automatiquement, une seule fois pour ce délai.
""",
    "nl": """Beste {name},

Vraag {reg}{about} moest uiterlijk op {due} beantwoord zijn.
Ze is nog niet beantwoord.

Verantwoordelijke: {owner}
Status: {status}

Beantwoord de vraag zo snel mogelijk. Vraagt het antwoord meer tijd, meld de vertraging dan aan de \
vraagsteller, met de reden en de nieuwe termijn.

Deze herinnering wordt automatisch verstuurd, één keer voor deze termijn.
""",
    "de": """Guten Tag {name},

die Anfrage {reg}{about} war spätestens am {due} zu beantworten.
Sie ist noch nicht beantwortet.

Zuständig: {owner}
Status: {status}

Bitte beantworten Sie die Anfrage so bald wie möglich. Braucht die Antwort mehr Zeit, teilen Sie der \
anfragenden Person die Verzögerung mit, mit dem Grund und der neuen Frist.

Diese Erinnerung wird automatisch versandt, einmal für diese Frist.
""",
    "en": """Hello {name},

Question {reg}{about} was due for an answer by {due}.
It has not been answered yet.

Owner: {owner}
Status: {status}

Please answer it as soon as possible. If the answer needs more time, tell the person who asked, with \
the reason and the new deadline.

This reminder is sent automatically, once for this deadline.
""",
}


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


def language_or_default(language: str) -> str:
    """Return ``language`` if the texts exist in it, else the office's default language."""
    return language if language in LANGUAGES else FALLBACK_LANGUAGE


def format_day(local: datetime, language: str) -> str:
    """Write a local date the way a letter does: 'mardi 1er décembre 2026', 'Dienstag, 1. Dezember 2026'."""
    lang = language_or_default(language)
    weekday = WEEKDAY_NAMES[lang][local.weekday()]
    month = MONTHS[lang][local.month - 1]
    if lang == "de":
        return f"{weekday}, {local.day}. {month} {local.year}"
    day = "1er" if lang == "fr" and local.day == 1 else str(local.day)
    return f"{weekday} {day} {month} {local.year}"


def format_moment(local: datetime, language: str) -> str:
    """Write a local date and time: 'jeudi 3 décembre 2026 à 16h30', 'donderdag … om 16.30 uur'."""
    lang = language_or_default(language)
    day = format_day(local, lang)
    if lang == "fr":
        return f"{day} à {local.hour}h{local.minute:02d}"
    if lang == "nl":
        return f"{day} om {local.hour}.{local.minute:02d} uur"
    if lang == "de":
        return f"{day}, {local.hour}:{local.minute:02d} Uhr"
    return f"{day} at {local.hour}:{local.minute:02d}"


def delay_notice_text(language: str, registration_number: str, reason: str, due_local: datetime) -> MailText:
    """Return the mail telling a citizen the answer comes later, why, and by which day."""
    lang = language_or_default(language)
    values = {"reg": registration_number, "reason": reason, "due": format_day(due_local, lang)}
    return MailText(DELAY_SUBJECT[lang].format(**values), DELAY_BODY[lang].format(**values))


def reminder_text(language: str, *, name: str, registration_number: str, about: str, due_local: datetime,
                  owner: str | None, status: str) -> MailText:
    """Return the mail reminding a staff member that a question passed its due time unanswered."""
    lang = language_or_default(language)
    values = {"reg": registration_number, "name": name, "about": f" ({about})" if about else "",
              "due": format_moment(due_local, lang), "owner": owner or NOBODY[lang],
              "status": STATUS_NAMES[lang].get(status, status)}
    return MailText(REMINDER_SUBJECT[lang].format(**values), REMINDER_BODY[lang].format(**values))
