"""The comprehension quiz: three multiple-choice questions drawn from an article.

Questions come from key figures ("how much", "when") and from key sentences ("who"): a sentence
of the article with the figure or name blanked out, the right answer and three distractors of
the same kind written the same way (other figures of the article, x0.5, x2, x10, +-20 %, other
names of the article). The draw and the order depend on a seed (the reading code passes the read
id), so each reader gets their own quiz; `grade` checks answers on the server.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from babel.dates import format_date

from readtoearn.summaries.figures import (
    FUNCTION_WORDS,
    MONTHS,
    ORDINALS,
    PROPER_RE,
    Figure,
    Kind,
    extract_figures,
    figures_in_sentence,
)
from readtoearn.summaries.sentences import split_sentences

BLANK = "_____"
WORD_RE = re.compile(r"[^\W_]+")
MIN_SENTENCE_WORDS = 6
QUESTION_COUNT = 3
CHOICE_COUNT = 4
MULTIPLIERS = (Decimal("0.5"), Decimal(2), Decimal(10), Decimal("0.8"), Decimal("1.2"))
PROMPTS = {
    "how_much": {
        "en": "Which figure completes this sentence from the article?",
        "fr": "Quel chiffre complète cette phrase de l'article ?",
    },
    "when": {
        "en": "Which date completes this sentence from the article?",
        "fr": "Quelle date complète cette phrase de l'article ?",
    },
    "who": {
        "en": "Who or what completes this sentence from the article?",
        "fr": "Quel nom complète cette phrase de l'article ?",
    },
}


class QuestionKind(StrEnum):
    HOW_MUCH = "how_much"
    WHEN = "when"
    WHO = "who"


@dataclass(frozen=True)
class Choice:
    id: str
    text: str


@dataclass(frozen=True)
class Question:
    """One question; `answer_id` stays on the server (see `public`)."""

    id: str
    kind: QuestionKind
    prompt: str
    sentence: str  # the article's sentence with the answer blanked
    choices: tuple[Choice, ...]
    answer_id: str
    source: str = ""  # the article's sentence, to keep one question per sentence

    def public(self) -> dict[str, Any]:
        """What a reader may see: no answer."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "prompt": self.prompt,
            "sentence": self.sentence,
            "choices": [{"id": c.id, "text": c.text} for c in self.choices],
        }


@dataclass(frozen=True)
class Quiz:
    language: str
    seed: str
    questions: tuple[Question, ...]

    def public(self) -> dict[str, Any]:
        """The quiz as a reader sees it, without the answers."""
        return {"language": self.language, "questions": [q.public() for q in self.questions]}

    def to_dict(self) -> dict[str, Any]:
        """Everything, answers included, for storing beside a read (JSON-safe)."""
        return {
            "language": self.language,
            "seed": self.seed,
            "questions": [{**q.public(), "answer_id": q.answer_id} for q in self.questions],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Quiz:
        return cls(
            language=data["language"],
            seed=data["seed"],
            questions=tuple(
                Question(
                    id=q["id"],
                    kind=QuestionKind(q["kind"]),
                    prompt=q["prompt"],
                    sentence=q["sentence"],
                    choices=tuple(Choice(id=c["id"], text=c["text"]) for c in q["choices"]),
                    answer_id=q["answer_id"],
                )
                for q in data["questions"]
            ),
        )


@dataclass(frozen=True)
class QuizResult:
    correct: int
    total: int
    passed: bool  # every question answered right
    per_question: dict[str, bool] = field(default_factory=dict)


def generate_quiz(
    text: str,
    language: str,
    seed: object,
    *,
    figures: Sequence[Figure] | None = None,
    count: int = QUESTION_COUNT,
) -> Quiz:
    """A quiz of up to `count` questions for an article, the same for the same seed."""
    lang = "fr" if language == "fr" else "en"
    seed_text = str(seed)
    rng = random.Random(int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:8], "big"))
    sentences = split_sentences(text, lang)
    figures = list(figures) if figures is not None else extract_figures(text, lang)
    candidates: dict[QuestionKind, list[Question]] = {kind: [] for kind in QuestionKind}
    for figure in figures:
        question = _figure_question(figure, figures, lang, rng, seed_text)
        if question is not None:
            candidates[question.kind].append(question)
    for question in _who_questions(sentences, lang, rng, seed_text):
        candidates[QuestionKind.WHO].append(question)

    chosen: list[Question] = []
    used_sentences: set[str] = set()
    kinds = list(QuestionKind)
    rng.shuffle(kinds)
    # One question of each kind first, then any; never two from the same sentence.
    for _round in range(count):
        for kind in kinds:
            pool = [q for q in candidates[kind] if _source_key(q) not in used_sentences]
            if not pool or len(chosen) >= count:
                continue
            question = rng.choice(pool)
            chosen.append(question)
            used_sentences.add(_source_key(question))
    rng.shuffle(chosen)
    return Quiz(language=lang, seed=seed_text, questions=tuple(chosen))


