"""Handing a drawn message to Flask-Mailman, and what the server's answer means.

A refusal is one of three things: the address is refused for good (5xx to RCPT: the
address is suppressed), the message is refused for good (5xx to the message itself), or
"try later" (4xx, a connection that failed or dropped, a login the server refused: the
site's own settings, which someone will fix; the message waits meanwhile).
"""

from __future__ import annotations

import smtplib

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from flask_mailman.backends.base import BaseEmailBackend

from newsroom.extensions import mailer
from newsroom.mail.messages import Drawn

# MAIL_BACKEND's short names; any other value is Flask-Mailman's ("smtp", "locmem", ...).
BACKENDS = {"folder": "newsroom.mail.folder.EmailBackend"}


class AddressRefused(Exception):
    """The recipient's server refused the address for good."""


class MessageRefused(Exception):
    """The server refused this message for good."""


class TryLater(Exception):
    """Not sent this time; it may be next time."""


def connection() -> BaseEmailBackend:
    """A connection to the configured backend, its settings read now (not at start-up)."""
    config = current_app.config
    backend = BACKENDS.get(config["MAIL_BACKEND"], config["MAIL_BACKEND"])
    options: dict = {}
    if backend == "smtp":
        options = {
            "host": config["MAIL_SERVER"],
            "port": int(config["MAIL_PORT"]),
            "username": config["MAIL_USERNAME"] or None,
            "password": config["MAIL_PASSWORD"] or None,
            "use_tls": bool(config["MAIL_USE_TLS"]),
            "use_ssl": bool(config["MAIL_USE_SSL"]),
            "timeout": config["MAIL_TIMEOUT"],
        }
    elif backend == BACKENDS["folder"]:
        options = {"file_path": config["MAIL_FILE_PATH"]}
    return mailer.get_connection(backend=backend, **options)


def build(drawn: Drawn, backend: BaseEmailBackend) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=drawn.subject,
        body=drawn.text,
        from_email=drawn.sender,
        to=[drawn.to],
        headers=drawn.headers,
        connection=backend,
    )
    message.attach_alternative(drawn.html, "text/html")
    return message


def send(drawn: Drawn, backend: BaseEmailBackend) -> None:
    """Send one message; raises AddressRefused, MessageRefused or TryLater when not sent.
    After an error the connection is closed, and the next send opens a new one."""
    try:
        backend.send_messages([build(drawn, backend)])
    except smtplib.SMTPRecipientsRefused as error:
        close_quietly(backend)
        codes = [code for code, _text in error.recipients.values()]
        why = _said(error.recipients.values())
        if codes and all(code >= 500 for code in codes):
            raise AddressRefused(why) from None
        raise TryLater(why) from None
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as error:
        # The site's own settings (its login, its sender): fixed by someone, then sent.
        close_quietly(backend)
        raise TryLater(_said([(error.smtp_code, error.smtp_error)])) from None
    except smtplib.SMTPResponseException as error:
        close_quietly(backend)
        why = _said([(error.smtp_code, error.smtp_error)])
        if error.smtp_code >= 500:
            raise MessageRefused(why) from None
        raise TryLater(why) from None
    except (smtplib.SMTPException, OSError) as error:
        close_quietly(backend)
        raise TryLater(f"{type(error).__name__}: {error}") from None


def _said(answers) -> str:
    parts = []
    for code, text in answers:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        parts.append(f"{code} {' '.join(str(text).split())}")
    return "; ".join(parts)


def close_quietly(backend: BaseEmailBackend) -> None:
    try:
        backend.close()
    except (smtplib.SMTPException, OSError):
        # Already broken: the next send opens a new connection either way.
        backend.connection = None
