"""Hand-written in-memory fakes of the service-commitment ports, on top of the CRM fakes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from callcenter.domain.agenda import ExpertAvailability
from callcenter.domain.identity import Role, User
from callcenter.domain.outbox import OutboxMessage, OutgoingEmail
from callcenter.domain.sla import CallbackTask, DelayNotice, DueRef
from tests.unit.crm_fakes import FakeCrmUow, FakeQuestions


class FakeSla:
    def __init__(self, questions: FakeQuestions) -> None:
        self._questions = questions
        self.breaches: set[tuple[int, datetime]] = set()
        self.notices: list[DelayNotice] = []
        self.tasks: dict[int, CallbackTask] = {}
        self.markers: dict[str, str] = {}

    def question_id(self, registration_number: str) -> int | None:
        found = self._questions.rows.get(registration_number)
        return found.id if found else None

    def claim_breach(self, question_id: int, due_at: datetime, at: datetime) -> bool:
        if (question_id, due_at) in self.breaches:
            return False
        self.breaches.add((question_id, due_at))
        return True

    def breached_not_reminded(self, now: datetime, limit: int) -> list[DueRef]:
        return [DueRef(q.registration_number, q.due_at) for q in self._open()
                if q.due_at <= now and (q.id, q.due_at) not in self.breaches][:limit]

    def due_between(self, after: datetime, until: datetime, limit: int) -> list[DueRef]:
        found = [q for q in self._open() if after < q.due_at <= until]
        return [DueRef(q.registration_number, q.due_at) for q in found][:limit]

    def open_question_numbers(self) -> list[str]:
        return [q.registration_number for q in self._open()]

    def announced_by_delay_notice(self, question_id: int, due_at: datetime) -> bool:
        return any(n.question_id == question_id and n.due_at == due_at for n in self.notices)

    def add_delay_notice(self, notice: DelayNotice) -> DelayNotice:
        self.notices.append(replace(notice, id=len(self.notices) + 1))
        return self.notices[-1]

    def delay_notices_of(self, question_id: int) -> list[DelayNotice]:
        return [n for n in self.notices if n.question_id == question_id]

    def add_callback_task(self, task: CallbackTask) -> CallbackTask:
        stored = replace(task, id=len(self.tasks) + 1)
        self.tasks[stored.id] = stored
        return stored

    def callback_task(self, task_id: int) -> CallbackTask | None:
        return self.tasks.get(task_id)

    def complete_callback_task(self, task_id: int, at: datetime, by: int | None, note: str | None) -> bool:
        task = self.tasks.get(task_id)
        if task is None or task.is_done:
            return False
        self.tasks[task_id] = replace(task, done_at=at, done_by=by, note=note)
        return True

    def callback_tasks_of(self, question_id: int) -> list[CallbackTask]:
        return [t for t in self.tasks.values() if t.question_id == question_id]

    def open_callback_tasks(self, assignee_user_id: int) -> list[CallbackTask]:
        return [t for t in self.tasks.values() if t.assignee_user_id == assignee_user_id and not t.is_done]

    def set_marker(self, name: str, value: str, at: datetime) -> bool:
        changed = self.markers.get(name) != value
        self.markers[name] = value
        return changed

    def _open(self) -> list:  # type: ignore[type-arg]
        return sorted((q for q in self._questions.rows.values() if q.is_open), key=lambda q: q.due_at)


class FakeUsers:
    def __init__(self, *users: User) -> None:
        self.rows = {u.id: u for u in users}

    def by_id(self, user_id: int) -> User | None:
        return self.rows.get(user_id)

    def all(self) -> list[User]:
        return sorted(self.rows.values(), key=lambda u: u.username)


class FakeCompetences:
    def __init__(self, competences: dict[int, list[str]] | None = None) -> None:
        self.competences = competences or {}

    def competences_of(self, user_id: int) -> list[str]:
        return sorted(self.competences.get(user_id, []))


@dataclass
class FakeSlaUow(FakeCrmUow):
    users: FakeUsers = field(default_factory=FakeUsers)
    agendas: FakeCompetences = field(default_factory=FakeCompetences)
    outbox: list[OutgoingEmail] = field(default_factory=list)  # what the fake mail outbox stored
    sla: FakeSla = field(init=False)

    def __post_init__(self) -> None:
        self.sla = FakeSla(self.questions)

    def __enter__(self) -> FakeSlaUow:
        return self


class FakeMailOutbox:
    """Stores mail in the fake unit of work's list; remembers what it was asked to deliver."""

    def __init__(self) -> None:
        self.delivery_asked: list[int] = []

    def add_to(self, uow: FakeSlaUow, email: OutgoingEmail) -> OutboxMessage:  # type: ignore[override]
        uow.outbox.append(email)
        at = datetime(2026, 1, 1, tzinfo=UTC)
        return OutboxMessage(len(uow.outbox), f"<{len(uow.outbox)}@test>", email, "queued", 0, at, at)

    def enqueue_delivery(self, *messages: OutboxMessage) -> None:
        self.delivery_asked.extend(m.id for m in messages)


class FakeScheduler:
    def __init__(self) -> None:
        self.scheduled: list[tuple[str, datetime]] = []

    def schedule_reminder(self, registration_number: str, due: datetime) -> None:
        self.scheduled.append((registration_number, due))


class FakeJobQueue:
    def __init__(self) -> None:
        self.jobs: dict[str, tuple[str, tuple[object, ...], datetime | None]] = {}

    def enqueue(self, func_path: str, *args: object, job_id: str, at: datetime | None = None,
                retries: int = 3) -> None:
        self.jobs.setdefault(job_id, (func_path, args, at))


class FakeExperts:
    def __init__(self, ranked: list[ExpertAvailability] | None = None) -> None:
        self.ranked = ranked or []
        self.asked: list[tuple[str, datetime | None]] = []

    def available_experts(self, topic_code: str, at: datetime | None = None) -> list[ExpertAvailability]:
        self.asked.append((topic_code, at))
        return list(self.ranked)


def staff(user_id: int, *roles: Role, active: bool = True, language: str = "fr") -> User:
    name = f"user{user_id}"
    return User(user_id, name, name.title(), f"{name}@mi-is.be", language, frozenset(roles), active,
                datetime(2026, 1, 1, tzinfo=UTC), "stamp")
