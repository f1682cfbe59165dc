"""Quiz properties: one right answer, distinct plausible distractors, no leak, per-seed draws."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readtoearn.summaries.figures import Kind, extract_figures, figures_in_sentence
from readtoearn.summaries.quiz import BLANK, QuestionKind, Quiz, generate_quiz, grade
from tests.unit.summaries.articles import ENGLISH, FRENCH

ARTICLES = {"fr": FRENCH, "en": ENGLISH}


def check_question_properties(quiz: Quiz, language: str) -> None:
    text = ARTICLES[language]
    figures = extract_figures(text, language)
    for question in quiz.questions:
        ids = [c.id for c in question.choices]
        texts = [c.text for c in question.choices]
        assert len(question.choices) == 4
        assert ids.count(question.answer_id) == 1, "exactly one right answer"
        assert len(set(ids)) == 4 and len({t.casefold() for t in texts}) == 4, "distinct choices"
        answer = next(c.text for c in question.choices if c.id == question.answer_id)
        assert BLANK in question.prompt
        # No leak: the answer is not in the prompt, and neither is its value in another form.
        assert answer not in question.prompt
        if question.kind != QuestionKind.WHO:
            answer_figure = next(f for f in figures if f.text == answer)
            leaked = [
                f
                for f in figures_in_sentence(question.sentence, language)
                if f.kind == answer_figure.kind and f.value == answer_figure.value
            ]
            assert not leaked
            # Plausible: every choice is a figure of the same kind and unit, written alike.
            for choice in texts:
                sentence = question.sentence.replace(BLANK, choice)
                found = [f for f in figures_in_sentence(sentence, language) if f.text == choice]
                assert found, f"{choice!r} does not read as a figure"
                assert found[0].kind == answer_figure.kind
                assert found[0].unit == answer_figure.unit
        else:
            # The blanked sentence comes from the article.
            assert re.sub(re.escape(BLANK), answer, question.sentence) in text or any(
                question.sentence.replace(BLANK, answer) in s for s in [text]
            )
        # The blanked sentence, filled with the answer, is the article's own sentence.
        assert question.sentence.replace(BLANK, answer, 1).split(BLANK)[0] in text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_three_questions_of_every_kind(language: str) -> None:
    quiz = generate_quiz(ARTICLES[language], language, seed="read-1")
    assert len(quiz.questions) == 3
    assert {q.kind for q in quiz.questions} == set(QuestionKind)
    check_question_properties(quiz, language)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**9), language=st.sampled_from(["fr", "en"]))
def test_properties_hold_for_any_seed(seed: int, language: str) -> None:
    quiz = generate_quiz(ARTICLES[language], language, seed=seed)
    assert len(quiz.questions) == 3
    check_question_properties(quiz, language)


def test_same_seed_same_quiz_and_readers_get_different_draws() -> None:
    first = generate_quiz(FRENCH, "fr", seed="read-1")
    assert generate_quiz(FRENCH, "fr", seed="read-1") == first
    others = [generate_quiz(FRENCH, "fr", seed=f"read-{i}") for i in range(2, 12)]
    assert any(
        [q.prompt for q in o.questions] != [q.prompt for q in first.questions] for o in others
    )
    assert any(
        [c.text for c in o.questions[0].choices] != [c.text for c in first.questions[0].choices]
        for o in others
    )


def test_grading_happens_on_the_server() -> None:
    quiz = generate_quiz(ENGLISH, "en", seed=7)
    right = {q.id: q.answer_id for q in quiz.questions}
    assert grade(quiz, right).passed and grade(quiz, right).correct == 3
    wrong_one = dict(right)
    first = quiz.questions[0]
    wrong_one[first.id] = next(c.id for c in first.choices if c.id != first.answer_id)
    result = grade(quiz, wrong_one)
    assert (result.correct, result.passed, result.per_question[first.id]) == (2, False, False)
    assert grade(quiz, {}).correct == 0
    assert not grade(quiz, {"nope": "nope"}).passed


def test_public_form_hides_answers_and_storage_round_trips() -> None:
    quiz = generate_quiz(FRENCH, "fr", seed="x")
    public = quiz.public()
    assert "answer_id" not in repr(public)
    assert [len(q["choices"]) for q in public["questions"]] == [4, 4, 4]
    restored = Quiz.from_dict(quiz.to_dict())
    answers = {q.id: q.answer_id for q in quiz.questions}
    assert grade(restored, answers).passed


def test_distractors_are_written_like_the_answer() -> None:
    quiz = generate_quiz(FRENCH, "fr", seed="read-3")
    for question in quiz.questions:
        if question.kind == QuestionKind.HOW_MUCH:
            answer = next(c.text for c in question.choices if c.id == question.answer_id)
            tail = re.sub(r"^[\d\s,.]+", "", answer)
            assert all(c.text.endswith(tail) for c in question.choices)


def test_an_article_without_figures_or_names_gets_no_question() -> None:
    text = "il pleuvait. tout le monde est resté chez soi toute la journée sans rien faire."
    assert generate_quiz(text, "fr", seed=1).questions == ()


def test_figures_used_are_the_given_ones() -> None:
    figures = [f for f in extract_figures(ENGLISH, "en") if f.kind == Kind.PERCENT]
    quiz = generate_quiz(ENGLISH, "en", seed=3, figures=figures)
    kinds = [q.kind for q in quiz.questions]
    assert QuestionKind.WHEN not in kinds
