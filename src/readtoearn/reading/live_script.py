"""A beat in one round trip to Redis: the beat's rules as a Lua script run next to the read.

With open reads in Redis, loading a read's state and storing the next one took two calls, and the
client's CPU per call is what a beat costs most. This script loads the read, checks the chain,
credits the beat by the same rules as `beats.prepare_beat` (which the memory store runs in
Python), and writes the new state, the beat and the reader's activity: one EVALSHA per beat.

What is fixed for a read is done once: the words per paragraph are stored with the read when it
starts (hash field `w`), and the rules' thresholds are written into the script's source, which is
registered once per set of rules. The MAC of the token is checked in Python before the call (a
token carries its article); the script only learns whether it held.

tests/unit/reading/test_live_script.py runs random beats through both and compares every state,
beat record and answer.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from readtoearn.errors import Conflict, NotFound, Unauthorized, Unprocessable
from readtoearn.reading.live import ACTIVITY_TTL_S
from readtoearn.reading.rules import Reason, Rules

# KEYS: 1 the read's hash (v version, s state, w words per paragraph), 2 its list of beats,
# 3 the reader's activity hash, 4 the sorted set of live reads by last beat.
# ARGV[1] holds, separated by "|" (one argument to encode rather than seventeen): 1 reader id,
# 2 "1" when the token's MAC held, 3 the token's article, 4 its seq, 5 its nonce, 6 the beat's
# seq, 7 the next nonce, 8 now (the server's clock), 9 active_ms claimed, 10 scroll_max,
# 11 paragraphs seen (comma-separated), 12 visible, 13 focused, 14 the event counts in
# EVENT_KINDS order (comma-separated), 15 viewport_h, 16 document_h, 17 webdriver.
# State fields (LiveRead.dumps, 1-based): 1 id, 2 reader, 3 article, 4 hash, 5 words,
# 6 paragraphs, 7 next seq, 8 nonce, 9 last beat, 10 active ms, 11 beats, 12 credited beats,
# 13 paragraphs seen, 14 words seen, 15 scroll, 16 allowance, 17 flags, 18 closed, 19 started,
# 20 last input.
_SOURCE = """
local ARGV = (function()
  local out, from = {}, 1
  while true do
    local bar = string.find(ARGV[1], '|', from, true)
    if not bar then out[#out + 1] = string.sub(ARGV[1], from); return out end
    out[#out + 1] = string.sub(ARGV[1], from, bar - 1)
    from = bar + 1
  end
end)()
local h = redis.call('HMGET', KEYS[1], 's', 'w')
if not h[1] or not h[2] then return '0' end
local s = cjson.decode(h[1])
if #s < 20 then return '0' end
if s[2] ~= ARGV[1] then return '1' end
if s[18] then return '2' end
if ARGV[2] ~= '1' or s[3] ~= ARGV[3] then return '3' end
if tonumber(ARGV[4]) ~= s[7] or ARGV[5] ~= s[8] or ARGV[6] ~= ARGV[4] then return '4' end
local words = cjson.decode(h[2])
local claimed = {}
for p in string.gmatch(ARGV[11], '%d+') do
  p = tonumber(p)
  if p >= #words then return '5' end
  claimed[#claimed + 1] = p
end

local now = tonumber(ARGV[8])
local claim = tonumber(ARGV[9])
local credited = 0
local elapsed = now - s[9]
if ARGV[12] == '1' and ARGV[13] == '1' and claim > 0 and elapsed <= @MAX_GAP_S@ then
  elapsed = math.max(elapsed, 0)
  local slack = 0
  if elapsed >= @INTERVAL_S@ then slack = @SLACK_S@ end
  local cap = math.floor((elapsed + slack) * 1000)
  local room = math.floor((math.max(now - s[19], 0) + @SLACK_S@) * 1000) - s[10]
  cap = math.min(cap, math.max(room, 0))
  credited = math.max(math.min(claim, cap), 0)
end

local allowance = s[16]
if s[11] == 0 then
  local estimate = @FIRST_MIN@
  local vh, dh = tonumber(ARGV[15]), tonumber(ARGV[16])
  if vh and vh ~= 0 and dh and dh > 0 then
    estimate = math.floor(s[5] * math.min(vh / dh, 1.0))
  end
  allowance = math.max(@FIRST_MIN@, math.min(estimate, @FIRST_MAX@))
end

local flags = {}
for _, f in ipairs(s[17]) do flags[f] = true end
local seen = {}
for _, p in ipairs(s[13]) do seen[p] = true end
local new, fresh = {}, {}
for _, p in ipairs(claimed) do
  if not seen[p] and not fresh[p] then fresh[p] = true; new[#new + 1] = p end
end
local scroll = math.max(s[15], math.min(math.max(tonumber(ARGV[10]), 0), 1))
local events = {}
for n in string.gmatch(ARGV[14], '%d+') do events[#events + 1] = tonumber(n) end
-- wheel, key, pointer, touch: the trusted inputs (rules.TRUSTED_INPUTS)
local touched = events[2] > 0 or events[3] > 0 or events[4] > 0 or events[5] > 0
if not (touched or now - s[20] <= @INPUT_WINDOW_S@) then
  table.sort(new)
  local kept, room = {}, allowance - s[14]
  for _, p in ipairs(new) do
    local w = words[p + 1]
    if w > room then break end
    kept[#kept + 1] = p
    room = room - w
  end
  if #kept < #new then flags['@NO_INPUT@'] = true end
  new = kept
  scroll = s[15]
end
local new_words = 0
for _, p in ipairs(new) do new_words = new_words + words[p + 1] end
if ARGV[17] == '1' then flags['@AUTOMATION@'] = true end

local overlap = false
if credited > 0 then
  local others = 0
  local activity = redis.call('HGETALL', KEYS[3])
  for i = 1, #activity, 2 do
    if activity[i] ~= s[1] then others = math.max(others, tonumber(activity[i + 1])) end
  end
  overlap = others > s[9]
end
local active = s[10] + credited
local words_seen = s[14] + new_words
if new_words - allowance > @SCREEN_WPM@ * credited / 60000
  or words_seen - allowance > @SCREEN_WPM@ * active / 60000 then
  flags['@TOO_FAST@'] = true
end
local all = {}
for _, p in ipairs(s[13]) do all[#all + 1] = p end
for _, p in ipairs(new) do all[#all + 1] = p end
table.sort(all)
local names = {}
for f in pairs(flags) do names[#names + 1] = f end
table.sort(names)

local function num(x) return string.format('%.17g', x) end
local function bool(x) if x then return 'true' end return 'false' end
local function list(t, encode)
  local out = {}
  for i, x in ipairs(t) do out[i] = encode(x) end
  return '[' .. table.concat(out, ',') .. ']'
end
local input_at = num(s[20])
if touched then input_at = ARGV[8] end
local next_seq = s[7] + 1
local state = '[' .. table.concat({
  cjson.encode(s[1]), cjson.encode(s[2]), cjson.encode(s[3]), cjson.encode(s[4]),
  num(s[5]), num(s[6]), num(next_seq), cjson.encode(ARGV[7]), ARGV[8], num(active),
  num(s[11] + 1), num(s[12] + (credited > 0 and 1 or 0)), list(all, num), num(words_seen),
  num(scroll), num(allowance), list(names, cjson.encode), 'false', num(s[19]), input_at,
}, ',') .. ']'
local record = '[' .. table.concat({
  ARGV[4], ARGV[8], ARGV[9], num(credited), ARGV[10], num(#new), num(new_words),
  bool(ARGV[12] == '1'), bool(ARGV[13] == '1'), bool(ARGV[17] == '1'), bool(overlap),
  '[' .. ARGV[14] .. ']',
}, ',') .. ']'

redis.call('HSET', KEYS[1], 'v', num(next_seq) .. ':' .. ARGV[7], 's', state)
redis.call('RPUSH', KEYS[2], record)
redis.call('ZADD', KEYS[4], ARGV[8], s[1])
if credited > 0 then
  redis.call('HSET', KEYS[3], s[1], ARGV[8])
  redis.call('EXPIRE', KEYS[3], @ACTIVITY_TTL_S@)
end
redis.call('EXPIRE', KEYS[1], @TTL_S@)
redis.call('EXPIRE', KEYS[2], @TTL_S@)
local last = false
for _, p in ipairs(all) do if p == s[6] - 1 then last = true end end
local reached = 0
if last or scroll >= @END_SCROLL@ then reached = 1 end
return table.concat({
  '6', num(active), num(#all), reached, credited > 0 and 1 or 0, num(s[5]), num(s[6]),
  num(next_seq),
}, ' ')
"""

# What the script answers first: go the general way (the read is not there, or was stored
# without its words), or the error the Python path would have raised, or done.
GENERAL, NOT_FOUND, CLOSED, BAD_TOKEN, OUT_OF_ORDER, BAD_PARAGRAPH, DONE = range(7)


def beat_source(rules: Rules, ttl_s: int) -> str:
    """The script for one set of rules (its thresholds are part of its source)."""
    values = {
        "MAX_GAP_S": rules.max_gap_s,
        "INTERVAL_S": rules.beat_interval_s,
        "SLACK_S": rules.slack_s,
        "FIRST_MIN": rules.first_screen_min_words,
        "FIRST_MAX": rules.first_screen_max_words,
        "INPUT_WINDOW_S": rules.beat_interval_s * 1.5,
        "SCREEN_WPM": rules.max_screen_wpm,
        "END_SCROLL": rules.end_scroll,
        "ACTIVITY_TTL_S": ACTIVITY_TTL_S,
        "TTL_S": int(ttl_s),
    }
    source = _SOURCE
    for name, value in values.items():
        source = source.replace(f"@{name}@", repr(float(value)) if name != "TTL_S" else str(value))
    for reason in (Reason.NO_INPUT, Reason.AUTOMATION, Reason.TOO_FAST):
        source = source.replace(f"@{reason.name}@", reason.value)
    return source


class ScriptedBeat(NamedTuple):
    """What the script did with a beat: its figures for the answer."""

    active_ms: int
    paragraphs_seen: int
    end_reached: bool
    credited: bool
    word_count: int
    paragraph_count: int
    next_seq: int


def outcome(reply: bytes | str | None) -> ScriptedBeat | None:
    """The script's answer (a code, then the figures, space-separated); None to go the general
    way; the Python path's error otherwise."""
    if not reply:
        return None
    fields = reply.split()
    code = int(fields[0])
    if code == DONE:
        active, seen, reached, credited, words, paragraphs, next_seq = map(int, fields[1:])
        return ScriptedBeat(
            active, seen, bool(reached), bool(credited), words, paragraphs, next_seq
        )
    if code == GENERAL:
        return None
    if code == NOT_FOUND:
        raise NotFound("no read has this id")
    if code == CLOSED:
        raise Conflict("this read is finished", code="read_closed")
    if code == BAD_TOKEN:
        raise Unauthorized("this read token was not issued for this read", code="bad_token")
    if code == OUT_OF_ORDER:
        raise Conflict("this beat was already received or came out of order", code="out_of_order")
    raise Unprocessable("paragraphs_seen names a paragraph the article does not have")


def flag(value: bool) -> str:
    return "1" if value else "0"


def beat_args(
    reader_id: uuid.UUID,
    mac_ok: bool,
    article_id: uuid.UUID,
    token_seq: int,
    token_nonce: str,
    *,
    seq: int,
    next_nonce: str,
    now: float,
    active_ms: int,
    scroll_max: float,
    paragraphs_seen: list[int],
    visible: bool,
    focused: bool,
    events: tuple[int, ...],
    viewport_h: int | None,
    document_h: int | None,
    webdriver: bool,
) -> list[str]:
    """The script's ARGV: one string (floats as repr, so both sides read the same double)."""
    fields = [
        str(reader_id),
        flag(mac_ok),
        str(article_id),
        str(token_seq),
        token_nonce,
        str(seq),
        next_nonce,
        repr(float(now)),
        str(int(active_ms)),
        repr(float(scroll_max)),
        ",".join(str(int(p)) for p in paragraphs_seen),
        flag(visible),
        flag(focused),
        ",".join(str(int(n)) for n in events),
        "" if viewport_h is None else str(int(viewport_h)),
        "" if document_h is None else str(int(document_h)),
        flag(webdriver),
    ]
    return ["|".join(fields)]
