"""Geocode precisions: how exactly an enterprise's point is known, the one list the rest imports."""

#: Best first: a point given by people, then an address, then coarser and coarser fallbacks.
PRECISIONS: tuple[str, ...] = ("manual", "address", "postal_code", "municipality", "fsa")
#: The precisions that place a pin on the building itself; any other is drawn as approximate.
EXACT_PRECISIONS: tuple[str, ...] = PRECISIONS[:2]
