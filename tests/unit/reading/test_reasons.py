"""Every reason of a verdict says something to its reader and to operators, in both languages."""

from __future__ import annotations

import pytest

from readtoearn.reading import rules
from readtoearn.reading.rules import (
    QUIZ_TOO_FAST,
    QUIZ_TOO_FAST_MESSAGE,
    READER_MESSAGES,
    REASON_LABELS,
    UNEXPLAINED,
    Reason,
    explain,
)
from readtoearn.web import i18n


def _french(message: str) -> str | None:
    catalogue = i18n.translations("fr")._catalog  # type: ignore[attr-defined]
    translated = catalogue.get(message)
    return translated if translated and translated != message else None


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_a_reader_message_and_an_operator_label(reason: Reason) -> None:
    for english in (READER_MESSAGES[reason], REASON_LABELS[reason]):
        assert english.strip() and english != reason.value
        assert _french(english), english


def test_the_quiz_too_fast_evidence_has_a_message_and_a_label() -> None:
    for english in (QUIZ_TOO_FAST_MESSAGE, REASON_LABELS[QUIZ_TOO_FAST], UNEXPLAINED):
        assert _french(english), english


def test_labels_name_only_reasons_and_evidence_keys() -> None:
    assert set(REASON_LABELS) == {*(r.value for r in Reason), QUIZ_TOO_FAST}


def test_a_reason_without_a_message_is_explained_without_an_error(monkeypatch) -> None:
    monkeypatch.delitem(rules.READER_MESSAGES, Reason.LOCKSTEP)
    assert explain([Reason.LOCKSTEP.value, "from_a_newer_version"]) == [UNEXPLAINED, UNEXPLAINED]
    assert explain(["automation"], i18n.translations("fr").gettext) == [
        "Le navigateur a signalé qu’il était piloté par un logiciel d’automatisation."
    ]
