"""The tables of quests, sponsors, check-ins, streaks and leaderboard profiles."""

from __future__ import annotations

# --- quests and sponsors (0009_quests) ---

# --- check-ins, streaks, freezes, leaderboard profiles (0010_engagement) ---
