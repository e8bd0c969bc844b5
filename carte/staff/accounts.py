"""Staff accounts: argon2id password hashes, throttled sign-in, server-side sessions, permissions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text
from sqlalchemy.engine import Connection

from carte.core.errors import CarteError

ROLES = ("admin", "editor")
MIN_PASSWORD_LENGTH = 12
MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class SignInRefused(CarteError):
    """Wrong credentials or a locked account; the message never says which part was wrong."""

    status = 401


@dataclass(frozen=True)
class User:
    """A signed-in staff member."""

    id: int
    email: str
    role: str
    mrc_codes: tuple[str, ...] = field(default=())

    @property
    def is_admin(self) -> bool:
        """Admins may touch every enterprise and manage accounts."""
        return self.role == "admin"

    def may_edit(self, mrc_code: str | None) -> bool:
        """Whether this user may change an enterprise of the given MRC."""
        return self.is_admin or (mrc_code is not None and mrc_code in self.mrc_codes)

    @property
    def mrc_scope(self) -> list[str] | None:
        """The MRCs this user's lists are limited to; None for admins, who see every MRC."""
        return None if self.is_admin else list(self.mrc_codes)

    @property
    def actor(self) -> str:
        """How the change history names this user."""
        return f"user:{self.id} {self.email}"


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def create_user(
    connection: Connection, email: str, password: str, role: str, mrc_codes: list[str] | tuple[str, ...] = ()
) -> int:
    """Create a staff account after checking every field; return its id."""
    email = email.strip()
    if not _EMAIL.match(email):
        raise CarteError(f"Adresse courriel invalide : {email!r}.")
    if role not in ROLES:
        raise CarteError(f"Rôle inconnu : {role!r} (admin ou editor).")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CarteError(f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")
    known = set(
        connection.execute(
            text("SELECT code FROM mrc WHERE code = ANY(:codes)"), {"codes": list(mrc_codes)}
        ).scalars()
    )
    unknown = [code for code in mrc_codes if code not in known]
    if unknown:
        raise CarteError(f"Code(s) de MRC inconnu(s) : {', '.join(unknown)}.")
    if role == "editor" and not mrc_codes:
        raise CarteError("Un éditeur doit être rattaché à au moins une MRC (--mrc CODE).")
    exists = connection.execute(
        text("SELECT 1 FROM app_user WHERE lower(email) = lower(:email)"), {"email": email}
    ).first()
    if exists:
        raise CarteError(f"Un compte existe déjà pour {email}.")
    return connection.execute(
        text(
            "INSERT INTO app_user (email, password_hash, role, mrc_codes) "
            "VALUES (:email, :hash, :role, :mrcs) RETURNING id"
        ),
        {"email": email, "hash": hash_password(password), "role": role, "mrcs": list(mrc_codes)},
    ).scalar_one()


def list_users(connection: Connection) -> list[dict]:
    """Every account, without its hash."""
    rows = connection.execute(
        text(
            "SELECT id, email, role, mrc_codes, active, last_login_at, created_at FROM app_user "
            "ORDER BY lower(email)"
        )
    ).mappings()
    return [dict(row) for row in rows]


def authenticate(connection: Connection, email: str, password: str, now: datetime | None = None) -> User:
    """Check a password, counting failures per account and locking it after too many."""
    now = now or datetime.now(UTC)
    row = (
        connection.execute(
            text(
                "SELECT id, email, role, mrc_codes, password_hash, failed_attempts, locked_until, active "
                "FROM app_user WHERE lower(email) = lower(:email)"
            ),
            {"email": email.strip()},
        )
        .mappings()
        .first()
    )
    refused = SignInRefused("Adresse courriel ou mot de passe incorrect.")
    if row is None or not row["active"]:
        _hasher.hash(password)  # same cost whether or not the account exists
        raise refused
    if row["locked_until"] and row["locked_until"] > now:
        minutes = max(1, int((row["locked_until"] - now).total_seconds() // 60) + 1)
        raise SignInRefused(f"Trop de tentatives : réessayez dans {minutes} minute(s).", status=429)
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        record_failure(connection, row["id"], row["failed_attempts"] + 1, now)
        raise refused from None
    connection.execute(
        text(
            "UPDATE app_user SET failed_attempts = 0, locked_until = NULL, "
            "last_login_at = :now WHERE id = :id"
        ),
        {"id": row["id"], "now": now},
    )
    return User(row["id"], row["email"], row["role"], tuple(row["mrc_codes"]))


def record_failure(connection: Connection, user_id: int, attempts: int, now: datetime) -> None:
    """Count a failed attempt; lock the account for a while once there are too many."""
    locked_until = now + timedelta(minutes=LOCK_MINUTES) if attempts >= MAX_FAILED_ATTEMPTS else None
    connection.execute(
        text("UPDATE app_user SET failed_attempts = :attempts, locked_until = :locked WHERE id = :id"),
        {"attempts": 0 if locked_until else attempts, "locked": locked_until, "id": user_id},
    )


def _digest(token: str) -> str:
    """What the database keeps of a session token (a stolen table reveals no live token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(connection: Connection, user_id: int) -> str:
    """Start a server-side session and return its secret token."""
    token = secrets.token_urlsafe(32)
    connection.execute(
        text("INSERT INTO user_session (token_hash, user_id) VALUES (:hash, :user)"),
        {"hash": _digest(token), "user": user_id},
    )
    return token


def resolve_session(
    connection: Connection, token: str, idle_minutes: int, now: datetime | None = None
) -> User | None:
    """The user of a live session, touching it; None when it ended, expired or never existed."""
    now = now or datetime.now(UTC)
    row = connection.execute(
        text("""
        UPDATE user_session s SET last_seen_at = :now FROM app_user u
        WHERE s.token_hash = :hash AND u.id = s.user_id AND u.active
          AND s.last_seen_at > :now - make_interval(mins => :idle)
        RETURNING u.id, u.email, u.role, u.mrc_codes"""),
        {"hash": _digest(token), "now": now, "idle": idle_minutes},
    ).first()
    if row is None:
        connection.execute(
            text("DELETE FROM user_session WHERE token_hash = :hash"), {"hash": _digest(token)}
        )
        return None
    return User(row[0], row[1], row[2], tuple(row[3]))


def close_session(connection: Connection, token: str) -> None:
    """End a session: its cookie stops working, even if it was copied."""
    connection.execute(text("DELETE FROM user_session WHERE token_hash = :hash"), {"hash": _digest(token)})
