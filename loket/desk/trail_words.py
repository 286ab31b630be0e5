"""An audit line's detail in the reader's language, on the trail page.

The code writes each line's detail in English (`audit.record(detail=...)`), and it is
stored as written: a log line is never changed (NEN 7513), and `loket audit` prints it so.
The trail page says it in the reader's language, Dutch by default, from the finite set of
details the code writes: each a pattern whose parts are codes (a channel, a desk, an
outcome: in words by their own texts), a reason (said again the same way) or a number,
date or reference (kept). A detail made of parts ("...; 2 callback(s) ... cancelled") is
said part by part. A detail this table does not know is shown as stored: a new one is
then untranslated, never lost.
"""

from __future__ import annotations

import re
from functools import cache

from loket.desk import texts

# Whole details, each matched in full; its named parts are said by `_part`.
_DETAILS: tuple[tuple[str, str], ...] = (
    (r"channel=(?P<channel>\S+)", "t_detail_channel"),
    (r"routed desk=(?P<desk>\S+) queue=(?P<queue>\S+)", "t_detail_routed"),
    (r"pooled hours over: queue=pool>(?P<queue>\S+)", "t_detail_pool_over"),
    (r"web chat left before its questions were answered", "t_detail_chat_unstarted"),
    (r"claimed", "t_detail_claimed"),
    (r"released", "t_detail_released"),
    (r"released: (?P<reason>.+)", "t_detail_released_because"),
    (r"transferred desk=(?P<desk>\S+)", "t_detail_transferred"),
    (r"call answered", "t_detail_call_answered"),
    (r"call answered by a counsellor", "t_detail_call_answered_by"),
    (r"call abandoned", "t_detail_call_abandoned"),
    (r"call ended \((?P<twilio>[^)]*)\): found by asking Twilio", "t_detail_call_ended"),
    (r"(?P<detail>.+): a crisis, kept open to be called back at once", "t_detail_crisis_kept"),
    (r"closed: stop word", "t_detail_stop_closed"),
    (r"stop word: no texts, crisis kept open", "t_detail_stop_crisis"),
    (r"crisis after a stop word: no texts, to be called", "t_detail_stop_crisis_call"),
    (r"not moved back into the queue: a callback instead", "t_detail_stranded"),
    (r"sms number opted out: no texts, to be called", "t_detail_sms_opted_out"),
    (r"twilio error (?P<code>\d+), sms number opted out: no texts, to be called",
     "t_detail_twilio_opted_out"),
    (r"closed outcome=(?P<outcome>\S+)", "t_detail_closed"),
    (r"unreachable callback closed", "t_detail_unreachable_closed"),
    (r"api", "t_detail_api"),
    (r"new messages", "t_detail_new_messages"),
    (r"listed among the person's earlier contacts", "t_detail_listed"),
    (r"reply", "t_detail_reply"),
    (r"note kind=(?P<kind>\S+)", "t_detail_note"),
    (r"risk (?P<before>\S+) -> (?P<risk>\S+)", "t_detail_risk"),
    (r"person continuity opt-out=(?P<opted_out>\S+)", "t_detail_continuity"),
    (r"number and e-mail shown", "t_detail_unmasked"),
    (r"asked the desk for support", "t_detail_help"),
    (r"help request (?P<n>\d+) answered", "t_detail_help_done"),
    (r"flag (?P<flag>\S+) proposed for (?P<days>\d+) days", "t_detail_flag"),
    (r"flag (?P<flag>\S+) approved", "t_detail_flag_approved"),
    (r"emergency access for (?P<minutes>\d+) min", "t_detail_break_glass"),
    (r"api break-glass", "t_detail_break_glass_api"),
    (r"break-glass (?P<n>\d+) reviewed", "t_detail_reviewed"),
    (r"escalation step=(?P<step>\d+) \(crisis unclaimed\)", "t_detail_escalation"),
    (r"personal data erased on request \(with (?P<reference>[^)]*)\)", "t_detail_erased"),
    (r"personal data erased at the person's request", "t_detail_erased_person"),
    (r"personal data removed after the retention period \((?P<date>[^)]*)\)",
     "t_detail_retention"),
    (r"(?P<n>\d+) callback\(s\) still to make cancelled", "t_detail_callbacks_cancelled"),
    (r"(?P<n>\d+) alarm\(s\) resolved", "t_detail_alarms_resolved"),
    (r"taken out of the queues \(it was open\)", "t_detail_out_of_queues"),
    (r"trail of (?P<reference>\S+) \(erased\)", "t_detail_trail_erased"),
    (r"callback due attempt=(?P<n>\d+)", "t_detail_callback_due"),
    (r"callback call started", "t_detail_callback_started"),
    (r"callback planned window=(?P<window>\S+) personal=(?P<personal>\S+)",
     "t_detail_callback_planned"),
    (r"personal callback due: ringing its counsellor", "t_detail_personal_due"),
    (r"waiting call answered", "t_detail_waiting_answered"),
    (r"callback back to the desk: (?P<reason>.+)", "t_detail_back_to_desk"),
    (r"callback attempt=(?P<n>\d+) outcome=(?P<call_outcome>\S+) status=(?P<status>\S+)",
     "t_detail_callback_attempt"),
    (r"callback outcome=(?P<call_outcome>\S+)", "t_detail_callback_outcome"),
    (r"callback tried once more", "t_detail_tried_again"),
    (r"callback window (?P<window>\S+): chosen as the call ended", "t_detail_window_late"),
    (r"reopened: an answer given as the call ended", "t_detail_answered_late"),
    (r"wrote again after the callback failed: back in the queue", "t_detail_wrote_again"),
    (r"listening in \(coaching the counsellor\)", "t_detail_listening"),
    (r"warm transfer desk=(?P<desk>\S+) on the live call", "t_detail_warm_transfer"),
    (r"joined the call \(warm transfer\)", "t_detail_joined"),
    (r"personal callback handed to the desk: (?P<reason>.+)", "t_detail_handed_over"),
)

