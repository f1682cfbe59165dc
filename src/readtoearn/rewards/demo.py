"""Demo rewards, so the store of a fresh `readtoearn serve` has something to spend points on."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.rewards import service
from readtoearn.rewards.models import Reward, RewardKind
from readtoearn.rewards.service import RewardDraft

DEMO_CODES = 25

REWARDS = (
    RewardDraft(
        kind=RewardKind.PREMIUM,
        name_en="Premium month",
        name_fr="Un mois Premium",
        description_en="Thirty days of Premium: no promotion boxes, and a badge on every article.",
        description_fr=(
            "Trente jours de Premium : plus d’encarts promotionnels, et un badge sur chaque "
            "article."
        ),
        cost=150,
        premium_days=30,
        slug="premium-month",
    ),
    RewardDraft(
        kind=RewardKind.CODE,
        name_en="Bookshop voucher",
        name_fr="Bon d’achat en librairie",
        description_en="A €5 voucher code for a partner bookshop (demo codes: they buy nothing).",
        description_fr=(
            "Un code de bon d’achat de 5 € chez un libraire partenaire (codes de démonstration : "
            "ils n’achètent rien)."
        ),
        cost=300,
        per_reader_limit=2,
        slug="bookshop-voucher",
    ),
    RewardDraft(
        kind=RewardKind.PHYSICAL,
        name_en="Newsroom tote bag",
        name_fr="Tote bag de la rédaction",
        description_en="A canvas bag with the site's logo, sent by post.",
        description_fr="Un sac en toile au logo du site, envoyé par la poste.",
        cost=500,
        stock=20,
        per_reader_limit=1,
        slug="newsroom-tote-bag",
    ),
    RewardDraft(
        kind=RewardKind.DRAW,
        name_en="Draw: a visit to the newsroom",
        name_fr="Tirage au sort : une visite de la rédaction",
        description_en="One entry into the draw for a morning with the editors.",
        description_fr="Une participation au tirage au sort d’une matinée avec la rédaction.",
        cost=50,
        slug="newsroom-visit-draw",
    ),
)


def load(session: Session) -> int:
    """Stock the demo catalogue once (never when the catalogue already has rewards)."""
    if session.scalar(select(func.count()).select_from(Reward)):
        return 0
    for draft in REWARDS:
        reward = service.create_reward(session, draft)
        if service.kind_of(reward).stocked_by_codes:
            codes = [f"DEMO-{secrets.token_hex(3).upper()}" for _ in range(DEMO_CODES)]
            service.import_codes(session, reward.slug, codes)
    return len(REWARDS)
