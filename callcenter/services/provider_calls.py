"""What a cloud provider's call callbacks need beyond the call lifecycle (services.provider_calls).

- ``leg_event(event, agent_id, round_)``: an agent's leg (ringing, answered, ended) goes to the same
  call lifecycle as the CTI API's events, naming the agent by username (the provider's callback URL
  carries our agent id), unless it belongs to a ring round already over: a provider reports each leg
  asynchronously, and a late "no-answer" of round 1 must not end the same agent's leg of round 2.
- ``store_recording(key, recording)``: keep what the provider says of a call's recording, once per
  request key (a retry gets the first answer), in the same table of request ids as the CTI API.
- ``recordings(call_id)``: the recordings of a call, for the recordings pipeline.
"""

from __future__ import annotations

from dataclasses import replace

from callcenter.domain.call_events import CallEvent, CallEventKind
from callcenter.domain.provider_recordings import ProviderRecording, clean_recording
from callcenter.services.agents import AgentService
from callcenter.services.call_lifecycle import CallLifecycle
from callcenter.services.ports import Clock
from callcenter.services.provider_ports import ProviderUowFactory
from callcenter.services.routing_ports import JsonDict

RECORDING = "recording"  # kind of the request ids of recording callbacks (cti_requests.kind)
_MAY_BE_STALE = frozenset({CallEventKind.RINGING, CallEventKind.HANGUP})


class ProviderCalls:
    def __init__(self, uow: ProviderUowFactory, clock: Clock, lifecycle: CallLifecycle,
                 agents: AgentService) -> None:
        self._uow = uow
        self._clock = clock
        self._lifecycle = lifecycle
        self._agents = agents

    def leg_event(self, event: CallEvent, agent_id: int, round_: int) -> JsonDict:
        """Pass an agent's leg event to the call lifecycle unless its ring round is already over."""
        profile = self._agents.directory().get(agent_id)
        if profile is None:
            return _ignored(event, f"no active agent has the id {agent_id}")
        if event.kind in _MAY_BE_STALE and self._stale(event.call_id, agent_id, round_):
            return _ignored(event, f"round {round_} is over")
        return self._lifecycle.handle_event(replace(event, agent=profile.username))

    def store_recording(self, key: str, recording: ProviderRecording) -> JsonDict:
        """Keep a reported recording; a repeated request key gets the first answer and changes nothing."""
        recording = clean_recording(recording)
        now = self._clock.now()
        answer: JsonDict = {"status": "stored", "call_id": recording.call_id,
                            "recording_sid": recording.recording_sid, "recording_status": recording.status}
        with self._uow() as uow:
            claim = uow.cti_requests.claim(RECORDING, key, now)
            if not claim.new:  # claimed and answered in one transaction: a repeat sees the answer
                return claim.response if claim.response is not None else answer
            uow.provider_recordings.save(recording, now)
            uow.cti_requests.answer(RECORDING, key, answer)
            uow.commit()
        return answer

    def recordings(self, call_id: str) -> list[JsonDict]:
        """Return the call's recordings as the provider reported them, first reported first."""
        with self._uow() as uow:
            found = uow.provider_recordings.of_call(str(call_id))
        return [{"provider": r.provider, "recording_sid": r.recording_sid, "status": r.status, "url": r.url,
                 "duration_s": r.duration_s, "channels": r.channels} for r in found]

    def _stale(self, call_id: str, agent_id: int, round_: int) -> bool:
        with self._uow() as uow:
            record = uow.call_records.get(call_id)
        # The agent who answered is never stale: their leg ends the call, whatever the round.
        return record is not None and record.round > round_ and record.agent_user_id != agent_id


def _ignored(event: CallEvent, reason: str) -> JsonDict:
    return {"status": "ignored", "event": event.kind.value, "call_id": event.call_id, "reason": reason}
