import pytest
from hypothesis import given
from hypothesis import strategies as st

from readtoearn.reading.rules import (
    ReadState,
    Reason,
    Rules,
    Verdict,
    assess,
    credit_beat,
    first_screen_allowance,
    had_input,
    is_robotic,
    paragraphs_without_input,
    points_for,
    progress,
    required_active_seconds,
    too_fast,
)

RULES = Rules()


def state(**overrides) -> ReadState:
    base = {
        "words": 400,
        "paragraphs": 10,
        "active_ms": 70_000,
        "beats_credited": 6,
        "beats_total": 6,
        "paragraphs_seen": 10,
        "last_paragraph_seen": True,
        "scroll_max": 1.0,
        "flags": frozenset(),
    }
    return ReadState(**{**base, **overrides})


def test_a_full_read_at_a_reading_pace_is_credited() -> None:
    assert assess(state(), RULES).verdict is Verdict.CREDITED


def test_the_claim_is_capped_by_the_server_clock() -> None:
    assert credit_beat(60_000, 12.0, visible=True, focused=True, rules=RULES) == 14_000
    assert credit_beat(9_000, 12.0, visible=True, focused=True, rules=RULES) == 9_000


@pytest.mark.parametrize(("visible", "focused"), [(False, True), (True, False), (False, False)])
def test_hidden_or_unfocused_pages_earn_nothing(visible, focused) -> None:
    assert credit_beat(12_000, 12.0, visible=visible, focused=focused, rules=RULES) == 0


def test_a_gap_of_more_than_three_intervals_earns_nothing() -> None:
    assert credit_beat(12_000, RULES.max_gap_s + 0.1, visible=True, focused=True, rules=RULES) == 0
    assert credit_beat(12_000, RULES.max_gap_s, visible=True, focused=True, rules=RULES) == 12_000


@given(st.integers(-1000, 10**7), st.floats(-5, 1000, allow_nan=False))
def test_a_beat_never_earns_more_than_the_server_saw(claimed, elapsed) -> None:
    credited = credit_beat(claimed, elapsed, visible=True, focused=True, rules=RULES)
    assert 0 <= credited <= max(claimed, 0)
    assert credited <= (max(elapsed, 0) + RULES.slack_s) * 1000


def test_required_time_is_the_words_at_400_wpm() -> None:
    assert required_active_seconds(400, RULES) == 60
    assert required_active_seconds(401, RULES) == 61


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"active_ms": 59_000}, Reason.NOT_ENOUGH_TIME),
        ({"paragraphs_seen": 7}, Reason.NOT_ENOUGH_PARAGRAPHS),
        ({"last_paragraph_seen": False, "scroll_max": 0.7}, Reason.END_NOT_REACHED),
        ({"beats_credited": 2}, Reason.TOO_FEW_BEATS),
    ],
)
def test_each_missing_condition_leaves_the_read_incomplete(overrides, reason) -> None:
    result = assess(state(**overrides), RULES)
    assert result.verdict is Verdict.INCOMPLETE
    assert result.reasons == (reason,)


def test_eighty_percent_of_paragraphs_is_enough() -> None:
    assert assess(state(paragraphs_seen=8), RULES).verdict is Verdict.CREDITED


def test_the_end_is_reached_by_the_last_paragraph_or_by_scrolling() -> None:
    assert (
        assess(state(last_paragraph_seen=False, scroll_max=0.95), RULES).verdict is Verdict.CREDITED
    )


def test_impossible_reads_are_rejected_even_when_complete() -> None:
    result = assess(state(flags=frozenset({Reason.TOO_FAST})), RULES)
    assert result.verdict is Verdict.REJECTED
    assert result.reasons == (Reason.TOO_FAST,)
    assert assess(state(beats_total=0, beats_credited=0), RULES).verdict is Verdict.REJECTED


def test_suspicious_complete_reads_are_held_with_every_reason() -> None:
    flags = frozenset({Reason.AUTOMATION, Reason.PARALLEL_READS})
    result = assess(state(flags=flags), RULES)
    assert result.verdict is Verdict.HELD
    assert set(result.reasons) == flags


def test_suspicion_does_not_hold_an_unfinished_read() -> None:
    result = assess(state(active_ms=1000, flags=frozenset({Reason.AUTOMATION})), RULES)
    assert result.verdict is Verdict.INCOMPLETE


def test_speed_rule_allows_one_screen_then_1000_wpm() -> None:
    allowance = first_screen_allowance(1000, 800, 4000, RULES)
    assert allowance == 200
    # 12 s at 1,000 wpm is 200 words, plus the first screen.
    assert not too_fast(400, 12_000, allowance, RULES)
    assert too_fast(401, 12_000, allowance, RULES)


