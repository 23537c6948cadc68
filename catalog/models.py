"""The store of record: every table of the catalog.

Lists (keywords, themes, languages, ...) are JSON columns so that one model works on SQLite
and PostgreSQL alike; the search index, not SQL, answers queries over them.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base


def new_id() -> str:
    """A row's id: 32 hex characters, the creation time in milliseconds (48 bits) then 80
    random bits. Time-ordered so that a harvest's thousands of new rows land at the end of
    the primary-key and foreign-key B-trees instead of on random pages all over them (fewer
    pages written per batch, a smaller WAL); the random part keeps ids unguessable and
    unique across processes. Nothing orders by id to mean creation order: ``created_at``
    says that."""
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


def random_id() -> str:
    """An id that tells nothing, not even when it was made: a user's (a public page may
    name it; when the account was opened is not for everyone to read)."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Organization(Base):
    """A publisher: government department, enterprise, university, institute or third party."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    org_type: Mapped[str] = mapped_column(String(30), default="government")
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    homepage: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(300))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    region: Mapped[str | None] = mapped_column(String(12))
    fields_of_data: Mapped[list] = mapped_column(JSON, default=list)
    partner_status: Mapped[str | None] = mapped_column(String(20))
    partner_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    datasets: Mapped[list[Dataset]] = relationship(back_populates="organization")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    email: Mapped[str] = mapped_column(String(300), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="user")  # user | curator | sysadmin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # moved on by sign-out: a session cookie made in an earlier generation stops working
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default="member")  # member | admin
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")


class Dataset(Base):
    """One catalog entry: DCAT-AP 3 fields, the open-list fields and the AI-dataset fields."""

    __tablename__ = "datasets"
    __table_args__ = (
        Index("ix_datasets_status_modified", "status", "modified"),
        Index("ix_datasets_source", "source_id", "source_record_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    identifier: Mapped[str | None] = mapped_column(String(2000), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="open_data")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # DCAT-AP 3
    title: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(300))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    themes: Mapped[list] = mapped_column(JSON, default=list)
    access_rights: Mapped[str] = mapped_column(String(20), default="unconditional")
    access_conditions: Mapped[str | None] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(String(100))
    issued: Mapped[date | None] = mapped_column(Date)
    modified: Mapped[datetime | None] = mapped_column(DateTime)
    frequency: Mapped[str | None] = mapped_column(String(20))
    temporal_start: Mapped[date | None] = mapped_column(Date)
    temporal_end: Mapped[date | None] = mapped_column(Date)
    spatial: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[str | None] = mapped_column(String(50))
    conforms_to: Mapped[list] = mapped_column(JSON, default=list)
    landing_page: Mapped[str | None] = mapped_column(String(2000))
    documentation: Mapped[str | None] = mapped_column(String(1000))
    # open list (开放清单)
    resource_code: Mapped[str | None] = mapped_column(String(2000), index=True)
    source_department: Mapped[str | None] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(100))
    open_mode: Mapped[str | None] = mapped_column(String(100))
    data_formats: Mapped[list] = mapped_column(JSON, default=list)
    data_volume: Mapped[str | None] = mapped_column(String(100))
    # AI training and benchmark datasets
    task_categories: Mapped[list] = mapped_column(JSON, default=list)
    modalities: Mapped[list] = mapped_column(JSON, default=list)
    annotation_type: Mapped[str | None] = mapped_column(String(50))
    annotation_method: Mapped[str | None] = mapped_column(String(50))
    annotation_accuracy: Mapped[float | None] = mapped_column(Float)
    sample_counts: Mapped[dict] = mapped_column(JSON, default=dict)
    metrics: Mapped[list] = mapped_column(JSON, default=list)
    citation: Mapped[str | None] = mapped_column(Text)
    # issue 18 (Croissant, benchmark integrity): record sets with their fields, per file
    # ([{"name", "description", "file", "fields": [{"name", "data_type", "description"}]}]),
    # Responsible-AI properties ({"dataCollection": ..., ...}) and the names of the datasets
    # this one was derived from
    record_sets: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    rai: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    derived_from: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # curation and review
    review_by: Mapped[str] = mapped_column(String(20), default="publisher")
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    quality_score: Mapped[int | None] = mapped_column(Integer)
    status_note: Mapped[str | None] = mapped_column(Text)
    # provenance
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("harvest_sources.id", ondelete="SET NULL")
    )
    source_record_id: Mapped[str | None] = mapped_column(String(500))
    harvested_at: Mapped[datetime | None] = mapped_column(DateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    field_provenance: Mapped[dict] = mapped_column(JSON, default=dict)
    extras: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization | None] = relationship(
        back_populates="datasets", lazy="joined"
    )
    distributions: Mapped[list[Distribution]] = relationship(
        back_populates="dataset",
        cascade="all, delete-orphan",
        order_by="Distribution.position",
        lazy="selectin",
    )


class Distribution(Base):
    __tablename__ = "distributions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    access_url: Mapped[str | None] = mapped_column(String(2000))
    download_url: Mapped[str | None] = mapped_column(String(2000))
    format: Mapped[str | None] = mapped_column(String(50))
    media_type: Mapped[str | None] = mapped_column(String(100))
    byte_size: Mapped[int | None] = mapped_column(BigInteger)  # files of 12 GB exist
    checksum: Mapped[str | None] = mapped_column(String(128))
    checksum_algorithm: Mapped[str | None] = mapped_column(String(20))
    # content hash (issue 18): of the upload, entered by the publisher or fetched by
    # ``catalog files check``; lowercase hex
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # first rows of a tabular file: {"format", "columns": [{"name", "type"}], "rows", ...}
    preview: Mapped[dict | None] = mapped_column(JSON)
    content_checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    license: Mapped[str | None] = mapped_column(String(100))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # which split of an AI dataset the file holds (train, validation, test, ...; issue 18)
    split: Mapped[str | None] = mapped_column(String(20))
    # "<sha256>/<file name>" of a file uploaded into the instance folder (files/)
    stored_file: Mapped[str | None] = mapped_column(String(300), index=True)
    link_status: Mapped[int | None] = mapped_column(Integer)
    link_checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    dataset: Mapped[Dataset] = relationship(back_populates="distributions")


class DatasetVersion(Base):
    """A frozen copy of a dataset's metadata after each change, for history and diffs."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    actor_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HarvestSource(Base):
    __tablename__ = "harvest_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    url: Mapped[str] = mapped_column(String(2000))
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    schedule: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HarvestJob(Base):
    __tablename__ = "harvest_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # NULL for catalog-wide jobs (a link check of every distribution)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True
    )
    job_type: Mapped[str] = mapped_column(String(20), default="harvest")
    state: Mapped[str] = mapped_column(String(20), default="queued")
    count_new: Mapped[int] = mapped_column(Integer, default=0)
    count_updated: Mapped[int] = mapped_column(Integer, default=0)
    count_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    count_withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    count_errors: Mapped[int] = mapped_column(Integer, default=0)
    log: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the newest remote modification stamp a finished run saw: the next run's starting point
    watermark: Mapped[str | None] = mapped_column(String(64))
    # per-run options: {"full": true} ignores the watermark and content hashes, ...
    options: Mapped[dict] = mapped_column(JSON, default=dict)


