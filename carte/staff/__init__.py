"""Staff work: accounts, edits, history, review, duplicates, suggestions and freshness."""
