"""Freshness reminders through a real local SMTP server, and the owner's signed link."""

from __future__ import annotations

import email
import os
import re
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import text

from carte.staff.freshness import SmtpMailer, link_signer, send_reminders, stale_enterprises
from tests.helpers import insert_enterprise

SECRET = "test"


class Inbox(Message):
    """Keeps every message the SMTP server receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[email.message.Message] = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def smtp():
    """A real SMTP server on loopback; its .inbox holds what it received."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.inbox = inbox
    yield controller
    controller.stop()


def old_entry(connection, **fields) -> int:
    """A published entry created two years ago and never verified."""
    return insert_enterprise(connection, created_at="2024-11-01", email="proprio@exemple.org", **fields)


def send(connection, smtp_server) -> tuple[int, int]:
    """One round of reminders through the local server."""
    result = send_reminders(
        connection,
        SmtpMailer("127.0.0.1", smtp_server.port),
        SECRET,
        "http://carte.test",
        "carte@exemple.org",
        365,
        90,
    )
    return result.sent, result.failed


def test_stale_entries_are_listed_oldest_first(connection):
    now = datetime.now(UTC)
    fresh = insert_enterprise(connection, name="Récente", created_at=now - timedelta(days=30))
    stale = insert_enterprise(connection, name="Ancienne", created_at=now - timedelta(days=400))
    oldest = insert_enterprise(connection, name="Très ancienne", created_at=now - timedelta(days=1500))
    verified = insert_enterprise(
        connection,
        name="Vérifiée il y a deux ans",
        created_at=now - timedelta(days=3000),
        verified_at=now - timedelta(days=730),
    )
    mine = {fresh, stale, oldest, verified}
    listed = [row["id"] for row in stale_enterprises(connection, 365, None) if row["id"] in mine]
    assert listed == [oldest, verified, stale]


def test_an_owner_receives_one_reminder_with_a_signed_link(connection, smtp):
    entry = old_entry(connection, name="Friperie ancienne")
    assert send(connection, smtp) == (1, 0)
    assert send(connection, smtp) == (0, 0)
    [message] = smtp.inbox.messages
    assert message["To"] == "proprio@exemple.org"
    link = re.search(
        r"http://carte\.test/proprietaire/(\S+)", message.get_payload(decode=True).decode()
    ).group(1)
    assert link_signer(SECRET).loads(link) == entry


def test_a_failed_send_is_not_recorded_and_is_retried(connection, smtp):
    old_entry(connection)
    down = SmtpMailer("127.0.0.1", free_port(), timeout=2)
    result = send_reminders(connection, down, SECRET, "http://carte.test", "carte@exemple.org", 365, 90)
    assert (result.sent, result.failed) == (0, 1)
    assert send(connection, smtp) == (1, 0)


def test_the_owner_confirms_the_entry_from_the_link(client, connection, app):
    app.config["SESSION_COOKIE_SECURE"] = False
    entry = old_entry(connection, name="Comptoir à confirmer")
    token = link_signer(app.config["SECRET_KEY"]).dumps(entry)
    page = client.get(f"/proprietaire/{token}").get_data(as_text=True)
    assert "Comptoir à confirmer" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/proprietaire/{token}/confirmer", data={"csrf_token": csrf})
    assert (
        connection.execute(
            text("SELECT verified_at IS NOT NULL FROM enterprise WHERE id = :id"), {"id": entry}
        ).scalar()
        is True
    )
    assert entry not in [row["id"] for row in stale_enterprises(connection, 365, None)]


def test_a_forged_or_expired_link_is_refused_in_french(client, connection, app):
    entry = old_entry(connection)
    assert "pas valide" in client.get("/proprietaire/forge").get_data(as_text=True)
    app.config["REMINDER_LINK_DAYS"] = -1
    token = link_signer(app.config["SECRET_KEY"]).dumps(entry)
    response = client.get(f"/proprietaire/{token}")
    assert response.status_code == 410 and "expiré" in response.get_data(as_text=True)


def test_reminders_send_command_uses_the_smtp_settings(engine, database_url, smtp):
    with engine.begin() as connection:
        entry = old_entry(connection, source="reminder-test")
    try:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "carte"), "reminders", "send"],
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **os.environ,
                "CARTE_DATABASE_URL": database_url,
                "CARTE_SMTP_HOST": "127.0.0.1",
                "CARTE_SMTP_PORT": str(smtp.port),
                "CARTE_PUBLIC_URL": "http://carte.test",
            },
        )
        assert result.returncode == 0, result.stderr
        assert "Rappels envoyés : 1" in result.stdout
        assert len(smtp.inbox.messages) == 1
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM enterprise WHERE id = :id"), {"id": entry})
