"""Generate N published enterprises directly in SQL, at real Quebec postal codes, for the map benchmarks.

Beyond the number of postal codes (about 225,000) the codes are used again, in the same order.

Only for the bench database: it deletes every enterprise there first.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

HOURS = [
    "Mo-Fr 09:00-17:00; Sa 10:00-16:00",
    "Tu-Sa 10:00-17:00",
    "Mo-We 09:00-16:00; Th-Fr 09:00-20:00",
    "Mo-Fr 08:30-12:00,13:00-16:30",
    "We-Su 12:00-18:00",
    "24/7",
    "",
]
PREFIXES = [
    "Ressourcerie",
    "Friperie",
    "Comptoir familial",
    "Atelier",
    "Coop",
    "Écocentre communautaire",
    "Vestiaire",
    "Magasin-partage",
    "Récupération",
    "Boutique solidaire",
    "Café réparation",
]

GENERATE_SQL = text("""
WITH shuffled AS (
    SELECT code, municipality_name, point, row_number() OVER (ORDER BY md5(code || :seed)) AS k
    FROM postal_code
),
picked AS (  -- the n-th postal code of a fixed shuffle, starting again when there are more rows than codes
    SELECT p.code, p.municipality_name, p.point, g.n
    FROM generate_series(1, :count) AS g(n)
    JOIN shuffled p ON p.k = 1 + (g.n - 1) % (SELECT count(*) FROM postal_code)
),
vocab AS (
    SELECT (SELECT array_agg(code ORDER BY position) FROM sector) AS sectors,
           (SELECT array_agg(code ORDER BY position) FROM item_category) AS items,
           (SELECT array_agg(code ORDER BY position) FROM service) AS services
)
INSERT INTO enterprise (id, source, source_key, name, description, street, municipality_name, postal_code,
                        phone, website, opening_hours, sectors, items, services, point, geocode_precision,
                        geocode_source, mrc_code, published, contact_person, internal_notes)
SELECT n, 'bench', 'bench-' || n,
       (CAST(:prefixes AS text[]))[1 + n % cardinality(CAST(:prefixes AS text[]))] || ' ' || initcap(municipality_name)
           || CASE WHEN n % 3 = 0 THEN ' ' || n ELSE '' END,
       'Organisme à but non lucratif', (10 + n % 990) || ' rue Principale', initcap(municipality_name), code,
       '+1418555' || lpad((n % 10000)::text, 4, '0'),
       CASE WHEN n % 2 = 0 THEN 'https://exemple.org/' || n END,
       nullif((CAST(:hours AS text[]))[1 + n % cardinality(CAST(:hours AS text[]))], ''),
       ARRAY[v.sectors[1 + n % 4]] || CASE WHEN n % 5 = 0 THEN ARRAY[v.sectors[5 + n % 9]] ELSE '{}' END,
       ARRAY[v.items[1 + n % 16], v.items[1 + (n / 16) % 16]]
         || CASE WHEN n % 4 = 0 THEN ARRAY['meubles'] ELSE '{}' END,
       CASE WHEN n % 6 = 0 THEN ARRAY[v.services[1 + n % 5]] ELSE '{}' END,
       ST_SetSRID(ST_MakePoint(ST_X(point) + ((n % 7) - 3) * 0.0004, ST_Y(point) + ((n % 5) - 2) * 0.0004), 4326),
       CASE WHEN n % 10 = 0 THEN 'postal_code' ELSE 'address' END, 'bench',
       (SELECT mrc_code FROM mrc_part WHERE ST_Intersects(mrc_part.geom, point) LIMIT 1),
       true, 'Personne ressource ' || n, 'Note interne ' || n
FROM picked, vocab v
""")


def generate_enterprises(engine: Engine, count: int, seed: str = "carte") -> int:
    """Replace the enterprises of the bench database with `count` new ones, ids 1 to count, the same
    at every run; return how many exist."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM enterprise"))
        connection.execute(GENERATE_SQL, {"count": count, "seed": seed, "prefixes": PREFIXES, "hours": HOURS})
        connection.execute(text("SELECT setval('enterprise_id_seq', (SELECT max(id) FROM enterprise))"))
        return connection.execute(text("SELECT count(*) FROM enterprise WHERE source = 'bench'")).scalar_one()
