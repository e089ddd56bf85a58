"""The season report, counted by a background job and read from what it stored.

Counting reads one row per youth of the latest published run and every placement of the
round, so it grows with the city; the page and its downloads read only the job's result:
a few rows per dimension, whatever the number of youths, with the small counts already
hidden (``figures.season``). An administrator counts again when they want fresher figures
(youths answer their offers all summer); the page says when the figures were counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import jobs
from ..allocation import figures
from ..allocation import services as allocation
from ..models import BackgroundJob, DomainError, JobKind, Round, utcnow


class SeasonReportError(DomainError):
    """``report_not_published``: there is nothing to count before the offers have been sent."""


@dataclass(frozen=True)
class StoredSeason:
    """What the report page shows: the latest counted figures, and the count under way."""
    figures: dict[str, list[figures.SeasonRow]] | None
    counted_at: datetime | None
    counting: BackgroundJob | None      #: queued or running
    failed: bool                        #: the latest count stopped with an error
    published: bool


def start_count(round_: Round, user) -> BackgroundJob:
    """A job that counts the season's figures; the caller starts it after the commit.
    A second count while one is under way is refused by the database (``job_running``)."""
    if not allocation.published_runs(round_):
        raise SeasonReportError("report_not_published")
    return jobs.create(JobKind.REPORT, round_.id, user, total=1)


def count(job: BackgroundJob, batches: jobs.Batches) -> None:
    """The job's work: count the season from the latest published run, and store it."""
    round_ = job.required_round
    runs = allocation.published_runs(round_)
    if not runs:  # the offers were withdrawn since: there is nothing to count
        job.result = None
    else:
        report = figures.season(round_, runs[0])
        job.result = {"run_id": runs[0].id, "counted_at": utcnow().isoformat(),
                      "dimensions": {dimension: [[row.group, row.applied, row.offered,
                                                  row.accepted] for row in rows]
                                     for dimension, rows in report.items()}}
    batches.done(1, "counted")


def stored(round_: Round) -> StoredSeason:
    latest = jobs.latest(JobKind.REPORT, round_.id)
    counted = jobs.latest_succeeded(JobKind.REPORT, round_.id)
    result = counted.result if counted is not None else None
    return StoredSeason(
        figures=_rows(result["dimensions"]) if result else None,
        counted_at=datetime.fromisoformat(result["counted_at"]) if result else None,
        counting=latest if latest is not None and latest.active else None,
        failed=latest is not None and latest.failed,
        published=bool(allocation.published_runs(round_)))


def _rows(dimensions: dict[str, list[list]]) -> dict[str, list[figures.SeasonRow]]:
    return {dimension: [figures.SeasonRow(*row) for row in rows]
            for dimension, rows in dimensions.items()}
