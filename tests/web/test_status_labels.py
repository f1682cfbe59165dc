"""Every movement of points and every state of a redemption has a label, in English and French."""

from __future__ import annotations

import pytest

from readtoearn.ledger.models import ENTRY_LABELS, TransferCode
from readtoearn.rewards.models import REDEMPTION_LABELS, RedemptionStatus
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
