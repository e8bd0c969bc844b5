"""The accent-free folding that name search, sorting and the trigram index share, in PostgreSQL."""

from sqlalchemy import text

NAMES = [
    "Ressourcerie de Lévis",
    "ÉCOCENTRE Saint-Jérôme",
    "Friperie l'Œuvre",
    "Café-réparation Ça roule",
    "Comptoir Noël",
    "",
]


def test_folding_gives_the_same_text_as_unaccent(connection):
    for name in NAMES:
        ours, theirs = connection.execute(
            text("SELECT carte_unaccent(:n), public.unaccent('public.unaccent'::regdictionary, :n)"),
            {"n": name},
        ).one()
        assert ours == theirs


def test_folding_is_inlined_by_the_planner_so_rows_pay_no_sql_function_call(connection):
    plan = "\n".join(
        connection.execute(
            text("EXPLAIN VERBOSE SELECT lower(carte_unaccent(name)) FROM enterprise")
        ).scalars()
    )
    assert "carte_unaccent_dict" in plan and "carte_unaccent(" not in plan
