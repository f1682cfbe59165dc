"""More ways to earn: classic and partner quests, sponsors, daily check-ins, streaks and
leaderboards."""
