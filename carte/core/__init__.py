"""Pure building blocks: settings, typed errors, text normalisers, the vocabulary, opening hours."""
