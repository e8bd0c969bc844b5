"""Public reads: search filters, queries, exports and the public view of an enterprise."""
