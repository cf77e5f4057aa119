"""The data version, read once per cached request and changed after every committed write to
the data, and the code version, which changes with every deploy."""

import functools
import hashlib
import subprocess
import uuid
from importlib.metadata import version
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import DataVersion


def data_changed() -> None:
    """Gives the data a new version once the transaction that changed it commits (at once
    outside a transaction), so that a long import holds no lock on the version's row that run
    claims and admin saves would wait for, and a rolled-back write changes nothing.

    Until then the writer's own connection reads a version of its own (it sees its uncommitted
    data): a page it computes is cached under a key no other reader asks for. A process that
    dies between the commit and the bump leaves pages stale until the next write, or for
    DATA_CACHE_SECONDS at most."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump()
        return
    last = _last_pending(connection)
    shared = last.commit if last and not last.commit.bumped else _Commit()
    transaction.on_commit(PendingBump(shared))


def data_changed_before_commit() -> None:
    """For a short transaction about to commit (a run's claim, a run's outcome): gives the
    data its new version now, as the transaction's last write, so that its commit carries
    it: one commit where data_changed makes two (a statement and a commit of its own). The
    bumps its earlier writes asked for are this one. The version's row stays locked until
    the commit, so the call comes last; inside an enclosing transaction, which could go on
    for long, it is data_changed."""
    connection = transaction.get_connection()
    outermost = connection.in_atomic_block and connection.commit_on_exit
    if not outermost or connection.savepoint_ids:
        data_changed()
        return
    last = _last_pending(connection)
    if last:
        last.commit.bumped = True
    _bump()


class _Commit:
    bumped = False


class PendingBump:
    """One write's bump, run when its transaction commits. Its marker names the data as the
    write left it: Django drops the bumps of a savepoint that rolls back, so the marker goes
    back to the one before. Of the bumps one commit runs, the first bumps for them all."""

    def __init__(self, commit: _Commit):
        self.commit = commit
        self.marker = uuid.uuid4().hex

    def __call__(self) -> None:
        if not self.commit.bumped:
            self.commit.bumped = True
            _bump()


def _last_pending(connection) -> PendingBump | None:
    # From the end: an import makes thousands of writes in one transaction, and scanning every
    # callback on each write made the import quadratic.
    for _, callback, _ in reversed(connection.run_on_commit):
        if isinstance(callback, PendingBump):
            return callback
    return None


def _bump() -> str:
    token = uuid.uuid4().hex
    if not DataVersion.objects.filter(pk=1).update(token=token, changed_at=timezone.now()):
        token = DataVersion.objects.get_or_create(
            pk=1, defaults={"token": token, "changed_at": timezone.now()}
        )[0].token
    return token


def data_version() -> str:
    connection = transaction.get_connection()
    # A plain statement: every cached request reads it, and building the ORM's took 0.2 of
    # its 0.35 ms.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {DataVersion._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    token = row[0] if row else _bump()
    last = _last_pending(connection) if connection.in_atomic_block else None
    return f"{token}+{last.marker}" if last else token


RENDERING_FILES = {".py", ".html", ".css", ".js", ".json", ".svg"}
RENDERING_PACKAGES = ("django", "djangorestframework", "drf-spectacular", "plotly")


@functools.cache
def code_version() -> str:
    """What renders a cached response: the release and the versions of the libraries that
    draw pages. A deploy that changes either starts from an empty cache even where processes
    share one (Redis), instead of serving pages drawn by the code before it. The release is
    RELEASE (a deploy sets it: a git commit or a package version), else the git commit of a
    checkout without changes; only when neither is known (a checkout being edited, a copy
    without git) is it a digest of every file that renders, which takes a moment."""
    packages = "".join(f"{package}=={version(package)}\n" for package in RENDERING_PACKAGES)
    release = settings.RELEASE or _git_commit(Path(settings.BASE_DIR))
    if release:
        return hashlib.sha256(f"{release}\n{packages}".encode()).hexdigest()[:16]
    return _files_digest(packages)


def _git_commit(base: Path) -> str:
    """HEAD's commit if `base` is a git checkout with no change to any file git sees."""

    def git(*arguments: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *arguments], cwd=base, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    if git("rev-parse", "--show-toplevel") != str(base.resolve()):
        return ""  # not a checkout of its own (a folder inside another repository)
    if git("status", "--porcelain") != "":
        return ""
    return git("rev-parse", "HEAD") or ""


def _files_digest(packages: str) -> str:
    """A digest of our apps, templates and static files: under a megabyte, read once per
    process."""
    base = Path(settings.BASE_DIR)
    folders = [Path(app.path) for app in apps.get_app_configs()]
    folders += [Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]]
    folders += [Path(f[1] if isinstance(f, tuple) else f) for f in settings.STATICFILES_DIRS]
    # Installed packages (even in a .venv under the project) are covered by their versions.
    folders = [f for f in folders if f.is_relative_to(base) and "site-packages" not in f.parts]
    digest = hashlib.sha256(packages.encode())
    for folder in sorted(set(folders)):
        for path in sorted(folder.rglob("*")):
            if path.suffix in RENDERING_FILES and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
