"""Writes for the funding app: rules, recompute requests, runs, published allocation uploads."""

import datetime as dt
import logging
import operator
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from datacache.versions import data_changed, data_changed_before_commit
from lib.bulk import values_insert
from lib.tabular import Columns, ImportFailed, Problems, table_parse

from . import rules, selectors
from .models import (
    Allocation,
    AllocationRemoval,
    AllocationRule,
    AllocationRun,
    Fund,
    FundStatusChange,
    PublishedAllocation,
    Scenario,
    Tranche,
)
from .signals import run_finished

logger = logging.getLogger(__name__)

FUND_ADMINS = "Fund admins"
# Which funds an import can change: those whose rules read what it imports.
IMPORTS_READ_AS = {"ae": {rules.AE_FIGURES}, "orgs": {rules.POPULATIONS, rules.BUDGETS}}


UNEXPECTED_RUN_ERROR = (
    "The run stopped on an unexpected error; the previous allocations stay current. "
    "The details are in the worker's log."
)


class FundBusy(Exception):
    """Another run of the same fund is in progress; try again later."""


def fund_admin_group_ensure() -> Group:
    group, _ = Group.objects.get_or_create(name=FUND_ADMINS)
    codenames = [
        f"{action}_{model}"
        for model in (
            "fund",
            "fundsource",
            "fundstatuschange",
            "tranche",
            "tranchecondition",
            "allocationrule",
            "scenario",
            "publishedallocation",
            "spendingreport",
            "spendingline",
        )
        for action in ("add", "change", "delete", "view")
    ] + ["recompute_fund", "view_allocation", "view_allocationrun"]
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="funding", codename__in=codenames)
    )
    return group


def rule_save(
    *,
    fund: Fund,
    kind: str,
    parameters: dict,
    reason: str = "",
    user=None,
    scenario: Scenario | None = None,
) -> AllocationRule:
    """Validates and saves a fund's rule, bumping its version when it changes; the history
    records who changed it and why. A rule changed other than by making `scenario` current is
    no scenario's any more: the one that was current is current no longer."""
    cleaned = rule_parameters_clean(
        kind=kind, parameters=parameters, fund_total_pence=fund.total_pence
    )
    rule = AllocationRule.objects.filter(fund=fund).first()
    changed = rule is None or (rule.kind, rule.parameters) != (kind, cleaned)
    if rule is None:
        rule = AllocationRule(fund=fund, kind=kind, parameters=cleaned)
    elif changed:
        rule.kind, rule.parameters = kind, cleaned
        rule.version += 1
    if changed:
        rule._change_reason = reason or None
        rule._history_user = user
        rule.save()
    elif scenario is None:
        return rule
    for was_current in fund.scenarios.filter(is_current=True).exclude(
        pk=scenario.pk if scenario else None
    ):
        was_current.is_current = False
        was_current._change_reason = (
            f"Replaced by “{scenario.name}”" if scenario else "The fund's rule was changed"
        )[:100]
        was_current._history_user = user
        was_current.save()
    return rule


def scenario_make_current(*, scenario: Scenario, reason: str, user=None) -> AllocationRule:
    """Makes an alternative rule the fund's model: its rule becomes the scenario's (a new
    version, with who and why in the fund's history), the scenario current in place of the
    one before, and a recompute is requested."""
    reason = reason.strip()
    if not reason:
        raise ValueError("Say why this scenario becomes the fund's model: the history keeps it.")
    fund = scenario.fund
    with transaction.atomic():
        rule = rule_save(
            fund=fund,
            kind=scenario.kind,
            parameters=scenario.parameters,
            reason=reason,
            user=user,
            scenario=scenario,
        )
        scenario.is_current, scenario.reason = True, reason
        scenario._change_reason = reason
        scenario._history_user = user
        scenario.save()
        fund_recompute_request(fund=fund, triggered_by="scenario made current", requested_by=user)
    return rule


