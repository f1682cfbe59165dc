"""Every movement of points, every state of a redemption and every reward kind has a label, in
English and French."""

from __future__ import annotations

import pytest

from readtoearn.ledger.models import ENTRY_LABELS, TransferCode
from readtoearn.rewards.kinds import KINDS
from readtoearn.rewards.models import REDEMPTION_LABELS, RedemptionStatus, RewardKind
from readtoearn.web import i18n


@pytest.mark.parametrize(
    ("labels", "enum"),
    [(ENTRY_LABELS, TransferCode), (REDEMPTION_LABELS, RedemptionStatus)],
    ids=["transfer_codes", "redemption_statuses"],
)
def test_every_value_has_an_english_label_and_its_french(labels, enum) -> None:
    assert sorted(set(enum) - set(labels)) == []
    assert all(label.strip() for label in labels.values())
    catalogue = i18n.translations("fr")._catalog  # type: ignore[attr-defined]
    known = {key[0] if isinstance(key, tuple) else key for key in catalogue}
    assert sorted(set(labels.values()) - known) == []
    french = i18n.translations("fr")
    assert all(french.gettext(label) != label for label in labels.values())


def test_every_reward_kind_says_what_the_reader_gets_in_english_and_french() -> None:
    assert sorted(set(RewardKind) - set(KINDS)) == []
    french = i18n.translations("fr")
    for kind in KINDS.values():
        assert kind.what_you_get.strip()
        if kind.what_you_get_plural:
            for n in (1, 2):
                english = (kind.what_you_get, kind.what_you_get_plural)[n > 1]
                assert french.ngettext(kind.what_you_get, kind.what_you_get_plural, n) != english
        else:
            assert french.gettext(kind.what_you_get) != kind.what_you_get
