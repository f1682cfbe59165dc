"""Quests and sponsors: the public face of the quests domain (docs/quests.md).

Its parts: `composing` (an operator's quests), `sponsors` (sponsors, their accounts, reports),
`progress` (where a reader stands), `completion` (paid once), `actions` (link and quiz steps,
collecting), `views` (what readers see), `hooks` (quests advanced by reads), `demo`.
"""

from __future__ import annotations

from readtoearn.quests.actions import (
    Opened,
    QuizAnswer,
    StepQuiz,
    answer_step_quiz,
    collect,
    follow_link,
    get_step_quiz,
    open_link,
)
from readtoearn.quests.completion import Completion, complete_quest, quest_transfer_id
from readtoearn.quests.composing import (
    QuestDraft,
    StepDraft,
    close_quest,
    create_quest,
    draft_from_json,
    get_quest,
    list_quests,
    quests_with_article,
)
from readtoearn.quests.hooks import advance_after_read, answer_read_quiz, complete_read
from readtoearn.quests.models import StepKind, TrustLevel
from readtoearn.quests.progress import QuestProgress, QuestState, StepProgress, progress_of
from readtoearn.quests.sponsors import (
    Funding,
    SponsorDraft,
    SponsorReport,
    build_report,
    create_sponsor,
    fund_sponsor,
    get_sponsor,
    get_sponsor_report,
    list_sponsors,
    report_csv,
    sponsor_available,
)
from readtoearn.quests.views import (
    ArticleStep,
    get_reader_quest,
    list_closing_quests,
    list_reader_quests,
    steps_for_article,
)

__all__ = [
    "ArticleStep",
    "Completion",
    "Funding",
    "Opened",
    "QuestDraft",
    "QuestProgress",
    "QuestState",
    "QuizAnswer",
    "SponsorDraft",
    "SponsorReport",
    "StepDraft",
    "StepKind",
    "StepProgress",
    "StepQuiz",
    "TrustLevel",
    "advance_after_read",
    "answer_read_quiz",
    "answer_step_quiz",
    "build_report",
    "close_quest",
    "collect",
    "complete_quest",
    "complete_read",
    "create_quest",
    "create_sponsor",
    "draft_from_json",
    "follow_link",
    "fund_sponsor",
    "get_quest",
    "get_reader_quest",
    "get_sponsor",
    "get_sponsor_report",
    "get_step_quiz",
    "list_closing_quests",
    "list_quests",
    "list_reader_quests",
    "list_sponsors",
    "open_link",
    "progress_of",
    "quest_transfer_id",
    "quests_with_article",
    "report_csv",
    "sponsor_available",
    "steps_for_article",
]