class HarvestError(Base):
    __tablename__ = "harvest_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("harvest_jobs.id", ondelete="CASCADE"))
    remote_id: Mapped[str | None] = mapped_column(String(500))
    stage: Mapped[str] = mapped_column(String(20), default="transform")
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OpenListVersion(Base):
    __tablename__ = "openlist_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    note: Mapped[str | None] = mapped_column(Text)
    published_by: Mapped[str | None] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OpenListEntry(Base):
    """An item of the open list; ``version_id`` NULL is the curators' working copy."""

    __tablename__ = "openlist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("openlist_versions.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.id", ondelete="SET NULL"))
    resource_code: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(500))
    source_department: Mapped[str | None] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(100))
    openness: Mapped[str] = mapped_column(String(20))
    open_mode: Mapped[str | None] = mapped_column(String(100))
    frequency: Mapped[str | None] = mapped_column(String(20))
    data_formats: Mapped[list] = mapped_column(JSON, default=list)


class AccessRequest(Base):
    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    requester_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    applicant_org: Mapped[str | None] = mapped_column(String(300))
    applicant_credit_code: Mapped[str | None] = mapped_column(String(18))
    purpose: Mapped[str | None] = mapped_column(Text)
    scenario: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    conditions: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # issue 5: what is asked for, the commitments, the decision and the matchmaking record
    distribution_ids: Mapped[list] = mapped_column(JSON, default=list)
    fields_wanted: Mapped[str | None] = mapped_column(Text)
    security_measures: Mapped[str | None] = mapped_column(Text)
    accepted_conditions: Mapped[bool] = mapped_column(Boolean, default=False)
    security_commitment: Mapped[bool] = mapped_column(Boolean, default=False)
    attachment: Mapped[str | None] = mapped_column(String(300))
    decision_note: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    holder_org_id: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class IndexOutbox(Base):
    """Datasets whose index entry must be refreshed; drained by whichever process can write."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(String(32), index=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    """A personal API token: only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class DatasetSource(Base):
    """One record of one harvest source feeding a dataset; a dataset may have several."""

    __tablename__ = "dataset_sources"
    __table_args__ = (UniqueConstraint("source_id", "source_record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"))
    source_record_id: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # the record as the source sent it (with the settings and mapping code that read it):
    # equal on the next run, the record is unchanged without being mapped or validated
    source_hash: Mapped[str | None] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    gone_since: Mapped[datetime | None] = mapped_column(DateTime)