def rule_parameters_clean(*, kind: str, parameters, fund_total_pence: int | None) -> dict:
    """The rule's parameters checked as funding.rules does, and against the kinds of
    organisation that exist (a rule for "ccgs" would select nobody)."""
    from trusts.models import Organisation

    return rules.validate_parameters(
        kind,
        parameters,
        fund_total_pence=fund_total_pence,
        recipient_kinds=Organisation.Kind.values,
    )


def fund_status_date(*, fund: Fund, on: dt.date, note: str) -> FundStatusChange | None:
    """Dates the fund's current status when no step records it yet, so every step is dated."""
    if fund.status_changes.filter(status=fund.status).exists():
        return None
    return FundStatusChange.objects.create(fund=fund, status=fund.status, on=on, note=note)


def fund_announcement_moved(*, fund: Fund, was: dt.date) -> None:
    """The announced step dated by the announcement moves with it (left, the history had the
    fund announced on two days)."""
    for step in fund.status_changes.filter(status=Fund.Status.ANNOUNCED, on=was):
        step.on = fund.announced_on
        step._change_reason = f"The announcement moved from {was}"
        step.save()


def fund_withdraw(*, fund: Fund, on: dt.date, note: str) -> None:
    """Takes a fund out of every current view and export, keeping its history: it is marked
    withdrawn (a dated step) and no run of it stays current, so no current allocations
    remain; its runs, allocations and history stay for the record."""
    with transaction.atomic():
        fund.status = Fund.Status.WITHDRAWN
        fund._change_reason = note
        fund.save()
        fund_status_date(fund=fund, on=on, note=note)
        # Tombstones, so that a client syncing allocations drops the fund's rows too.
        now = timezone.now()
        AllocationRemoval.objects.bulk_create(
            AllocationRemoval(allocation_id=pk, fund=fund, removed_at=now)
            for pk in Allocation.objects.filter(run__fund=fund, run__is_current=True).values_list(
                "pk", flat=True
            )
        )
        AllocationRun.objects.filter(fund=fund, is_current=True).update(
            is_current=False, superseded_at=now
        )
        data_changed()
        # Their rules leave out this fund's recipients; it pays nobody now.
        for dependant in selectors.funds_depending_on(fund):
            fund_recompute_request(fund=dependant, triggered_by=f"{fund.slug} withdrawn")


# A fund's statuses in the order it moves through them.
STATUS_ORDER = [
    Fund.Status.ANNOUNCED,
    Fund.Status.ALLOCATING,
    Fund.Status.ALLOCATED,
    Fund.Status.PAID,
    Fund.Status.WITHDRAWN,
]


def fund_status_changed(*, fund: Fund, was: str, note: str) -> None:
    """After the fund's status changed: steps beyond it (where it moved back from paid, or
    from a withdrawal) go, kept in the audit history, so the dated steps end on the status
    the fund has. A fund reinstated after a withdrawal is again left out by the funds
    whose rules leave out its recipients."""
    later = STATUS_ORDER[STATUS_ORDER.index(fund.status) + 1 :]
    for step in fund.status_changes.filter(status__in=later):
        step._change_reason = note
        step.delete()
    data_changed()
    if was == Fund.Status.WITHDRAWN:
        for dependant in selectors.funds_depending_on(fund):
            fund_recompute_request(fund=dependant, triggered_by=f"{fund.slug} reinstated")


def fund_recompute_request(
    *, fund: Fund, triggered_by: str, requested_by=None
) -> AllocationRun | None:
    """Records a pending run and sends it to the workers once the transaction commits.

    `triggered_by` is public (pages, API) and names a role or a cause, never an account;
    `requested_by` records the account, for the audit export.

    If the broker cannot be reached the run stays pending, and the periodic requeue (or
    `recompute_allocations`) sends it when the broker is back; the caller's save stands.
    """
    if fund.status == Fund.Status.WITHDRAWN or (
        not AllocationRule.objects.filter(fund=fund).exists()
        and not fund.published_allocations.exists()
    ):
        return None
    run = AllocationRun.objects.create(
        fund=fund, triggered_by=triggered_by[:200], requested_by=requested_by
    )
    transaction.on_commit(lambda: run_enqueue(run_id=run.pk))
    return run


