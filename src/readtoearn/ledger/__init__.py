"""The points ledger (docs/ledger.md); its API is readtoearn.ledger.service."""

# Loaded first, so that its helper modules (queries, expiry, audit) can be imported on their own.
from readtoearn.ledger import service as service
