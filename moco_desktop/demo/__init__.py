"""An embedded, stateful MOCO server over real sockets for demo mode, development and tests."""
