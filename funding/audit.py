"""The audit trail: who changed what and when, for an auditor.

Funds, their sources, steps, tranches, conditions, rules, published allocations (uploads)
and spending come from their django-simple-history records (with the reason given, where
one was); users, groups and tokens from the admin's log of what each account did to them;
recomputes from the runs, by the account that asked.
"""

import datetime as dt
from collections.abc import Iterator

from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.exceptions import ObjectDoesNotExist

from .models import AllocationRun

COLUMNS = ("when", "who", "action", "what", "object_id", "object", "changes", "why")
HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
LOG_ACTIONS = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}
# Accounts and their access, as the admin logs them.
ACCOUNT_MODELS = {
    ("auth", "user"),
    ("auth", "group"),
    ("authtoken", "token"),
    ("authtoken", "tokenproxy"),
}


def audit_trail(*, since: dt.datetime | None = None) -> list[dict]:
    """Every recorded change since `since` (or ever), oldest first."""
    rows = [*_history_rows(since), *_account_rows(since), *_run_rows(since)]
    return sorted(rows, key=lambda row: row["when"])


def _who(user) -> str:
    return user.get_username() if user is not None else ""


def _history_rows(since) -> Iterator[dict]:
    for model in apps.get_app_config("funding").get_models():
        history = getattr(model, "history", None)
        if history is None:
            continue
        records = history.select_related("history_user").order_by("history_date", "history_id")
        if since:
            records = records.filter(history_date__gte=since)
        for record in records:
            previous = record.prev_record if record.history_type == "~" else None
            changes = ""
            if previous is not None:
                delta = record.diff_against(previous)
                changes = "; ".join(_change_words(change) for change in delta.changes)
            yield {
                "when": record.history_date.isoformat(),
                "who": _who(record.history_user),
                "action": HISTORY_ACTIONS[record.history_type],
                "what": model._meta.verbose_name,
                "object_id": record.id,
                "object": _described(record),
                "changes": changes,
                "why": record.history_change_reason or "",
            }


def _described(record) -> str:
    try:
        return str(record.instance)
    except ObjectDoesNotExist:
        # Its description names a fund or organisation deleted since: the history outlives it.
        return f"{record.instance._meta.verbose_name} {record.id}"


def _change_words(change) -> str:
    if isinstance(change.old, dict) and isinstance(change.new, dict):
        keys = sorted(set(change.old) | set(change.new))
        return "; ".join(
            f"{key}: {change.old.get(key)} → {change.new.get(key)}"
            for key in keys
            if change.old.get(key) != change.new.get(key)
        )
    return f"{change.field}: {change.old} → {change.new}"


def _account_rows(since) -> Iterator[dict]:
    entries = LogEntry.objects.select_related("user", "content_type").order_by("action_time")
    if since:
        entries = entries.filter(action_time__gte=since)
    for entry in entries:
        content_type = entry.content_type
        if (content_type.app_label, content_type.model) not in ACCOUNT_MODELS:
            continue
        yield {
            "when": entry.action_time.isoformat(),
            "who": _who(entry.user),
            "action": LOG_ACTIONS.get(entry.action_flag, str(entry.action_flag)),
            "what": content_type.name,
            "object_id": entry.object_id,
            "object": entry.object_repr,
            "changes": entry.get_change_message(),
            "why": "",
        }


def _run_rows(since) -> Iterator[dict]:
    runs = AllocationRun.objects.select_related("requested_by", "fund").order_by("requested_at")
    if since:
        runs = runs.filter(requested_at__gte=since)
    for run in runs:
        yield {
            "when": run.requested_at.isoformat(),
            "who": _who(run.requested_by),
            "action": "requested",
            "what": AllocationRun._meta.verbose_name,
            "object_id": run.pk,
            "object": str(run),
            "changes": run.triggered_by,
            "why": "",
        }
