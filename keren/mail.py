"""Sending e-mail: printed to the console in development, SMTP in production, kept in tests."""
import smtplib
import sys
from email.message import EmailMessage

from flask import current_app


def outbox(app=None):
    """The messages kept by the `memory` backend (tests)."""
    return (app or current_app).extensions.setdefault("keren_outbox", [])


def send(to, subject, body):
    """Send one plain-text e-mail with the configured backend (MAIL_BACKEND)."""
    app = current_app
    message = EmailMessage()
    message["From"] = app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    backend = app.config["MAIL_BACKEND"]
    if backend == "memory":
        outbox(app).append(message)
    elif backend == "console":
        print(f"--- e-mail ---\n{message}--- end ---", file=sys.stdout, flush=True)
    elif backend == "smtp":
        with smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=20) as smtp:
            if app.config["MAIL_USE_TLS"]:
                smtp.starttls()
            if app.config["MAIL_USERNAME"]:
                smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        raise ValueError(f"unknown MAIL_BACKEND {backend!r}")
