"""Benchmarks: scripts that measure the app and print JSON plus a Markdown table."""
