"""The order of names a citizen reads: one ICU collation shared by PostgreSQL and the browser."""

#: PostgreSQL's ICU collation for names: French as written in Quebec, so case and accents only break
#: ties ("Ecole", "École", "Epicerie") and "Œuvre" sorts as "Oeuvre". The map's script compares names
#: with the same locale (Intl.Collator(NAME_LOCALE)) where it has them.
NAME_COLLATION = "fr-CA-x-icu"
#: The BCP 47 locale of NAME_COLLATION, for Intl.Collator.
NAME_LOCALE = "fr-CA"
