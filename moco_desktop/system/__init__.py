"""Per-OS code (idle time, autostart, directories) behind small interfaces."""