def test_first_screen_allowance_is_bounded() -> None:
    assert first_screen_allowance(5000, 4000, 4000, RULES) == RULES.first_screen_max_words
    assert first_screen_allowance(100, 800, 4000, RULES) == RULES.first_screen_min_words
    assert first_screen_allowance(1000, None, None, RULES) == RULES.first_screen_min_words


def test_constant_steps_with_constant_inputs_are_robotic() -> None:
    assert is_robotic([0.08] * 8, [4] * 8)
    assert not is_robotic([0.08] * 4, [4] * 4)  # too few beats to tell
    assert not is_robotic([0.05, 0.11, 0.07, 0.02, 0.09, 0.12], [3, 7, 4, 1, 5, 6])
    assert not is_robotic([0.08] * 8, [4, 5, 4, 3, 4, 6, 4, 4])


def test_points_can_scale_with_reading_time() -> None:
    assert points_for(10, 9, scale_by_time=False) == 10
    assert points_for(10, 4, scale_by_time=True) == 10
    assert points_for(10, 8, scale_by_time=True) == 20
    assert points_for(10, 1, scale_by_time=True) == 5


def test_progress_is_the_least_advanced_measure() -> None:
    assert progress(state(active_ms=30_000), RULES) == 0.5
    assert progress(state(paragraphs_seen=4), RULES) == 0.5
    assert progress(state(), RULES) == 1.0


# ------------------------------------------------ time over the whole read, and input


def test_beats_closer_than_the_interval_earn_no_slack() -> None:
    spaced = credit_beat(20_000, 12.0, visible=True, focused=True, rules=RULES)
    close = credit_beat(20_000, 3.0, visible=True, focused=True, rules=RULES)
    assert spaced == 14_000  # 12 s and the 2 s slack
    assert close == 3_000  # exactly the clock


def test_the_whole_read_never_outruns_the_clock_since_it_started() -> None:
    # A read started 5 s ago and already credited 4 s can earn at most 5 + 2 - 4 = 3 s more.
    got = credit_beat(
        15_000, 12.0, visible=True, focused=True, rules=RULES, since_start_s=5.0, credited_ms=4_000
    )
    assert got == 3_000
    spent = credit_beat(
        15_000, 12.0, visible=True, focused=True, rules=RULES, since_start_s=5.0, credited_ms=9_000
    )
    assert spent == 0


@given(
    st.lists(
        st.tuples(st.floats(0, 60), st.integers(0, 120_000), st.booleans()),
        min_size=1,
        max_size=60,
    )
)
def test_credited_time_never_exceeds_elapsed_time_plus_one_slack(beats) -> None:
    """Whatever the number, spacing and claims of the beats."""
    since_start, credited = 0.0, 0
    for gap, claim, visible in beats:
        since_start += gap
        credited += credit_beat(
            claim,
            gap,
            visible=visible,
            focused=True,
            rules=RULES,
            since_start_s=since_start,
            credited_ms=credited,
        )
        assert credited <= (since_start + RULES.slack_s) * 1000


def test_trusted_input_is_wheel_key_pointer_or_touch_in_this_beat_or_the_last() -> None:
    assert had_input({"wheel": 1}, 1e9, RULES)
    assert had_input({"touch": 3}, 1e9, RULES)
    # Scroll events fire for a script's window.scrollTo too: they prove nothing.
    assert not had_input({"scroll": 40}, 1e9, RULES)
    assert not had_input({}, 1e9, RULES)
    # The reader scrolled during the previous beat and is reading what came into view.
    assert had_input({}, RULES.beat_interval_s, RULES)


def test_without_input_only_the_first_screen_counts() -> None:
    words = [50, 50, 50, 50, 50]
    assert paragraphs_without_input([0, 1, 2, 3], words, 0, 120) == [0, 1]
    assert paragraphs_without_input([2, 3], words, 100, 120) == []
    assert paragraphs_without_input([0, 1], words, 0, 400) == [0, 1]


def test_an_incomplete_read_says_when_input_was_missing() -> None:
    result = assess(state(paragraphs_seen=2, flags=frozenset({Reason.NO_INPUT})), RULES)
    assert result.verdict is Verdict.INCOMPLETE
    assert Reason.NO_INPUT in result.reasons
    # A read that is complete despite a moment without input is not held for it.
    assert assess(state(flags=frozenset({Reason.NO_INPUT})), RULES).verdict is Verdict.CREDITED
