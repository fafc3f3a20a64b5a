"""SQLite cache of what the app shows and the offline outbox of changes not yet in MOCO."""
