"""Summaries, "In brief" bullets, key figures and quizzes of articles (built-in and LLM)."""
