"""Access requests for conditionally open data (数据申请), grants and restricted downloads.

This module is the one name callers import; the work is done in modules named for what
they hold: ``access_requests`` (the workflow and its reads), ``access_grants`` (grants and
signed downloads), ``access_reviews`` (reviewers, due dates, reminders, expiry),
``access_audit`` (the access log) and ``matchmaking`` (the 数据撮合 report).

States (``TRANSITIONS``): ``submitted <-> needs_info``, ``submitted -> approved | rejected``,
``submitted | needs_info -> withdrawn`` (the requester), ``approved -> expired`` (the end date
passed; ``expire_due``) ``| revoked`` (a reviewer). Reviewers are the dataset's publisher's
admins when ``Dataset.review_by == "publisher"``, and the bureau's curators always.

A grant is an approved request whose end date has not passed. Whether a grant is active is
decided (``access_grants.is_active``) at every download, not only when a link is made: a revoked
or expired grant stops working at once. Download links are signed (itsdangerous) with the
user and the distribution, and expire after ``LINK_MAX_AGE`` seconds.

Every state change and every restricted download is an audit event (actor, time, address,
note); an approved request is the matchmaking record (holder, requester, dataset, period).
E-mails are sent after the commit; a failed send never undoes a change.
"""

from catalog.services.access_audit import audit_csv, dataset_audit, history
from catalog.services.access_grants import (
    LINK_MAX_AGE,
    Download,
    NotStarted,
    active_grant_ids,
    is_active,
    may_download,
    open_download,
    sign_download,
    with_grants,
)
from catalog.services.access_requests import (
    NOTE_REQUIRED,
    OPEN_STATES,
    STATES,
    TRANSITIONS,
    RequestView,
    change_state,
    get_request,
    my_access_request,
    my_access_requests,
    my_requests,
    review_queue,
    submit_request,
)
from catalog.services.access_reviews import (
    DEFAULT_REVIEW_DAYS,
    can_review,
    due_date,
    expire_due,
    remind_overdue,
    review_days,
    today,
)
from catalog.services.matchmaking import matchmaking, matchmaking_csv, matchmaking_records
from catalog.workdays import WorkdayRangeError, add_weekdays, add_working_days, calendar_for

__all__ = [
    "DEFAULT_REVIEW_DAYS",
    "LINK_MAX_AGE",
    "NOTE_REQUIRED",
    "OPEN_STATES",
    "STATES",
    "TRANSITIONS",
    "Download",
    "NotStarted",
    "RequestView",
    "WorkdayRangeError",
    "active_grant_ids",
    "add_weekdays",
    "add_working_days",
    "audit_csv",
    "calendar_for",
    "can_review",
    "change_state",
    "dataset_audit",
    "due_date",
    "expire_due",
    "get_request",
    "history",
    "is_active",
    "matchmaking",
    "matchmaking_csv",
    "matchmaking_records",
    "may_download",
    "my_access_request",
    "my_access_requests",
    "my_requests",
    "open_download",
    "remind_overdue",
    "review_days",
    "review_queue",
    "sign_download",
    "submit_request",
    "today",
    "with_grants",
]
