"""The demo quests: made once, over the demo articles, one classic and one partner quest whose
sponsor is funded, both open to a new reader and completable."""

from __future__ import annotations

from readtoearn.articles import demo as demo_articles
from readtoearn.db import utcnow
from readtoearn.ledger import service as ledger
from readtoearn.quests import demo
from readtoearn.quests import service as quests
from readtoearn.quests.service import QuestState
from tests.readers import fund
from tests.unit.fraud.factories import make_read
from tests.unit.quests.factories import make_user


def test_the_demo_has_a_classic_and_a_funded_partner_quest(session, settings) -> None:
    assert demo.load(session) == 0  # no demo articles yet: nothing to build on
    demo_articles.load(session, settings)
    fund(session)
    assert demo.load(session) == 2
    assert demo.load(session) == 0
    classic = quests.get_quest(session, "two-stories-to-start-with")
    partner = quests.get_quest(session, "saving-explained")
    assert classic.sponsor is None and partner.sponsor is not None
    assert quests.sponsor_available(session, partner.sponsor.id) == demo.DEMO_SPONSOR_FUNDING
    assert all(q.title_fr for q in (classic, partner))
    reader = make_user(session)
    items = quests.list_reader_quests(session, settings, reader.id)
    assert {p.quest.slug for p in items} == {classic.slug, partner.slug}
    assert all(p.state is QuestState.AVAILABLE for p in items)
    for step in classic.steps:
        assert step.article_id is not None
        make_read(session, reader.id, step.article_id, status="credited", reasons=())
    paid = quests.collect(session, settings, utcnow(), reader_id=reader.id, quest_ref=classic.slug)
    assert paid.created and paid.points == 40
    assert ledger.audit(session).ok
