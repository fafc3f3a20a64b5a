"""The moco-desktop command line."""
