"""Where API keys live: the OS keyring, or memory for this session; never a file."""
