"""The one place that talks HTTP to MOCO: client, auth, rate limiter, pagination, errors, DTOs."""
