"""Per-OS code (idle time, sleep and lock, start at login, directories) behind small interfaces."""
