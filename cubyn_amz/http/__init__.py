"""How the tool talks HTTP: one session a service, pacing, retries, redaction."""
