"""Demo quests, so a fresh `readtoearn serve` shows both kinds: a classic quest over two demo
articles, and a partner quest paid by a funded demo sponsor."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.articles.models import Article
from readtoearn.quests.composing import QuestDraft, StepDraft, create_quest
from readtoearn.quests.models import Quest, StepKind
from readtoearn.quests.sponsors import SponsorDraft, create_sponsor, fund_sponsor

DEMO_SPONSOR_FUNDING = 2_000
# One key for the demo sponsor's funding: starting the demo again never funds it twice.
DEMO_SPONSOR_KEY = "demo-sponsor"

PROGRAMME_QUESTION = {
    "questions": [
        {
            "prompt": "What earns you points on this site?",
            "choices": [
                "Reading articles to the end",
                "Opening as many pages as possible",
                "Sharing links without reading",
            ],
            "answer": 0,
        }
    ]
}


def load(session: Session) -> int:
    """Create the demo quests once (never when there are quests already); how many were made."""
    if session.scalar(select(func.count()).select_from(Quest)):
        return 0
    articles = list(
        session.scalars(
            select(Article)
            .where(Article.source == "demo", Article.language == "en")
            .order_by(Article.published_at.desc(), Article.slug)
            .limit(3)
        )
    )
    if len(articles) < 3:
        return 0
    first, second, third = articles
    create_quest(
        session,
        QuestDraft(
            title_en="Two stories to start with",
            title_fr="Deux articles pour commencer",
            description_en="Read these two articles to the end: the quest's points come on top.",
            description_fr=(
                "Lisez ces deux articles jusqu’au bout : les points de la quête s’ajoutent à "
                "ceux de la lecture."
            ),
            points=40,
            steps=[
                StepDraft(kind=StepKind.READ, article=str(first.id)),
                StepDraft(kind=StepKind.READ, article=str(second.id)),
            ],
            slug="two-stories-to-start-with",
        ),
        by="demo",
        trail=False,
    )
    sponsor = create_sponsor(
        session,
        SponsorDraft(
            name="Atlas Savings (demo)",
            slug="atlas-savings-demo",
            link_url="https://example.com/",
        ),
        by="demo",
        trail=False,
    )
    fund_sponsor(
        session, sponsor.id, DEMO_SPONSOR_FUNDING, key=DEMO_SPONSOR_KEY, by="demo", trail=False
    )
    create_quest(
        session,
        QuestDraft(
            title_en="Saving, explained",
            title_fr="L’épargne, expliquée",
            description_en="A partner quest: read, answer one question, visit our partner.",
            description_fr=(
                "Une quête partenaire : lisez, répondez à une question, visitez notre partenaire."
            ),
            points=60,
            sponsor=sponsor.slug,
            max_completions=30,
            steps=[
                StepDraft(kind=StepKind.READ, article=str(third.id)),
                StepDraft(
                    kind=StepKind.QUIZ,
                    quiz=PROGRAMME_QUESTION,
                    label_en="One question",
                    label_fr="Une question",
                ),
                StepDraft(
                    kind=StepKind.LINK,
                    url="https://example.com/",
                    label_en="Visit Atlas Savings",
                    label_fr="Visiter Atlas Savings",
                ),
            ],
            slug="saving-explained",
        ),
        by="demo",
        trail=False,
    )
    return 2
