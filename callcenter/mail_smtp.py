"""SMTP adapter of the outbox: turn an OutboxMessage into a MIME mail and hand it to the server.

The Date and Message-ID headers come from the stored message, so a resend after a crash is the same
mail and receivers can drop the duplicate by its Message-ID.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from callcenter.domain.outbox import DeliveryFailure, OutboxMessage
from callcenter.settings import Settings


def build_mime(message: OutboxMessage, mail_from: str) -> EmailMessage:
    """Build the UTF-8 MIME mail of an outbox message (text, plus an HTML alternative if any)."""
    email = message.email
    mime = EmailMessage()
    mime["From"] = mail_from
    mime["To"] = email.to_address
    mime["Subject"] = email.subject
    mime["Date"] = format_datetime(message.created_at)
    mime["Message-ID"] = message.message_id
    mime.set_content(email.body_text, charset="utf-8")
    if email.body_html:
        mime.add_alternative(email.body_html, subtype="html", charset="utf-8")
    mime["Content-Language"] = email.language  # after the body: set_content drops Content-* headers
    return mime


class SmtpMailSender:
    """Send each message over its own SMTP session (the outbox volume is a few hundred a day)."""

    def __init__(self, host: str, port: int, *, mail_from: str, username: str = "", password: str = "",
                 starttls: bool = False, timeout_s: float = 10.0) -> None:
        self._host, self._port = host, port
        self._mail_from = mail_from
        self._envelope_from = parseaddr(mail_from)[1]
        self._username, self._password = username, password
        self._starttls = starttls
        self._timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailSender:
        return cls(settings.smtp_host, settings.smtp_port, mail_from=settings.mail_from,
                   username=settings.smtp_username, password=settings.smtp_password,
                   starttls=settings.smtp_starttls, timeout_s=settings.smtp_timeout_s)

    def send(self, message: OutboxMessage) -> None:
        """Deliver one message; raise DeliveryFailure (permanent when the server refused it for good)."""
        mime = build_mime(message, self._mail_from)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout_s) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password)
                smtp.send_message(mime, from_addr=self._envelope_from, to_addrs=[message.email.to_address])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            permanent = min(codes) >= 500
            raise DeliveryFailure(f"recipient refused: {exc.recipients}", permanent=permanent) from exc
        except smtplib.SMTPDataError as exc:
            raise DeliveryFailure(f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                                  permanent=exc.smtp_code >= 500) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryFailure(f"the server cannot carry this address: {exc}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            # Sender refused, authentication failed, …: the setup is wrong, not the mail; keep retrying.
            raise DeliveryFailure(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailure(f"SMTP server {self._host}:{self._port} unavailable: {exc}") from exc


def _text(error: bytes | str) -> str:
    return error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