def recompute_refusal(fund: Fund) -> str:
    """Why fund_recompute_request queued no run of this fund, in words for whoever asked."""
    if fund.status == Fund.Status.WITHDRAWN:
        return (
            "This fund is withdrawn: its money is out of every current view and it is not "
            "recomputed (a fund admin can change its status back in the admin)."
        )
    return "This fund has no rule and no published allocations to compute."


def run_enqueue(*, run_id: int) -> bool:
    from .tasks import recompute_fund

    try:
        result = recompute_fund.apply_async(args=[run_id], retry=False)
    except Exception:
        logger.warning("Broker unreachable; run %s stays pending", run_id, exc_info=True)
        return False
    AllocationRun.objects.filter(pk=run_id).update(task_id=result.id)
    return True


def pending_runs_enqueue(*, older_than_seconds: int = 60, unsent_only: bool = False) -> int:
    """Sends runs that never reached a worker (the broker was down when they were saved, or
    lost their message); `unsent_only`: only those whose send failed."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    pending = AllocationRun.objects.filter(
        status=AllocationRun.Status.PENDING, requested_at__lt=cutoff
    )
    if unsent_only:
        pending = pending.filter(task_id="")
    sent = 0
    for run_id in pending.values_list("pk", flat=True):
        sent += run_enqueue(run_id=run_id)
    return sent


def funds_reading_recompute(*, categories: set[str], triggered_by: str) -> list[AllocationRun]:
    inputs = set().union(*(IMPORTS_READ_AS.get(category, set()) for category in categories))
    kinds = [kind.key for kind in rules.RULE_KINDS if kind.reads & inputs]
    funds = Fund.objects.filter(rule__kind__in=kinds)
    return [
        run
        for fund in funds
        if (run := fund_recompute_request(fund=fund, triggered_by=triggered_by))
    ]


def _claim(run: AllocationRun, fund: Fund, task_id: str) -> bool:
    """Marks the run as running, unless another run of the fund already is.

    The database allows one running run per fund (a partial unique index), which makes
    this a lock that holds across worker processes and machines. A message redelivered
    after its worker died carries the same task id, so it may take its own run back. A
    fund found held by a run whose worker went silent is freed by failing that run (looked
    for only then: most runs find their fund free).
    """
    claimable = AllocationRun.objects.filter(pk=run.pk, status=AllocationRun.Status.PENDING)
    if task_id:
        claimable = AllocationRun.objects.filter(pk=run.pk).filter(
            status__in=[AllocationRun.Status.PENDING, AllocationRun.Status.RUNNING],
            task_id__in=["", task_id],
        )
    now = timezone.now()
    running = {
        "status": AllocationRun.Status.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "progress": 5,
    }
    if task_id:
        running["task_id"] = task_id
    try:
        claimed = _claim_write(claimable, running, fund)
    except FundBusy:
        if not stale_runs_fail(fund=fund):
            raise
        claimed = _claim_write(claimable, running, fund)
    if claimed:
        _fields_set(run, running)
    return bool(claimed)


def _claim_write(claimable: QuerySet[AllocationRun], running: dict, fund: Fund) -> int:
    try:
        with transaction.atomic():
            claimed = claimable.update(**running)
            data_changed_before_commit()
    except IntegrityError:
        raise FundBusy(f"{fund.slug} is already being recomputed") from None
    return claimed


def _fields_set(run: AllocationRun, fields: dict) -> None:
    """Gives the instance the values just written to its row, rather than reading them back."""
    for name, value in fields.items():
        setattr(run, name, value)


def stale_runs_fail(*, fund: Fund | None = None, retry: bool = False) -> int:
    """Fails running runs whose heartbeat stopped: their worker is gone (killed, or its
    machine lost), and they would hold the fund's lock until the broker gave their message
    back. With `retry`, each fund gets a new pending run in the failed one's place."""
    silent_since = timezone.now() - dt.timedelta(seconds=settings.RUN_STALE_SECONDS)
    stale = AllocationRun.objects.filter(status=AllocationRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=silent_since) | Q(heartbeat_at__isnull=True, started_at__lt=silent_since)
    )
    if fund is not None:
        stale = stale.filter(fund=fund)
    failed = 0
    for run in stale.select_related("fund"):
        with transaction.atomic():
            failed += AllocationRun.objects.filter(
                pk=run.pk, status=AllocationRun.Status.RUNNING
            ).update(
                status=AllocationRun.Status.FAILED,
                finished_at=timezone.now(),
                error=(
                    "Abandoned: its worker stopped without finishing"
                    + ("; a new run was requested." if retry else ".")
                ),
            )
            if retry:
                fund_recompute_request(fund=run.fund, triggered_by=f"retry of run {run.pk}")
    if failed:
        data_changed()
    return failed


