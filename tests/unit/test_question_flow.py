"""The question status machine, the reply-channel rule and working days left; pure domain."""

from __future__ import annotations

from datetime import date

import pytest

from callcenter.domain.errors import Conflict
from callcenter.domain.questions import (
    OPEN_STATUSES,
    TRANSITIONS,
    Channel,
    InvalidTransition,
    Status,
    check_transition,
    reply_channel_for,
    working_days_left,
)

HAPPY_PATH = [Status.REGISTERED, Status.IN_PROGRESS, Status.TRANSFERRED, Status.ANSWERED, Status.CLOSED]


def test_the_charter_path_is_allowed_step_by_step() -> None:
    for current, nxt in zip(HAPPY_PATH, HAPPY_PATH[1:], strict=False):
        check_transition(current, nxt)


@pytest.mark.parametrize("current", [Status.REGISTERED, Status.IN_PROGRESS, Status.TRANSFERRED])
def test_a_delay_notice_can_be_sent_while_the_question_waits(current: Status) -> None:
    check_transition(current, Status.DELAYED)
    check_transition(Status.DELAYED, Status.ANSWERED)


@pytest.mark.parametrize(("current", "to"), [
    (Status.REGISTERED, Status.CLOSED),  # closing needs an answer first
    (Status.IN_PROGRESS, Status.REGISTERED),  # no way back to registered
    (Status.ANSWERED, Status.IN_PROGRESS),
    (Status.ANSWERED, Status.DELAYED),
    (Status.CLOSED, Status.IN_PROGRESS),  # closed is final
    (Status.IN_PROGRESS, Status.IN_PROGRESS),  # not a change
])
def test_other_moves_are_refused_as_conflicts(current: Status, to: Status) -> None:
    with pytest.raises(InvalidTransition) as caught:
        check_transition(current, to)
    assert isinstance(caught.value, Conflict)
    assert caught.value.code == "invalid-transition"
    assert caught.value.fields == {"status": "not allowed"}


def test_every_status_is_reachable_and_closed_is_the_only_end() -> None:
    reachable = {Status.REGISTERED}
    for targets in TRANSITIONS.values():
        reachable |= targets
    assert reachable == set(Status)
    assert [s for s, targets in TRANSITIONS.items() if not targets] == [Status.CLOSED]
    assert Status.ANSWERED not in OPEN_STATUSES and Status.DELAYED in OPEN_STATUSES


@pytest.mark.parametrize(("arrival", "reply"), [
    (Channel.PHONE, Channel.PHONE),
    (Channel.EMAIL, Channel.EMAIL),
    (Channel.WEB, Channel.WEB),
    (Channel.LETTER, Channel.EMAIL),
    (Channel.FAX, Channel.EMAIL),
])
def test_answers_go_back_by_the_arrival_channel_except_letters_and_faxes(arrival: Channel,
                                                                         reply: Channel) -> None:
    assert reply_channel_for(arrival) == reply


def _weekdays(day: date) -> bool:
    return day.weekday() < 5


def test_working_days_left_skip_weekends_and_go_negative_when_overdue() -> None:
    friday, monday, tuesday = date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 1)
    assert working_days_left(friday, tuesday, _weekdays) == 2
    assert working_days_left(friday, friday, _weekdays) == 0
    assert working_days_left(tuesday, friday, _weekdays) == -2
    assert working_days_left(monday, date(2026, 11, 28), _weekdays) == -1  # Monday is one working day late