def grade(quiz: Quiz, answers: Mapping[str, str]) -> QuizResult:
    """Check a reader's answers ({question id: choice id}); unknown ids count as wrong."""
    per_question = {q.id: answers.get(q.id) == q.answer_id for q in quiz.questions}
    correct = sum(per_question.values())
    total = len(quiz.questions)
    return QuizResult(
        correct=correct,
        total=total,
        passed=total > 0 and correct == total,
        per_question=per_question,
    )


# --- figure questions -------------------------------------------------------------------------


def _figure_question(
    figure: Figure, figures: Sequence[Figure], language: str, rng: random.Random, seed: str
) -> Question | None:
    if figure.style.spelled:
        return None  # distractors could not be written the same way
    if len(WORD_RE.findall(figure.sentence)) < MIN_SENTENCE_WORDS:
        return None  # a dateline or a caption, not a sentence to quote
    if figure.kind == Kind.DATE:
        kind = QuestionKind.WHEN
        options = _date_distractors(figure, figures, language)
    else:
        kind = QuestionKind.HOW_MUCH
        options = _number_distractors(figure, figures)
    distractors = [o for o in dict.fromkeys(options) if o.casefold() != figure.text.casefold()]
    if len(distractors) < CHOICE_COUNT - 1:
        return None
    # One distractor from the article when there is one, the others drawn at random.
    picked = rng.sample(distractors, CHOICE_COUNT - 1)
    sentence = _blank(figure.sentence, [(figure.start, figure.end)], figure, language)
    if sentence is None:
        return None
    return _question(kind, language, sentence, figure.text, picked, rng, seed, figure.sentence)


def _number_distractors(figure: Figure, figures: Sequence[Figure]) -> list[str]:
    same_kind = [
        f
        for f in figures
        if f.kind == figure.kind and f.unit == figure.unit and f.value != figure.value
    ]
    values = [f.value for f in same_kind]
    values += [figure.value * m for m in MULTIPLIERS]
    texts = []
    for value in values:
        rendered = render_like(figure, value)
        if rendered is not None and rendered != figure.text:
            texts.append(rendered)
    # Article figures first: they are the most plausible.
    return texts


def render_like(figure: Figure, value: Decimal) -> str | None:
    """Write a value the way a figure was written ("50 milliards de dollars" -> "100 ...")."""
    if value <= 0:
        return None
    number = value / figure.scale
    decimals = max(figure.style.decimals, 0)
    if number != number.to_integral_value():
        decimals = max(decimals, 1)
    quantised = number.quantize(Decimal(1).scaleb(-min(decimals, 2)), rounding=ROUND_HALF_UP)
    if quantised <= 0 or abs(quantised - number) > abs(number) * Decimal("0.05"):
        return None  # the style cannot show this value honestly
    if figure.kind == Kind.PERCENT and quantised > 100 and figure.value <= 100:
        return None
    thousands = figure.style.thousands
    original = figure.text[figure.number_start : figure.number_end]
    if not thousands and len(re.split(r"[.,]", original)[0]) <= 3:
        # "830" had no room for a separator; "1 660" / "1,660" gets the usual one.
        thousands = " " if figure.style.decimal == "," else ","
    numeral = _format_number(quantised, thousands, figure.style.decimal)
    return figure.text[: figure.number_start] + numeral + figure.text[figure.number_end :]


