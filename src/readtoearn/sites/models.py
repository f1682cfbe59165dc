"""The tables of publisher sites, their keys and their webhooks."""

from __future__ import annotations
