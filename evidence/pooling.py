"""Random-effects meta-analysis of single proportions.

Reproduces R metafor (checked against 3.8-1) for

    rma(measure="PLO" | "PFT", xi=events, ni=totals, method="DL" | "REML")
    predict(res, transf=transf.ilogit | transf.ipft.hm, targs=list(ni=totals))

* PLO (logit): escalc's default continuity correction, add=1/2 to="only0",
  i.e. 1/2 is added to events and non-events of studies with 0 or all events.
* PFT (Freeman-Tukey double arcsine): metafor applies no correction; the
  pooled values are back-transformed with the harmonic mean of the totals.
* CI and prediction interval use z quantiles (metafor's default test="z").
* I^2 uses metafor's "typical" within-study variance.

Studies with totals == 0 carry no information and are dropped (metafor itself
would refuse them).  A single remaining study is not pooled: its own
proportion with a Clopper-Pearson interval is returned (``pooled=False``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import optimize, stats

MEASURES = ("PLO", "PFT")
TAU2_METHODS = ("DL", "REML")


@dataclass(frozen=True)
class PooledProportion:
    """Pooled proportion; estimate and intervals are on the proportion scale.

    ``weights`` are random-effects percent weights of the studies actually
    used (totals > 0), in input order.  For an unpooled single study,
    ``i2``, ``q``, ``pi_low`` and ``pi_high`` are None.
    """

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    tau2: float
    i2: float | None
    q: float | None
    k: int
    measure: str
    tau2_method: str
    level: float
    corrected: bool
    pooled: bool = True
    n_dropped: int = 0
    weights: tuple[float, ...] = ()

    def to_dict(self) -> dict:
        """Plain dict (weights as a list), e.g. for JSON or a table row."""
        d = asdict(self)
        d["weights"] = list(self.weights)
        return d


# --------------------------------------------------------------------------
# Single-study intervals
# --------------------------------------------------------------------------

def exact_ci(events: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson ("exact") interval from beta quantiles."""
    _check_level(level)
    x, n = _validate([events], [total])
    x, n = float(x[0]), float(n[0])
    if n == 0:
        raise ValueError("exact_ci needs total > 0.")
    alpha = 1 - level
    low = 0.0 if x == 0 else stats.beta.ppf(alpha / 2, x, n - x + 1)
    high = 1.0 if x == n else stats.beta.ppf(1 - alpha / 2, x + 1, n - x)
    return float(low), float(high)


