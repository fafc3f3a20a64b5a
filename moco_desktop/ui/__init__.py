"""PySide6 user interface: tray, windows and view models."""