def _format_number(value: Decimal, thousands: str, decimal: str) -> str:
    text = f"{value:f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    if thousands:
        groups: list[str] = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = thousands.join([whole, *groups])
    return whole + (decimal + fraction if fraction else "")


def _date_distractors(figure: Figure, figures: Sequence[Figure], language: str) -> list[str]:
    period = figure.period or ""
    year = int(figure.value)
    texts: list[str] = []
    others = [f for f in figures if f.kind == Kind.DATE and f.unit == figure.unit]
    if figure.unit == "year":
        candidates = [int(f.value) for f in others] + [year - 1, year + 1, year - 2, year + 2]
        texts = [figure.text.replace(str(year), str(y)) for y in candidates if y != year]
    elif figure.unit in ("quarter", "half"):
        count = 4 if figure.unit == "quarter" else 2
        current = int(period[-1])
        shifts = [(year, q) for q in range(1, count + 1) if q != current]
        shifts += [(year - 1, current), (year + 1, current)]
        texts = [t for y, q in shifts if (t := _render_part(figure, y, q, language)) is not None]
    elif figure.unit in ("month", "day"):
        month = int(period[5:7])
        day = int(period[8:10]) if figure.unit == "day" else 1
        shifts = [(year, month + d) for d in (-3, -2, -1, 1, 2, 3)] + [(year - 1, month)]
        for y, m in shifts:
            y2, m2 = y + (m - 1) // 12, (m - 1) % 12 + 1
            texts.append(_render_month(figure, date(y2, m2, min(day, 28)), language))
    return [t for t in texts if t != figure.text]


def _render_part(figure: Figure, year: int, part: int, language: str) -> str | None:
    """A quarter or half written like the figure: "Q4 2026", "quatrième trimestre 2026"."""
    text = figure.text
    short = re.match(r"([TQH])(\d)", text)
    if short:
        return f"{short.group(1)}{part} {year}" + text[short.end() + 5 :]
    words = {number: word for word, number in ORDINALS[language].items() if word.isalpha()}
    first_word = text.split()[0]
    if first_word.lower() not in ORDINALS[language] or part not in words:
        return None
    word = _preferred_ordinal(part, language)
    if first_word[0].isupper():
        word = word.capitalize()
    rest = text[len(first_word) :]
    return (word + rest).replace(str(int(figure.value)), str(year))


def _preferred_ordinal(part: int, language: str) -> str:
    if language == "fr":
        return ("premier", "deuxième", "troisième", "quatrième")[part - 1]
    return ("first", "second", "third", "fourth")[part - 1]


def _render_month(figure: Figure, day: date, language: str) -> str:
    text = figure.text
    month_names = MONTHS[language]
    lowered = [m.lower() for m in month_names]
    for word in re.findall(r"[^\W\d_]+", text):
        if word.lower() in lowered:
            name = format_date(day, "MMMM", locale=language)
            if word[0].isupper():
                name = name[0].upper() + name[1:]
            elif language == "fr":
                name = name.lower()
            new = text.replace(word, name, 1).replace(str(int(figure.value)), str(day.year))
            if figure.unit == "day":
                new = re.sub(r"\b\d{1,2}\b(?!\d)", str(day.day), new, count=1)
            return new
    return text


# --- who questions ----------------------------------------------------------------------------