def wilson_ci(events: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval."""
    _check_level(level)
    x, n = _validate([events], [total])
    x, n = float(x[0]), float(n[0])
    if n == 0:
        raise ValueError("wilson_ci needs total > 0.")
    z = stats.norm.ppf(1 - (1 - level) / 2)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


# --------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------

def pool_proportions(events, totals, measure: str = "PLO", tau2_method: str = "DL",
                     level: float = 0.95) -> PooledProportion:
    """Random-effects pooled proportion, matching metafor's rma() + predict().

    Raises ValueError for invalid counts, unknown options, or when no study
    has totals > 0.
    """
    measure, tau2_method = _check_options(measure, tau2_method, level)
    x_all, n_all = _validate(events, totals)
    keep = n_all > 0
    x, n = x_all[keep], n_all[keep]
    k, dropped = len(x), int((~keep).sum())
    if k == 0:
        raise ValueError("No studies to pool: need at least one study with totals > 0.")
    if k == 1:  # nothing to pool: report the study itself
        low, high = exact_ci(x[0], n[0], level)
        return PooledProportion(
            estimate=float(x[0] / n[0]), ci_low=low, ci_high=high, pi_low=None,
            pi_high=None, tau2=0.0, i2=None, q=None, k=1, measure=measure,
            tau2_method=tau2_method, level=level, corrected=False, pooled=False,
            n_dropped=dropped, weights=(100.0,))

    yi, vi, corrected = _escalc(x, n, measure)
    tau2 = _tau2_dl(yi, vi) if tau2_method == "DL" else _tau2_reml(yi, vi)

    w = 1 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    se = np.sqrt(1 / np.sum(w))
    z = stats.norm.ppf(1 - (1 - level) / 2)
    pi_half = z * np.sqrt(se**2 + tau2)

    # Heterogeneity statistics always use the fixed-effect weights 1/vi.
    w0 = 1 / vi
    mu0 = np.sum(w0 * yi) / np.sum(w0)
    q = max(0.0, float(np.sum(w0 * (yi - mu0) ** 2)))
    typical_v = (k - 1) / (np.sum(w0) - np.sum(w0**2) / np.sum(w0))
    i2 = 100 * tau2 / (typical_v + tau2)

    back = _back_transform(measure, n)
    return PooledProportion(
        estimate=back(mu), ci_low=back(mu - z * se), ci_high=back(mu + z * se),
        pi_low=back(mu - pi_half), pi_high=back(mu + pi_half),
        tau2=float(tau2), i2=float(i2), q=q, k=k, measure=measure,
        tau2_method=tau2_method, level=level, corrected=corrected, pooled=True,
        n_dropped=dropped, weights=tuple(float(v) for v in 100 * w / np.sum(w)))


def study_weights(events, totals, measure: str = "PLO", tau2_method: str = "DL") -> np.ndarray:
    """Random-effects percent weights per input study, as metafor's weights(res).

    Aligned with the input; studies dropped for totals == 0 get NaN.
    """
    x, n = _validate(events, totals)
    keep = n > 0
    res = pool_proportions(x, n, measure, tau2_method)
    out = np.full(len(x), np.nan)
    out[keep] = res.weights
    return out


# --------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------

def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}.")


def _check_options(measure: str, tau2_method: str, level: float) -> tuple[str, str]:
    measure, tau2_method = str(measure).upper(), str(tau2_method).upper()
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}.")
    if tau2_method not in TAU2_METHODS:
        raise ValueError(f"tau2_method must be one of {TAU2_METHODS}, got {tau2_method!r}.")
    _check_level(level)
    return measure, tau2_method


def _validate(events, totals) -> tuple[np.ndarray, np.ndarray]:
    """Counts as float arrays; ValueError on anything that is not a valid count."""
    try:
        x = np.asarray(events, dtype=float).ravel()
        n = np.asarray(totals, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError("events and totals must be numeric counts.") from exc
    if x.shape != n.shape:
        raise ValueError(f"events and totals differ in length ({x.size} vs {n.size}).")
    if not (np.isfinite(x).all() and np.isfinite(n).all()):
        raise ValueError("events and totals must be finite (no missing values).")
    if (x < 0).any() or (n < 0).any():
        raise ValueError("events and totals must not be negative.")
    if (x != np.round(x)).any() or (n != np.round(n)).any():
        raise ValueError("events and totals must be whole numbers.")
    if (x > n).any():
        bad = np.flatnonzero(x > n).tolist()
        raise ValueError(f"events exceed totals for study index(es) {bad}.")
    return x, n


def _escalc(x: np.ndarray, n: np.ndarray, measure: str):
    """Effect sizes yi, sampling variances vi, and whether a correction was used."""
    if measure == "PLO":
        # escalc(add=1/2, to="only0"): correct only studies with 0 or n events.
        fix = (x == 0) | (x == n)
        xi, mi = x + 0.5 * fix, (n - x) + 0.5 * fix
        return np.log(xi / mi), 1 / xi + 1 / mi, bool(fix.any())
    # PFT is defined at 0 and n events, so rma() sets add=0.
    yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
    return yi, 1 / (4 * n + 2), False


def _tau2_dl(yi: np.ndarray, vi: np.ndarray) -> float:
    """DerSimonian-Laird moment estimator, truncated at 0."""
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w)
    q = np.sum(w * (yi - mu) ** 2)
    return float(max(0.0, (q - (len(yi) - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w))))


def _reml_loglik(tau2: float, yi: np.ndarray, vi: np.ndarray) -> float:
    """Restricted log-likelihood of the intercept-only random-effects model."""
    w = 1 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    return float(-0.5 * (len(yi) - 1) * np.log(2 * np.pi) - 0.5 * np.sum(np.log(vi + tau2))
                 - 0.5 * np.log(np.sum(w)) - 0.5 * np.sum(w * (yi - mu) ** 2))


def _tau2_reml(yi: np.ndarray, vi: np.ndarray, threshold: float = 1e-5,
               maxiter: int = 100) -> float:
    """REML tau^2 by metafor's Fisher scoring, step for step.

    Same start (Hedges' estimator), step halving at the tau2 >= 0 bound,
    stopping rule (|change| <= 1e-5) and check against tau2 = 0, so results
    agree with rma() to rounding error rather than just to the tolerance.
    If scoring does not converge (metafor would stop with an error) we fall
    back to bounded maximisation of the REML likelihood.
    """
    k = len(yi)
    tau2 = max(0.0, (np.sum((yi - yi.mean()) ** 2) - vi.sum() * (k - 1) / k) / (k - 1))
    for _ in range(maxiter):
        w = 1 / (vi + tau2)
        P = np.diag(w) - np.outer(w, w) / np.sum(w)
        Py = P @ yi
        adj = (Py @ Py - np.trace(P)) / np.sum(P * P)
        while tau2 + adj < 0:
            adj /= 2
        old, tau2 = tau2, tau2 + adj
        change = abs(tau2 - old)
        if change <= threshold:
            break
    else:
        upper = max(100.0, 10 * (1.4826 * np.median(np.abs(yi - np.median(yi)))) ** 2)
        opt = optimize.minimize_scalar(lambda t: -_reml_loglik(t, yi, vi), bounds=(0, upper),
                                       method="bounded", options={"xatol": 1e-10})
        tau2 = float(opt.x)
    # metafor: fall back to 0 if the boundary has the clearly higher likelihood.
    if _reml_loglik(0.0, yi, vi) - _reml_loglik(tau2, yi, vi) > np.finfo(float).eps ** 0.25 \
            and tau2 > threshold:
        tau2 = 0.0
    return float(tau2)


def _pft(p: float, n: float) -> float:
    """Freeman-Tukey transform of proportion p at sample size n (transf.pft)."""
    x = p * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))


def _back_transform(measure: str, n: np.ndarray):
    """Scalar back-transformation to the proportion scale."""
    if measure == "PLO":
        return lambda t: float(1 / (1 + np.exp(-t)))
    nhm = 1 / np.mean(1 / n)  # harmonic mean of totals, as transf.ipft.hm
    lo, hi = _pft(0.0, nhm), _pft(1.0, nhm)

    def ipft_hm(t: float) -> float:
        # Values beyond the transform's range map to 0/1, as in metafor.
        if t > hi:
            return 1.0
        if t < lo:
            return 0.0
        s = np.sin(2 * t)
        with np.errstate(invalid="ignore"):
            return float(0.5 * (1 - np.sign(np.cos(2 * t))
                                * np.sqrt(1 - (s + (s - 1 / s) / nhm) ** 2)))

    return ipft_hm
