"""Sending plain-text email through the clinic's SMTP server, when one is configured."""

import logging
import smtplib
import ssl
from email.message import EmailMessage

from app.config import get_settings

log = logging.getLogger(__name__)


def smtp_configured() -> bool:
    """Whether emails can be sent (otherwise links are shown on screen to copy)."""
    return bool(get_settings().smtp_host)


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send one email; False (and a log line, never the body) when it could not be sent."""
    settings = get_settings()
    if not settings.smtp_host:
        return False
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    context = ssl.create_default_context()
    try:
        if settings.smtp_port == 465:
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=15, context=context
            )
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15)
        with server:
            server.ehlo()
            if settings.smtp_port != 465 and server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password)
            server.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        log.warning("email to a recipient could not be sent: %s", type(error).__name__)
        return False
    return True
