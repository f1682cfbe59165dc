"""A quest's own quiz: the questions an operator writes, a reader's draw of them, grading.

Written questions are stored as `{"questions": [{"prompt", "choices": [...], "answer": index}]}`.
A reader's draw (written, or generated from the key figures of the quest's articles) is stored
beside their step as `{"questions": [{"id", "prompt", "sentence", "choices": [{"id", "text"}],
"answer_id"}]}`; the answers never leave the server (`public`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from typing import Any

from readtoearn.errors import InvalidInput

MAX_QUESTIONS = 10
MAX_CHOICES = 6


def checked_quiz(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Written questions, checked and normalised; InvalidInput says what is wrong."""
    questions = data.get("questions") if isinstance(data, Mapping) else None
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_QUESTIONS:
        raise InvalidInput(f"{where}: write 1 to {MAX_QUESTIONS} questions", code="invalid_quest")
    out = []
    for n, q in enumerate(questions, start=1):
        prompt = str(q.get("prompt", "")).strip() if isinstance(q, Mapping) else ""
        choices = q.get("choices") if isinstance(q, Mapping) else None
        answer = q.get("answer") if isinstance(q, Mapping) else None
        if not prompt or len(prompt) > 500:
            raise InvalidInput(f"{where}, question {n}: a prompt of 1 to 500 characters")
        if (
            not isinstance(choices, list)
            or not 2 <= len(choices) <= MAX_CHOICES
            or any(not str(c).strip() or len(str(c)) > 200 for c in choices)
        ):
            raise InvalidInput(f"{where}, question {n}: 2 to {MAX_CHOICES} choices, each 1-200")
        if (
            not isinstance(answer, int)
            or isinstance(answer, bool)
            or not 0 <= answer < len(choices)
        ):
            raise InvalidInput(f"{where}, question {n}: the answer is the index of a choice")
        out.append(
            {"prompt": prompt, "choices": [str(c).strip() for c in choices], "answer": answer}
        )
    return {"questions": out}


def _rng(seed: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))


def draw_written(quiz: Mapping[str, Any], seed: str) -> dict[str, Any]:
    """A reader's draw of written questions: the same questions, choices in their own order."""
    rng = _rng(seed)
    drawn = []
    for n, q in enumerate(quiz["questions"], start=1):
        ids = [hashlib.sha256(f"{seed}:{n}:{i}".encode()).hexdigest()[:8] for i in range(99)]
        choices = [{"id": ids[i], "text": text} for i, text in enumerate(q["choices"])]
        answer_id = choices[q["answer"]]["id"]
        rng.shuffle(choices)
        drawn.append(
            {
                "id": f"q{n}",
                "prompt": q["prompt"],
                "sentence": "",
                "choices": choices,
                "answer_id": answer_id,
            }
        )
    return {"questions": drawn}


def public(drawn: Mapping[str, Any]) -> dict[str, Any]:
    """What a reader may see of a draw: no answer."""
    return {
        "questions": [
            {k: q[k] for k in ("id", "prompt", "sentence", "choices")} for q in drawn["questions"]
        ]
    }


def grade(drawn: Mapping[str, Any], answers: Mapping[str, str]) -> tuple[int, int]:
    """(right answers, questions); unknown ids count as wrong."""
    questions = drawn["questions"]
    right = sum(1 for q in questions if answers.get(q["id"]) == q["answer_id"])
    return right, len(questions)