def _who_questions(
    sentences: list[str], language: str, rng: random.Random, seed: str
) -> list[Question]:
    # Names written inside sentences (not only as a sentence's first word) are names for sure.
    names = {
        m.group().rstrip(".")
        for s in sentences
        for m in re.finditer(r"(?<=[\w,;:)] )[A-ZÀ-Ý][\w&.-]+", s)
    }
    mentions: dict[str, int] = {}
    per_sentence: list[list[tuple[int, int, str]]] = []
    for sentence in sentences:
        found = []
        for match in PROPER_RE.finditer(sentence):
            name = re.sub(r"['’]s$", "", match.group().rstrip(".'’-"))
            first = name.split()[0]
            if first not in names or first.lower() in FUNCTION_WORDS or len(name) < 3:
                continue
            if name.isupper() and len(name) <= 3 and name not in names:
                continue
            if re.fullmatch(r"[TQH]\d", name) or name.lower() in {
                m.lower() for m in MONTHS[language]
            }:
                continue
            found.append((match.start(), match.start() + len(name), name))
            mentions[name] = mentions.get(name, 0) + 1
        per_sentence.append(found)
    all_names = sorted(mentions)
    questions = []
    # Names the article repeats are what it is about: ask about those, in its first sentences.
    for sentence, found in list(zip(sentences, per_sentence, strict=True))[:12]:
        if len(WORD_RE.findall(sentence)) < MIN_SENTENCE_WORDS:
            continue
        for _start, _end, name in found:
            if mentions[name] < 2:
                continue
            others = [
                n
                for n in all_names
                if n != name and name not in n and n not in name and not _same_person(n, name)
            ]
            if len(others) < CHOICE_COUNT - 1:
                continue
            spans = [(s, e) for s, e, n in found if n == name or name in n or n in name]
            blanked = _blank(sentence, spans, None, language)
            if blanked is None or name in blanked:
                continue
            picked = rng.sample(others, CHOICE_COUNT - 1)
            questions.append(
                _question(QuestionKind.WHO, language, blanked, name, picked, rng, seed, sentence)
            )
            break
    return questions


def _same_person(a: str, b: str) -> bool:
    """ "M. Altman" and "Sam Altman" name the same person."""
    return a.split()[-1] == b.split()[-1]


# --- shared -----------------------------------------------------------------------------------


def _blank(
    sentence: str, spans: list[tuple[int, int]], figure: Figure | None, language: str
) -> str | None:
    """The sentence with the answer (and any repeat of it) replaced by a blank; None on a leak."""
    spans = list(spans)
    if figure is not None:
        # The same figure written twice ("50 milliards de dollars (50 Mds $)") is blanked too.
        for other in figures_in_sentence(sentence, language):
            if other.kind == figure.kind and other.value == figure.value:
                spans.append((other.start, other.end))
    result = sentence
    for start, end in sorted(set(spans), reverse=True):
        result = result[:start] + BLANK + result[end:]
    if figure is not None:
        for other in figures_in_sentence(result, language):
            if other.kind == figure.kind and other.value == figure.value:
                return None
        if figure.text in result:
            return None
    return result


def _question(
    kind: QuestionKind,
    language: str,
    sentence: str,
    answer: str,
    distractors: list[str],
    rng: random.Random,
    seed: str,
    source: str,
) -> Question:
    texts = [answer, *distractors]
    rng.shuffle(texts)
    question_id = _short_id(seed, kind, sentence)
    choices = tuple(Choice(id=_short_id(seed, question_id, t), text=t) for t in texts)
    answer_id = next(c.id for c in choices if c.text == answer)
    prompt = f"{PROMPTS[kind][language]} {sentence}"
    return Question(
        id=question_id,
        kind=kind,
        prompt=prompt,
        sentence=sentence,
        choices=choices,
        answer_id=answer_id,
        source=source,
    )


def _short_id(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:10]


def _source_key(question: Question) -> str:
    return question.source or question.sentence