# Why a contact or a callback went back to the desk: the `reason` part of a detail.
_REASONS: tuple[tuple[str, str], ...] = (
    (r"the counsellor logged out", "t_reason_logged_out"),
    (r"the counsellor's login ended", "t_reason_login_ended"),
    (r"the holder's access to it ended", "t_reason_access_ended"),
    (r"the counsellor's account was disabled", "t_reason_disabled"),
    (r"the counsellor moved to another role or desk", "t_reason_moved"),
    (r"not moved: Twilio refused to move the caller", "t_reason_move_refused"),
    (r"your phone did not confirm", "t_reason_not_confirmed"),
    (r"no longer theirs to take when they pressed 1", "t_reason_no_longer_theirs"),
    (r"the colleague may no longer see the contact", "t_reason_not_theirs"),
    (r"not moved: the counsellor's phone hung up first", "t_reason_called_off"),
    (r"not joined: the counsellor had left", "t_reason_never_met"),
    (r"the phone queue failed twice: a callback filed", "t_reason_queue_failed"),
    (r"the counsellor left before the person answered", "t_reason_left_first"),
    (r"the counsellor's phone did not answer", "t_reason_no_answer"),
    (r"the counsellor hung up before the person was called", "t_reason_hung_up"),
    (r"(?P<detail>.+) before being joined", "t_detail_before_joined"),
)

# A code part in words by its own texts' prefix (a code without a text stays as stored).
_CODES = {
    "channel": "channel_", "desk": "desk_", "queue": "desk_", "outcome": "outcome_",
    "call_outcome": "call_outcome_", "status": "cb_status_", "window": "cb_window_",
    "flag": "s_flag_", "before": "risk_", "risk": "risk_", "kind": "t_kind_",
    "opted_out": "t_bool_", "personal": "t_bool_",
}


@cache
def _table(which: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Return the details' or the reasons' patterns, compiled once."""
    rows = _DETAILS if which == "detail" else _REASONS
    return tuple((re.compile(pattern, re.DOTALL), key) for pattern, key in rows)


def detail_text(detail: str, lang: str) -> str:
    """Return a stored detail in the reader's language, part by part; as stored when
    this table does not know it."""
    return "; ".join(_said(part, "detail", lang) for part in detail.split("; "))


def reason_text(reason: str, lang: str) -> str:
    """Return a stored reason (the part of a detail after "released: ") in the reader's
    language; as stored when this table does not know it."""
    return _said(reason, "reason", lang)


def _said(stored: str, which: str, lang: str) -> str:
    """Return one detail or reason in words, or as stored."""
    for pattern, key in _table(which):
        found = pattern.fullmatch(stored)
        if found:
            parts = {name: _part(name, value, lang)
                     for name, value in found.groupdict().items()}
            return texts.text(key, lang, **parts)
    return stored


def _part(name: str, value: str, lang: str) -> str:
    """Return one named part of a detail in words: a code by its text, a reason or an
    inner detail said again, anything else (a number, a date, a reference) as stored."""
    if name == "reason":  # after a colon: begins in lower case, as the stored one does
        said = _said(value, "reason", lang)
        return said[:1].lower() + said[1:]
    if name == "detail":
        return _said(value, "detail", lang)
    prefix = _CODES.get(name)
    return texts.code_text(prefix + value, value, lang) if prefix else value
