"""Contract data the team records: targets, budget plan and expenses, milestones,
savings hypotheses and adjustments, and frozen ("arrêtés") yearly reports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labapp.auth.models import User
from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db

NATURES = {
    "fonctionnement": "Fonctionnement / Matériel",
    "amoa": "AMOA / AMOE",
    "accompagnement": "Plan d'accompagnement au changement",
}
MONEY = Numeric(14, 2)


class IndicatorTarget(db.Model):
    """The target of one indicator for one year (ratio targets are 0..1)."""

    __tablename__ = "indicator_targets"
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    value: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BudgetLine(db.Model):
    """Planned envelope of one year and tranche for one nature of expense (AE and CP, €)."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint("year", "tranche", "nature"),
        CheckConstraint("ae_planned >= 0 AND cp_planned >= 0", name="planned_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    tranche: Mapped[int] = mapped_column(default=1)
    nature: Mapped[str] = mapped_column(String(20))
    ae_planned: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    cp_planned: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))


class Expense(db.Model):
    """One recorded expense: commitments (AE) and payments (CP) in €."""

    __tablename__ = "expenses"
    __table_args__ = (CheckConstraint("ae >= 0 AND cp >= 0", name="amounts_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spent_on: Mapped[date] = mapped_column(Date, index=True)
    nature: Mapped[str] = mapped_column(String(20))
    ae: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    cp: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    supplier: Mapped[str | None] = mapped_column(String(200))
    chorus_ref: Mapped[str | None] = mapped_column(String(60))
    comment: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Milestone(db.Model):
    """A calendar milestone of the contract, planned against actual."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class SavingsYear(db.Model):
    """Savings hypotheses and forecast for a year (FTE = équivalent temps plein)."""

    __tablename__ = "savings_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    training_gain: Mapped[float] = mapped_column(default=0.25)
    project_gain: Mapped[float] = mapped_column(default=0.33)
    cost_per_fte: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(60000))
    forecast_fte: Mapped[float | None]
    gap_explanation: Mapped[str | None] = mapped_column(Text)


class SavingsAdjustment(db.Model):
    """A manual adjustment of a year's savings, in FTE, with its justification."""

    __tablename__ = "savings_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    fte: Mapped[float]
    justification: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class YearFreeze(db.Model):
    """A year's reported figures, frozen by the team ("arrêté"); unfreezing is logged."""

    __tablename__ = "year_freezes"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    figures: Mapped[dict] = mapped_column(JSON)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unfrozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unfrozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unfreeze_reason: Mapped[str | None] = mapped_column(Text)

    frozen_by: Mapped[User | None] = relationship(foreign_keys=[frozen_by_id])
    unfrozen_by: Mapped[User | None] = relationship(foreign_keys=[unfrozen_by_id])
