"""Who makes the changes of a transaction, as the history trigger records them."""

from sqlalchemy import text
from sqlalchemy.engine import Connection


def set_actor(connection: Connection, actor: str, kind: str = "edit") -> None:
    """Name who makes the next changes in this transaction, for the history trigger."""
    connection.execute(
        text("SELECT set_config('carte.actor', :actor, true), set_config('carte.change_kind', :kind, true)"),
        {"actor": actor, "kind": kind},
    )
