"""Freshness: entries not verified for a while, and reminders inviting owners to confirm them."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.errors import CarteError
from carte.store.actor import set_actor

LINK_SALT = "owner-link"


class Mailer(Protocol):
    """Sends one e-mail."""

    def send(self, message: EmailMessage) -> None:
        """Send the message or raise OSError / smtplib.SMTPException."""


@dataclass(frozen=True)
class SmtpMailer:
    """Sends through an SMTP server."""

    host: str
    port: int
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0

    def send(self, message: EmailMessage) -> None:
        """Open a connection, authenticate if configured, send."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


@dataclass(frozen=True)
class ReminderResult:
    """How a round of reminders went."""

    sent: int
    failed: int


def link_signer(secret: str) -> URLSafeTimedSerializer:
    """Signs the enterprise id carried by an owner's link."""
    return URLSafeTimedSerializer(secret, salt=LINK_SALT)


def read_link(secret: str, token: str, max_days: int) -> int:
    """The enterprise id of a valid, unexpired link, or a CarteError in French."""
    try:
        return int(link_signer(secret).loads(token, max_age=max_days * 86400))
    except SignatureExpired:
        raise CarteError("Ce lien a expiré : écrivez-nous pour en recevoir un nouveau.", status=410) from None
    except (BadSignature, ValueError):
        raise CarteError("Ce lien n'est pas valide.", status=400) from None


def stale_enterprises(
    connection: Connection, days: int, mrc_codes: list[str] | None, limit: int = 500
) -> list[dict[str, Any]]:
    """Published entries not verified (nor created) for the given number of days, oldest first."""
    rows = connection.execute(
        text("""
        SELECT e.id, e.name, e.email, e.municipality_name, m.name AS mrc_name,
               coalesce(e.verified_at, e.created_at) AS checked_at,
               (SELECT max(sent_at) FROM reminder r WHERE r.enterprise_id = e.id) AS reminded_at
        FROM enterprise e LEFT JOIN mrc m ON m.code = e.mrc_code
        WHERE e.published AND e.merged_into IS NULL
          AND coalesce(e.verified_at, e.created_at) < now() - make_interval(days => :days)
          AND (CAST(:mrcs AS text[]) IS NULL OR e.mrc_code = ANY(:mrcs))
        ORDER BY checked_at, e.id LIMIT :limit"""),
        {"days": days, "mrcs": mrc_codes, "limit": limit},
    ).mappings()
    return [dict(row) for row in rows]


def due_reminders(connection: Connection, stale_days: int, interval_days: int) -> list[dict[str, Any]]:
    """Stale entries with an e-mail whose owner was not reminded within the interval."""
    rows = connection.execute(
        text("""
        SELECT e.id, e.name, e.email FROM enterprise e
        WHERE e.published AND e.merged_into IS NULL AND e.email IS NOT NULL
          AND coalesce(e.verified_at, e.created_at) < now() - make_interval(days => :stale)
          AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.enterprise_id = e.id
                          AND r.sent_at > now() - make_interval(days => :interval))
        ORDER BY e.id"""),
        {"stale": stale_days, "interval": interval_days},
    ).mappings()
    return [dict(row) for row in rows]


def reminder_message(entry: dict[str, Any], link: str, sender: str) -> EmailMessage:
    """The bilingual e-mail inviting an owner to confirm or correct their entry."""
    message = EmailMessage()
    message["Subject"] = f"Votre fiche sur la Carte de l'économie sociale : {entry['name']}"
    message["From"] = sender
    message["To"] = entry["email"]
    message.set_content(
        f"Bonjour,\n\nLa fiche « {entry['name']} » figure sur la Carte de l'économie sociale. "
        "Ses informations sont-elles toujours exactes ? Confirmez-les ou proposez une correction "
        f"en suivant ce lien (sans compte) :\n\n{link}\n\nMerci !\n\n"
        f'---\n\nHello,\n\nThe entry "{entry["name"]}" is listed on the Carte de l\'économie '
        f"sociale. Is it still accurate? Confirm it or suggest a correction here:\n\n{link}\n"
    )
    return message


def send_reminders(
    connection: Connection,
    mailer: Mailer,
    secret: str,
    public_url: str,
    sender: str,
    stale_days: int,
    interval_days: int,
) -> ReminderResult:
    """E-mail every due owner a signed link; a failed send is counted and retried next time."""
    sent = failed = 0
    signer = link_signer(secret)
    for entry in due_reminders(connection, stale_days, interval_days):
        link = f"{public_url.rstrip('/')}/proprietaire/{signer.dumps(entry['id'])}"
        try:
            mailer.send(reminder_message(entry, link, sender))
        except (OSError, smtplib.SMTPException):
            failed += 1
            continue
        connection.execute(
            text("INSERT INTO reminder (enterprise_id, email) VALUES (:id, :email)"),
            {"id": entry["id"], "email": entry["email"]},
        )
        sent += 1
    return ReminderResult(sent, failed)


def confirm(connection: Connection, enterprise_id: int, actor: str) -> None:
    """Record that an entry was verified now."""
    set_actor(connection, actor, "confirm")
    connection.execute(
        text("UPDATE enterprise SET verified_at = now() WHERE id = :id"), {"id": enterprise_id}
    )
