"""Reference geography, the geocoding chain and its adapters, places typed by citizens, retries."""
