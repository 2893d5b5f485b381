"""Negative-sentiment surges: the crisis detector, on the share and the count of negative
mentions of a topic in a recent window against the topic's own recent share.

The test is a binomial tail: with ``n`` mentions in the window of which ``k`` are negative,
and the topic's negative share ``p`` over the baseline days, how likely are ``k`` or more
negatives by chance? Below the rule's sensitivity, with at least ``min_negative`` negatives
and a share at least ``min_ratio`` times the usual, it fires. The baseline share is smoothed
(one pseudo-mention of each kind) so a topic with a short or empty history is judged
against an even prior rather than against zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.special import betainc


@dataclass(frozen=True)
class SurgeParams:
    """Sensitivity (tail probability), minimum negatives, minimum share ratio, window."""

    alpha: float = 1e-6
    min_negative: int = 10
    min_ratio: float = 1.5
    window_min: int = 60
    baseline_days: int = 7


@dataclass(frozen=True)
class SurgeFinding:
    """A window whose negative share is improbably high for this topic."""

    negative: int
    total: int
    baseline_negative: int
    baseline_total: int
    window_min: int
    baseline_days: int
    p_value: float

    @property
    def share(self) -> float:
        """The negative share in the window."""
        return self.negative / self.total

    @property
    def baseline_share(self) -> float:
        """The smoothed negative share of the baseline days."""
        return baseline_share(self.baseline_negative, self.baseline_total)

    @property
    def ratio(self) -> float:
        """How many times the usual share."""
        return self.share / self.baseline_share

    def explain(self, lang: str = "en") -> str:
        """'46 of 80 mentions in the last 60 min were negative (58 %), usually 21 % …'"""
        share = round(100 * self.share)
        usual = round(100 * self.baseline_share)
        if lang == "de":
            return (
                f"{self.negative} von {self.total} Erwähnungen der letzten {self.window_min} Min. "
                f"waren negativ ({share} %), sonst {usual} % "
                f"(letzte {self.baseline_days} Tage, {self.baseline_total} Erwähnungen)"
            )
        return (
            f"{self.negative} of {self.total} mentions in the last {self.window_min} min were "
            f"negative ({share} %), usually {usual} % "
            f"(last {self.baseline_days} days, {self.baseline_total} mentions)"
        )


def baseline_share(negative: int, total: int) -> float:
    """The negative share with one pseudo-mention of each kind (never 0 or 1)."""
    return (negative + 1) / (total + 2)


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return float(betainc(k, n - k + 1, p))


def find_surge(
    negative: int,
    total: int,
    baseline_negative: int,
    baseline_total: int,
    params: SurgeParams,
) -> SurgeFinding | None:
    """The finding when the window's negatives are a surge, else None."""
    if total <= 0 or negative < params.min_negative:
        return None
    usual = baseline_share(baseline_negative, baseline_total)
    if negative / total < params.min_ratio * usual:
        return None
    p_value = binomial_tail(negative, total, usual)
    if p_value >= params.alpha:
        return None
    return SurgeFinding(
        negative=negative,
        total=total,
        baseline_negative=baseline_negative,
        baseline_total=baseline_total,
        window_min=params.window_min,
        baseline_days=params.baseline_days,
        p_value=p_value,
    )