@contextmanager
def run_heartbeat(run: AllocationRun):
    """Writes the run's heartbeat every RUN_HEARTBEAT_SECONDS from a thread of its own, for
    as long as the block computes the run."""
    stopped = threading.Event()

    def beat():
        try:
            while not stopped.wait(settings.RUN_HEARTBEAT_SECONDS):
                try:
                    AllocationRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    # SQLite busy with the run's own write, say: the next beat will do.
                    logger.warning("No heartbeat for run %s this time", run.pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"run-{run.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join()


# A run quicker than this shows no progress between claimed and finished: each step's write
# is a commit of its own, a round trip most of a small run's time would otherwise go on.
PROGRESS_AFTER_SECONDS = 1.0


def _progress(run: AllocationRun, percent: int, *, since: float) -> None:
    if time.monotonic() - since >= PROGRESS_AFTER_SECONDS:
        AllocationRun.objects.filter(pk=run.pk).update(progress=percent)


def _finish(run: AllocationRun, status: str, **fields) -> AllocationRun:
    finished = {"status": status, "finished_at": timezone.now(), "progress": 100, **fields}
    with transaction.atomic():
        AllocationRun.objects.filter(pk=run.pk).update(**finished)
        data_changed_before_commit()
    _fields_set(run, finished)
    return run


def allocation_run_start(*, run: AllocationRun, task_id: str = "") -> AllocationRun:
    """Computes a run's allocations and makes them current, all in one transaction.

    A run whose inputs match the current run's is skipped; a failed run leaves the
    previous allocations current. Raises FundBusy if another run of the fund is going.
    """
    fund = Fund.objects.select_related("rule").get(pk=run.fund_id)
    if not _claim(run, fund, task_id):
        # Finished already (a redelivered message has nothing to do), or another task's.
        run.refresh_from_db()
        return run
    with run_heartbeat(run):
        return _run_compute(run, fund)


def run_finished_announce(*, run: AllocationRun) -> None:
    """Tells the apps that follow the funds that the run has finished; call it once the run's
    outcome is committed, outside any transaction. A follower that fails is logged: the run
    stands, and is not run again for it."""
    for receiver, outcome in run_finished.send_robust(sender=AllocationRun, run=run):
        if isinstance(outcome, Exception):
            logger.error("%s failed on run %s", receiver.__qualname__, run.pk, exc_info=outcome)


def _run_compute(run: AllocationRun, fund: Fund) -> AllocationRun:
    started = time.monotonic()
    rule = getattr(fund, "rule", None)
    try:
        inputs = selectors.run_inputs(fund=fund)
        fingerprint = inputs.fingerprint
        current = fund.runs.filter(is_current=True).first()
        if current and current.inputs_fingerprint == fingerprint:
            return _finish(
                run,
                AllocationRun.Status.SKIPPED,
                inputs_fingerprint=fingerprint,
                notes=[f"Inputs unchanged since run {current.pk}."],
            )
        _progress(run, 20, since=started)
        rows = _allocations_compute(fund, rule, inputs)
        _progress(run, 70, since=started)
    except (rules.RuleError, KeyError, ValueError) as error:
        return _finish(run, AllocationRun.Status.FAILED, error=str(error))
    except Exception:
        # The error is published (API, pages): say what happened in words; the details are
        # for the operator, in the worker's log.
        logger.exception("Run %s of %s stopped on an unexpected error", run.pk, fund.slug)
        _finish(run, AllocationRun.Status.FAILED, error=UNEXPECTED_RUN_ERROR)
        raise
    with transaction.atomic():
        now = timezone.now()
        previous = AllocationRun.objects.filter(fund=fund, is_current=True).first()
        removed = allocation_changes_mark(
            rows,
            previous=Allocation.objects.filter(run=previous).values_list(*PREVIOUS_ROW_FIELDS)
            if previous
            else [],
            now=now,
        )
        _allocations_write(run, rows)
        AllocationRemoval.objects.bulk_create(
            AllocationRemoval(allocation_id=pk, fund=fund, run=run, removed_at=now)
            for pk in removed
        )
        AllocationRun.objects.filter(fund=fund, is_current=True).update(
            is_current=False, superseded_at=now
        )
        succeeded = {
            "status": AllocationRun.Status.SUCCEEDED,
            "is_current": True,
            "finished_at": now,
            "progress": 100,
            "inputs_fingerprint": fingerprint,
            "rule_kind": rule.kind if rule else "",
            "rule_version": rule.version if rule else None,
            "total_pence": sum(
                r.amount_pence for r in rows if r.basis == Allocation.Basis.MODELLED
            ),
            "published_pence": sum(
                r.amount_pence for r in rows if r.basis == Allocation.Basis.PUBLISHED
            ),
            "recipient_count": len({r.recipient_id for r in rows}),
        }
        AllocationRun.objects.filter(pk=run.pk).update(**succeeded)
        # The fund's totals come from its current run, so a client that syncs funds by
        # updated_since must see the fund again.
        Fund.objects.filter(pk=fund.pk).update(updated_at=timezone.now())
        for dependant in selectors.funds_depending_on(fund):
            fund_recompute_request(fund=dependant, triggered_by=f"run {run.pk} of {fund.slug}")
        data_changed_before_commit()
    _fields_set(run, succeeded)
    return run


@dataclass(slots=True)
class NewAllocation:
    """A row a run is about to write: plain values, not a model instance, so that a fund of
    tens of thousands of recipients is not slowed by building and saving models."""

    fund_id: int
    recipient_id: int
    basis: str
    amount_pence: int
    rationale: str
    tranche_id: int | None = None
    intermediary_id: int | None = None
    rank: int | None = None
    details: dict = field(default_factory=dict)
    changed_at: dt.datetime | None = None

    def key(self) -> tuple:
        return (self.recipient_id, self.tranche_id, self.basis)

    def content(self) -> tuple:
        return (self.amount_pence, self.rank, self.rationale, self.intermediary_id)


# A current row as allocation_changes_mark reads it: id, key (3), content (4), changed_at.
PREVIOUS_ROW_FIELDS = (
    *("id", "recipient_id", "tranche_id", "basis"),
    *("amount_pence", "rank", "rationale", "intermediary_id", "changed_at"),
)


def allocation_changes_mark(
    rows: list[NewAllocation], *, previous: Iterable[tuple], now: dt.datetime
) -> list[int]:
    """Gives each new row the time it last changed: the fund's current row with the same
    recipient, tranche and basis, and the same amount, rank, rationale and intermediary, lends
    its time; any other row changed now. Returns the ids of the current rows whose recipient,
    tranche and basis the new run no longer has (the tombstones)."""
    before = {tuple(old[1:4]): old for old in previous}
    for row in rows:
        old = before.pop(row.key(), None)
        unchanged = old is not None and tuple(old[4:8]) == row.content()
        row.changed_at = (old[8] or now) if unchanged else now
    return [old[0] for old in before.values()]


def _allocations_write(run: AllocationRun, rows: list[NewAllocation]) -> None:
    values_of, run_id = operator.attrgetter(*NEW_ALLOCATION_FIELDS), run.pk
    values_insert(
        Allocation,
        (*NEW_ALLOCATION_FIELDS, "run_id"),
        [(*values_of(row), run_id) for row in rows],
    )


NEW_ALLOCATION_FIELDS = tuple(NewAllocation.__dataclass_fields__)


def _allocations_compute(
    fund: Fund, rule: AllocationRule | None, inputs: selectors.RunInputs
) -> list[NewAllocation]:
    from trusts.models import Organisation

    selectors.published_footing_check(inputs.published)
    rows = [
        NewAllocation(
            fund_id=fund.pk,
            tranche_id=p.tranche_id,
            recipient_id=p.recipient_id,
            basis=Allocation.Basis.PUBLISHED,
            amount_pence=p.amount_pence,
            rationale=f"As published: {p.source}"[:500],
        )
        for p in inputs.published
    ]
    if rule is None or rules.KINDS[rule.kind].compute is None:
        return rows
    if inputs.error:
        raise inputs.error
    candidates = inputs.candidates
    shares = _shares(rule, candidates)
    intermediaries = {c.code: c.intermediary for c in candidates if c.intermediary}
    codes = {s.code for s in shares} | set(intermediaries.values())
    ids = dict(Organisation.objects.filter(ods_code__in=codes).values_list("ods_code", "pk"))
    rows += [
        NewAllocation(
            fund_id=fund.pk,
            recipient_id=ids[share.code],
            intermediary_id=ids.get(intermediaries.get(share.code, "")),
            basis=Allocation.Basis.MODELLED,
            amount_pence=share.amount_pence,
            rank=share.rank,
            rationale=share.rationale[:500],
            details=share.details,
        )
        for share in shares
    ]
    return rows


def _shares(rule: AllocationRule, candidates: list[rules.Candidate]) -> list[rules.Share]:
    """The rule's shares; a rule that selects nobody is an error, never an empty success."""
    shares = _rule_shares(rule, candidates) if candidates else []
    if not shares:
        kinds = ", ".join(rule.parameters.get("eligible_kinds", []))
        raise rules.RuleError(
            f"The rule selects nobody: no organisation of the eligible kinds ({kinds}) has "
            "the figures it reads. Check the kinds, the dates and the A&E window."
        )
    return shares


def _rule_shares(rule: AllocationRule, candidates: list[rules.Candidate]) -> list[rules.Share]:
    cleaned = rules.validate_parameters(
        rule.kind, rule.parameters, fund_total_pence=rule.fund.total_pence
    )
    return rules.shares(rule.kind, candidates, cleaned)


def allocation_preview(*, fund: Fund, kind: str, parameters: dict) -> list[rules.Share]:
    """What a rule would allocate, without saving anything (the admin's preview)."""
    cleaned = rule_parameters_clean(
        kind=kind, parameters=parameters, fund_total_pence=fund.total_pence
    )
    unsaved = AllocationRule(fund=fund, kind=kind, parameters=cleaned)
    if rules.KINDS[kind].compute is None:
        return rules.fixed(
            [(p.ods_code, p.amount_pence) for p in selectors.published_allocations(fund)]
        )
    return _shares(unsaved, selectors.rule_candidates(rule=unsaved))


@dataclass(frozen=True)
class ScenarioRun:
    scenario: Scenario
    shares: list[rules.Share]
    error: str = ""

    @property
    def total_pence(self) -> int:
        return sum(share.amount_pence for share in self.shares)


def scenario_runs(*, fund: Fund) -> list[ScenarioRun]:
    """Each of the fund's scenarios computed from today's data, side by side, current first.

    Nothing is saved: the current scenario is the fund's rule, whose run is what the
    register and the API serve; the others are for comparison on the fund page."""
    runs = []
    # A preview's unsaved rule becomes its fund's `rule`, so previews get a copy of the fund
    # and the caller's keeps its real rule.
    scratch = Fund.objects.get(pk=fund.pk)
    for scenario in fund.scenarios.order_by("-is_current", "order", "id"):
        try:
            shares = allocation_preview(
                fund=scratch, kind=scenario.kind, parameters=scenario.parameters
            )
        except (rules.RuleError, KeyError, ValueError) as error:
            runs.append(ScenarioRun(scenario, [], str(error)))
            continue
        runs.append(ScenarioRun(scenario, shares))
    return runs


@dataclass
class UploadResult:
    created: int
    replaced: int
    run: AllocationRun | None  # None when the fund is not recomputed (withdrawn)


SOURCE_MAX_LENGTH = PublishedAllocation._meta.get_field("source").max_length
UPLOAD_COLUMNS = ("ods_code", "amount", "source")


def published_allocations_import(
    *,
    fund: Fund,
    content: bytes,
    file_name: str,
    tranche: Tranche | None = None,
    requested_by=None,
) -> UploadResult:
    """Replaces a fund's published list from a CSV (ods_code, amount in pounds, source).

    All or nothing: any bad row raises ImportFailed with every problem, and nothing changes.
    """
    from trusts.models import Organisation

    problems = Problems(file_name)
    table = table_parse(content, Path(file_name), has_header=True, problems=problems)
    if table is None:
        raise ImportFailed(problems.errors)
    columns = Columns(table.header)
    if missing := columns.missing(UPLOAD_COLUMNS):
        problems.add(1, "header", f"missing columns: {', '.join(missing)}")
        raise ImportFailed(problems.errors)
    rows = []
    seen: dict[str, int] = {}
    for line, raw in table.rows:
        code, amount, source = (columns.value(raw, name) for name in UPLOAD_COLUMNS)
        code = code.upper()
        try:
            pence = rules.pounds_to_pence(amount)
        except ValueError as error:
            problems.add(line, "amount", str(error))
            pence = None
        if not source:
            problems.add(line, "source", "is blank: say where the figure was published")
        elif len(source) > SOURCE_MAX_LENGTH:
            problems.add(
                line,
                "source",
                f"{len(source)} characters, more than {SOURCE_MAX_LENGTH}: cite it more briefly",
            )
        if code in seen:
            problems.add(line, "ods_code", f"{code} is also on line {seen[code]}")
        seen.setdefault(code, line)
        rows.append((line, code, pence, source))
    if not rows:
        # Replacing with nothing would wipe the list; that is never what an upload means.
        problems.add(None, "file", "has no rows: nothing replaced")
        raise ImportFailed(problems.errors)
    organisations = {
        o.ods_code: o for o in Organisation.objects.filter(ods_code__in=[r[1] for r in rows])
    }
    for line, code, _, _ in rows:
        if code not in organisations:
            problems.add(line, "ods_code", f"{code!r} is not a known ODS code")
    elsewhere = selectors.published_on_other_footing(
        fund_id=fund.pk,
        tranche_id=tranche.pk if tranche else None,
        recipient_ids=[o.pk for o in organisations.values()],
    )
    for line, code, _, _ in rows:
        if code in organisations and (where := elsewhere.get(organisations[code].pk)):
            problems.add(
                line, "ods_code", f"{code} is already published {where}; {selectors.FOOTING_RULE}"
            )
    totals = selectors.published_totals(fund, leaving_out=Q(tranche=tranche))
    totals[tranche] = sum(r[2] or 0 for r in rows)
    for beyond in selectors.published_beyond(fund, totals):
        problems.add(None, "amount", beyond)
    if problems:
        raise ImportFailed(problems.errors)
    with transaction.atomic():
        existing = PublishedAllocation.objects.filter(fund=fund, tranche=tranche)
        replaced = existing.count()
        for old in existing:
            old._change_reason = f"Replaced by upload {file_name}"
            old.delete()
        for _, code, pence, source in rows:
            new = PublishedAllocation(
                fund=fund,
                recipient=organisations[code],
                tranche=tranche,
                amount_pence=pence,
                source=source,
            )
            new._change_reason = f"Uploaded from {file_name}"
            new.save()
        run = fund_recompute_request(
            fund=fund, triggered_by=f"upload {file_name}", requested_by=requested_by
        )
    return UploadResult(created=len(rows), replaced=replaced, run=run)
