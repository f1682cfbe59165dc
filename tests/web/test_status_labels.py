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


def test_no_two_catalogues_translate_the_same_words_differently() -> None:
    """The .po files of a language are merged into one catalogue, the later file winning: the
    same English words with two French translations showed one page the other's (a quest step
    "Done" read "Remise", a redemption's word)."""
    from babel.messages.pofile import read_po

    translated: dict[str, dict[str, str]] = {}
    for po in sorted((i18n.TRANSLATIONS_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                if message.id and isinstance(message.id, str):
                    translated.setdefault(message.id, {})[po.name] = str(message.string)
    clashes = {words: by for words, by in translated.items() if len(set(by.values())) > 1}
    assert clashes == {}
    assert i18n.translations("fr").gettext("Done") == "Fait"
