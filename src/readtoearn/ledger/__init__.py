"""The points ledger (docs/ledger.md); its API is readtoearn.ledger.service."""