class DatasetMatchKey(Base):
    """What a source said identifies a dataset (identifier, landing page, distribution URL,
    content hash, publisher + normalised title), hashed: how records of different sources
    are recognised as one dataset instead of being listed twice."""

    __tablename__ = "dataset_match_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(64), index=True)


class Invitation(Base):
    """An organization admin's invitation of someone without an account, sent by e-mail.

    Only the SHA-256 of the token is stored; the token travels in the e-mail's link once.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="member")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class PasswordReset(Base):
    """A password-reset link sent by e-mail: stored hashed, valid once and for a short time."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class UploadedFile(Base):
    """A file a person uploaded for a distribution, stored once per content in the instance
    folder (``files/<sha256>``). The row records who uploaded it, so that a form can
    only attach files its user uploaded (or that the dataset already had)."""

    __tablename__ = "uploaded_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), index=True)  # "<sha256>/<file name>"
    sha256: Mapped[str] = mapped_column(String(64))
    byte_size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(100))
    preview: Mapped[dict | None] = mapped_column(JSON)  # of a tabular file, made on upload
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DataRequest(Base):
    """A data request (数据需求, issue 16): data someone could not find, what for, and how
    the bureau answered. Public unless the requester said otherwise; the contact is shown
    only to the requester and the bureau."""

    __tablename__ = "data_requests"
    __table_args__ = (Index("ix_data_requests_state_created", "state", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    what: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(String(30))
    format: Mapped[str | None] = mapped_column(String(100))
    period: Mapped[str | None] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(20), default="open")
    requester_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    organization_name: Mapped[str | None] = mapped_column(String(300))
    contact: Mapped[str | None] = mapped_column(String(300))
    # a partner's promise to provide the data (matched without a dataset yet)
    promise_org_id: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    state_note: Mapped[str | None] = mapped_column(Text)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class DataRequestDataset(Base):
    """A dataset a curator linked to a data request as (part of) its answer."""

    __tablename__ = "data_request_datasets"
    __table_args__ = (UniqueConstraint("request_id", "dataset_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("data_requests.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    added_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DataRequestVote(Base):
    """One "+1" of a signed-in user on someone else's data request."""

    __tablename__ = "data_request_votes"
    __table_args__ = (UniqueConstraint("request_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_requests.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SearchEvent(Base):
    """One search (issue 16, analytics): what was asked and how it went, nothing about who
    asked (no user, no address, long digit runs masked). Written in batches off the request
    path by ``services/search_analytics.py``."""

    __tablename__ = "search_events"
    __table_args__ = (Index("ix_search_events_week_query", "week", "query"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # the Monday of the search's ISO week: reports group by it on every database alike
    week: Mapped[date] = mapped_column(Date)
    query: Mapped[str] = mapped_column(String(200), default="")  # folded text
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    page: Mapped[int] = mapped_column(Integer, default=1)
    took_ms: Mapped[int] = mapped_column(Integer, default=0)
    surface: Mapped[str] = mapped_column(String(10), default="page")


class IdempotencyKey(Base):
    """The first answer to a POST sent with an ``Idempotency-Key`` header, so that a client
    retrying after a lost answer gets that answer again instead of a second record."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(300))
    body_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict | None] = mapped_column(JSON)
    location: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


# -- organizations merged and domain values mapped (issue 12, items 4 and 5) ---------------
class OrganizationAlias(Base):
    """The name (address) and title of an organization merged into another: its old page
    redirects to the one it became, and a harvest naming the old department finds it."""

    __tablename__ = "organization_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300), index=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DomainThemeMapping(Base):
    """A curator's reading of a 所属领域 (domain) value as one of the catalog's themes, once
    for every later harvest (``theme`` NULL: looked at, and no theme fits)."""

    __tablename__ = "domain_theme_mappings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    value: Mapped[str] = mapped_column(String(100), unique=True)
    theme: Mapped[str | None] = mapped_column(String(30))
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# -- issue 18, items 4 and 5: property-rights registrations and nomination rounds ----------
class DataRegistration(Base):
    """A data property-rights registration record (数据产权登记) of a dataset, as the
    holder entered it from its certificate; counts for the dataset only once a curator
    verified it (``state == "verified"``). Nothing is deleted: a returned record stays
    with the curator's note, and a 注销 (cancellation) is a record of its own."""

    __tablename__ = "data_registrations"
    __table_args__ = (Index("ix_data_registrations_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(100))  # registration number or query code
    reg_type: Mapped[str] = mapped_column(String(20))  # vocab.REGISTRATION_TYPES
    registering_body: Mapped[str] = mapped_column(String(300))
    rights: Mapped[list] = mapped_column(JSON, default=list)  # vocab.DATA_RIGHTS
    holder_name: Mapped[str] = mapped_column(String(300))
    holder_credit_code: Mapped[str] = mapped_column(String(18))
    registered_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    evidence_file: Mapped[str | None] = mapped_column(String(300))  # "<sha256>/<name>"
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    state_note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class NominationRound(Base):
    """A round of selection for a high-quality dataset programme (择优申报): the bureau
    opens it with a deadline, criteria and the indicator set its reviewers score on."""

    __tablename__ = "nomination_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    programme: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(20))  # vocab.PROGRAMME_LEVELS
    field: Mapped[str | None] = mapped_column(String(100))
    deadline: Mapped[date] = mapped_column(Date)
    criteria: Mapped[str] = mapped_column(Text, default="")
    # [{"name", "weight", "measure"}]: what reviewers score, fixed per round
    indicators: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Nomination(Base):
    """A partner's nomination of one of its published datasets to a round, with the
    programme's materials, what the catalog measured, the shortlist and the outcome."""

    __tablename__ = "nominations"
    __table_args__ = (UniqueConstraint("round_id", "dataset_id", name="uq_nomination_dataset"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("nomination_rounds.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    statement: Mapped[str] = mapped_column(Text, default="")
    materials_file: Mapped[str | None] = mapped_column(String(300))  # "<sha256>/<name>"
    materials_sha256: Mapped[str | None] = mapped_column(String(64))
    measured: Mapped[dict] = mapped_column(JSON, default=dict)
    shortlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(30))  # vocab.NOMINATION_OUTCOMES
    outcome_note: Mapped[str | None] = mapped_column(Text)
    nominated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class NominationScore(Base):
    """One reviewer's scores of one nomination (0-100 per indicator) and the weighted total."""

    __tablename__ = "nomination_scores"
    __table_args__ = (
        UniqueConstraint("nomination_id", "reviewer_id", name="uq_nomination_reviewer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nominations.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[float] = mapped_column(Float, default=0.0)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


# --- Benchmark integrity (issue 18, item 2) -------------------------------------------------


class BenchmarkVersion(Base):
    """A benchmark's pinned version: the version string and the manifest of its files'
    hashes, frozen when the benchmark is first published (never changed after), and the
    dataset of the version it follows, so the old page can point at the new one."""

    __tablename__ = "benchmark_versions"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str | None] = mapped_column(String(50))
    # [{"title", "split", "sha256", "byte_size"}] of the files at publication
    manifest: Mapped[list] = mapped_column(JSON, default=list)
    previous_id: Mapped[str | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), index=True
    )
    pinned_at: Mapped[datetime | None] = mapped_column(DateTime)
    pinned_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BenchmarkResult(Base):
    """One entry of a benchmark's "evaluated on" register: a model or system's score on a
    metric, submitted by a signed-in user and verified (or rejected) by a curator."""

    __tablename__ = "benchmark_results"
    __table_args__ = (Index("ix_benchmark_results_dataset_state", "dataset_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(200))
    organization: Mapped[str | None] = mapped_column(String(300))
    metric: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    benchmark_version: Mapped[str | None] = mapped_column(String(50))
    link: Mapped[str | None] = mapped_column(String(2000))
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="submitted")  # | verified | rejected
    submitted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ContaminationFinding(Base):
    """Evidence that a training set overlaps a benchmark's test data: a shared file hash, a
    declared derivation or near-identical text. Recomputed for a dataset when it changes
    (``services/contamination.py``), so pages read it instead of comparing on each view."""

    __tablename__ = "contamination_findings"
    __table_args__ = (UniqueConstraint("training_id", "benchmark_id", "kind", "evidence_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    training_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    benchmark_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # file_hash | text | declared
    # the shared sha256, or "title" for text; one finding per piece of evidence
    evidence_key: Mapped[str] = mapped_column(String(64))
    # {"training_file", "benchmark_file", "split"} or {"similarity", "training_text", ...}
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    found_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# -- issue 14: rate limits shared by every process -------------------------------------------
class RateLimitHit(Base):
    """One counted attempt (a failed sign-in, a registration, a reset e-mail) of a client
    address, kept in the database so that every worker process counts the same attempts."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


# -- follow and notify (issue 16, item 3) ---------------------------------------------------
class Follow(Base):
    """Someone follows a dataset, an organization, a data request or a saved search.

    ``target_id`` names the dataset, organization or request; a saved search has none and
    keeps its text and filters in ``query``. ``checked_at`` is how far the notice sweep has
    looked for news of it."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id", name="uq_follows_user_target"),
        Index("ix_follows_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # dataset | organization | data_request | search
    target_type: Mapped[str] = mapped_column(String(20))
    # a saved search's target_id is its own key (a hash of the query), so one user saves
    # the same search once
    target_id: Mapped[str] = mapped_column(String(64))
    query: Mapped[dict | None] = mapped_column(JSON)
    label: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Notification(Base):
    """One item of a user's notice list: something they follow changed. ``mailed_at`` is
    set when a digest (or an immediate e-mail) carried it."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "object_id", "cause", name="uq_notifications_once"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # dataset_changed | new_dataset | search_match | request_fulfilled | request_routed
    kind: Mapped[str] = mapped_column(String(30))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(64))
    # what makes this notice distinct (the follow, a change stamp): the same news is one
    # notice however often the sweep runs
    cause: Mapped[str] = mapped_column(String(64), default="")
    title: Mapped[str] = mapped_column(String(500))
    path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class MailOptOut(Base):
    """A user who stopped notice e-mails with the one-click link (notices stay on the site)."""

    __tablename__ = "mail_opt_outs"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# -- issue 13: reviewed revisions of published records, and old addresses ------------------
class DatasetRevision(Base):
    """A partner's change to a published dataset, waiting for the bureau (issue 13, item 1).

    The public keeps reading the published record until a curator approves; the change is
    kept as the patch that was sent (``proposed``, with the uploads it attaches in ``files``)
    and as the record it would make (``snapshot``), so the review shows a field diff against
    the version it was made on (``base_version``)."""

    __tablename__ = "dataset_revisions"
    __table_args__ = (Index("ix_dataset_revisions_dataset_state", "dataset_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    # pending -> approved | returned | withdrawn
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    proposed: Mapped[dict] = mapped_column(JSON, default=dict)
    files: Mapped[dict] = mapped_column(JSON, default=dict)
    fields: Mapped[list] = mapped_column(JSON, default=list)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    base_version: Mapped[int | None] = mapped_column(Integer)
    proposed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)


class NameAlias(Base):
    """An address a dataset or organization had before (an opaque slug replaced by a pinyin
    one): pages answer it with a 301 to the current name and the APIs resolve it."""

    __tablename__ = "name_aliases"
    __table_args__ = (UniqueConstraint("object_type", "old_name", name="uq_name_alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    object_type: Mapped[str] = mapped_column(String(20))  # dataset | organization
    old_name: Mapped[str] = mapped_column(String(200))
    object_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# -- issue 14, item 4: registration confirmed by e-mail, and mail sent after the answer --------
class PendingRegistration(Base):
    """A registration waiting for its e-mail link. One per address: registering again
    replaces the name, password hash and token (the older link stops working). Only
    hashes are kept: the password's scrypt hash, and the SHA-256 of the link's token."""

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class MailOutbox(Base):
    """An e-mail waiting to go out. It is written in the transaction of the change it
    reports and deleted once the SMTP server (or the mail folder) took it, so a crash
    between the two loses nothing: the next delivery round sends it. ``claimed_until``
    keeps two processes from sending one message at the same time."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
