"""Random-effects meta-analysis of single proportions (response rates).

Every pooled number here reproduces R's metafor package (checked against
metafor 3.8-1 with lme4 1.1-31; see tests/fixtures/make_metafor_reference.R).

Models
------
* **GLMM (the default).** A random-intercept logistic regression: each study's
  responders are binomial, and the studies' true log-odds vary normally around
  the pooled log-odds with between-study variance tau^2.  Because the counts
  are modelled directly, no continuity correction is needed: studies where
  nobody or everybody responded enter as they are.  It is fitted by maximum
  likelihood, integrating over the random effects with 7-point adaptive
  Gauss-Hermite quadrature, exactly as metafor's
  ``rma.glmm(measure="PLO", xi, ni)`` does through ``lme4::glmer(nAGQ=7)``;
  the standard error comes from the curvature (Hessian) of that likelihood,
  and the interval is a Wald (z) interval, as metafor gives it.  lme4's
  default optimiser stops a little short of the maximum (up to about 1e-5 in
  tau^2, more where the likelihood is very flat); we go to the maximum, so the
  two agree to that precision, and to a few 1e-6 on the proportion scale.
  I^2 uses the same "typical" within-study variance as the logit model below;
  Q is metafor's likelihood-ratio test against a common proportion
  (``QE.LRT``).
  The GLMM has no finite estimate when every study has 0 events, or every
  study has all events, and it may fail to converge in other sparse data sets
  (for instance when studies are split between 0% and 100%).  Then the logit
  model with REML below is used instead, the result says so in ``note`` and
  ``fallback`` is True.  A fit whose tau^2 is at its lower bound of 0 is
  flagged with ``boundary=True`` and a ``note``.
* **Normal-normal ("NN") models** pool a transformed proportion per study with
  inverse-variance weights (metafor's ``rma(measure=..., method=...)``):
  - PLO (logit): escalc's continuity correction, 1/2 added to events and
    non-events of studies with 0 or all events;
  - PFT (Freeman-Tukey double arcsine), no correction, pooled values
    back-transformed with the harmonic mean of the totals (Miller 1978).
    Kept as a sensitivity analysis only: its back-transformation can be
    seriously misleading with small studies or proportions near 0 or 1
    (Schwarzer et al. 2019), and every PFT result carries that ``caveat``.
  tau^2 by DerSimonian-Laird ("DL") or restricted maximum likelihood ("REML").
* **Intervals for NN models.**  ``test="z"`` (metafor's default): normal
  quantiles.  ``test="knha"``: Hartung-Knapp-Sidik-Jonkman, which rescales the
  variance of the pooled estimate by the weighted residual spread of the
  studies and uses t quantiles with k - 1 degrees of freedom.  As metafor
  3.8-1's ``test="knha"`` we do not truncate the rescaling factor at 1 (that
  is metafor's separate ``test="adhoc"``), so a knha interval can be narrower
  than the z interval when the studies agree more than expected.
* **Prediction interval** for the proportion in a new study, as metafor's
  ``predict()``: estimate +/- q * sqrt(SE^2 + tau^2), with q the normal
  quantile (z, GLMM) or the same t_{k-1} quantile and knha-adjusted SE (knha).
* **Leave-one-out** (``leave1out``): the pool refitted without each study in
  turn, with the same options (metafor's ``leave1out()``; for the GLMM, a refit
  of ``rma.glmm`` on each subset).

Studies with totals == 0 carry no information and are dropped.  A single
remaining study is not pooled: its own proportion with a Clopper-Pearson
interval is returned (``pooled=False``); the same holds for the rows of a
leave-one-out of two studies.

Choosing the model (backward compatible)
----------------------------------------
``pool_proportions(events, totals)`` with no options fits the GLMM.  Naming a
normal-normal option -- ``measure``, ``tau2_method`` (DL/REML) or
``test="knha"`` -- without ``model`` keeps the behaviour of earlier versions:
the normal-normal model, with ``measure="PLO"`` and ``tau2_method="DL"``
unless given.  So ``pool_proportions(x, n, "PLO", "DL")`` is unchanged.
``model="GLMM"`` or ``model="NN"`` chooses explicitly.

References
----------
DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Control Clin
Trials 7:177-188.
Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators
in the random-effects model. J Educ Behav Stat 30:261-293.
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3).
Hamza TH, van Houwelingen HC, Stijnen T (2008). The binomial distribution of
meta-analysis was preferred to model within-study variability. J Clin
Epidemiol 61:41-51.
Stijnen T, Hamza TH, Ozdemir P (2010). Random effects meta-analysis of event
outcome in the framework of the generalized linear mixed model with
applications in sparse data. Stat Med 29:3046-3067.
Pinheiro JC, Bates DM (1995). Approximations to the log-likelihood function in
the nonlinear mixed-effects model. J Comput Graph Stat 4:12-35.
Bates D, Maechler M, Bolker B, Walker S (2015). Fitting linear mixed-effects
models using lme4. J Stat Softw 67(1).
Hartung J, Knapp G (2001). On tests of the overall treatment effect in
meta-analysis with normally distributed responses. Stat Med 20:1771-1782.
Sidik K, Jonkman JN (2002). A simple confidence interval for meta-analysis.
Stat Med 21:3153-3159.
Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a
meta-analysis. Stat Med 21:1539-1558.
Higgins JPT, Thompson SG, Spiegelhalter DJ (2009). A re-evaluation of
random-effects meta-analysis. J R Stat Soc A 172:137-159.
Freeman MF, Tukey JW (1950). Transformations related to the angular and the
square root. Ann Math Stat 21:607-611.
Miller JJ (1978). The inverse of the Freeman-Tukey double arcsine
transformation. Am Stat 32:138.
Schwarzer G, Chemaitelly H, Abu-Raddad LJ, Ruecker G (2019). Seriously
misleading results using inverse of Freeman-Tukey double arcsine
transformation in meta-analysis of single proportions. Res Synth Methods
10:476-483.
Viechtbauer W, Cheung MWL (2010). Outlier and influence diagnostics for
meta-analysis. Res Synth Methods 1:112-125.
Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits
illustrated in the case of the binomial. Biometrika 26:404-413.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import optimize, special, stats

MODELS = ("GLMM", "NN")
MEASURES = ("PLO", "PFT")
TAU2_METHODS = ("DL", "REML")
TESTS = ("z", "knha")

PFT_CAVEAT = (
    "Freeman-Tukey (double arcsine) pooling is shown as a sensitivity analysis only: "
    "its back-transformation to a proportion can be misleading when studies are small "
    "or proportions are near 0% or 100%.")
BOUNDARY_NOTE = (
    "Between-study variance (tau^2) was estimated at its lower bound of 0, so the GLMM "
    "reduces to a common-proportion logistic model.")


@dataclass(frozen=True)
class PooledProportion:
    """Pooled proportion; estimate and intervals are on the proportion scale.

    ``transformed_*`` give the estimate, its standard error and CI on the
    scale the model pools on (log-odds for GLMM and PLO, double arcsine for
    PFT); None when not pooled.  ``weights`` are random-effects percent
    weights of the studies actually used (totals > 0), in input order; the
    GLMM has no inverse-variance weights, so it leaves them empty.  For an
    unpooled single study, ``i2``, ``q``, ``pi_low`` and ``pi_high`` are None.
    ``q`` is Cochran's Q for NN models and the likelihood-ratio Q for the GLMM.
    ``df`` is the t degrees of freedom under knha, else None.  ``model``,
    ``measure``, ``tau2_method`` and ``test`` describe the model actually
    fitted (tau2_method "ML" for the GLMM); ``fallback`` is True when the GLMM
    was asked for but could not be fitted and these are logit REML numbers.
    ``boundary`` is True when tau^2 was estimated at 0.  ``note`` explains a
    fallback or a GLMM boundary fit; ``caveat`` is the Freeman-Tukey warning.
    Both are plain text for the UI.
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
    model: str = "NN"
    test: str = "z"
    df: int | None = None
    transformed_estimate: float | None = None
    transformed_se: float | None = None
    transformed_ci_low: float | None = None
    transformed_ci_high: float | None = None
    boundary: bool = False
    fallback: bool = False
    note: str | None = None
    caveat: str | None = None

    def to_dict(self) -> dict:
        """Plain dict (weights as a list), e.g. for JSON or a table row."""
        d = asdict(self)
        d["weights"] = list(self.weights)
        return d


@dataclass(frozen=True)
class _Options:
    model: str
    measure: str
    tau2_method: str
    test: str
    level: float

    def kwargs(self) -> dict:
        return {"model": self.model, "measure": self.measure, "tau2_method": self.tau2_method,
                "test": self.test, "level": self.level}


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
# Pooling: public entry points
# --------------------------------------------------------------------------

def pool_proportions(events, totals, measure: str | None = None, tau2_method: str | None = None,
                     level: float = 0.95, *, model: str | None = None,
                     test: str = "z") -> PooledProportion:
    """Random-effects pooled proportion, matching metafor (see module docstring).

    With no options this fits the GLMM (falling back to logit REML when it
    cannot be fitted); naming ``measure``, ``tau2_method`` or ``test="knha"``
    without ``model`` gives the normal-normal model as in earlier versions.
    Raises ValueError for invalid counts, unknown or contradictory options,
    or when no study has totals > 0.
    """
    opts = _resolve_options(model, measure, tau2_method, test, level)
    x_all, n_all = _validate(events, totals)
    keep = n_all > 0
    x, n = x_all[keep], n_all[keep]
    dropped = int((~keep).sum())
    if len(x) == 0:
        raise ValueError("No studies to pool: need at least one study with totals > 0.")
    if len(x) == 1:
        return _single_study(x[0], n[0], opts, dropped)
    if opts.model == "GLMM":
        return _pool_glmm(x, n, opts, dropped)
    return _pool_nn(x, n, opts, dropped)


def leave1out(events, totals, measure: str | None = None, tau2_method: str | None = None,
              level: float = 0.95, *, model: str | None = None,
              test: str = "z") -> list[PooledProportion | None]:
    """The pool refitted with each study left out in turn, as metafor's leave1out().

    Takes the same options as pool_proportions.  Returns one result per input
    study, in input order: the pool of all *other* studies.  Studies with
    totals == 0 never enter a pool, so their entry is None.  Leaving one of
    two studies out leaves one study, reported unpooled (pooled=False).
    """
    opts = _resolve_options(model, measure, tau2_method, test, level)
    x, n = _validate(events, totals)
    keep = n > 0
    if keep.sum() < 2:
        raise ValueError("Leave-one-out needs at least two studies with totals > 0.")
    rows: list[PooledProportion | None] = []
    for i in range(len(x)):
        if not keep[i]:
            rows.append(None)
            continue
        others = keep.copy()
        others[i] = False
        rows.append(pool_proportions(x[others], n[others], **opts.kwargs()))
    return rows


def study_weights(events, totals, measure: str = "PLO", tau2_method: str = "DL") -> np.ndarray:
    """Random-effects percent weights per input study, as metafor's weights(res).

    Normal-normal models only (the GLMM has no inverse-variance weights).
    Aligned with the input; studies dropped for totals == 0 get NaN.
    """
    x, n = _validate(events, totals)
    keep = n > 0
    res = pool_proportions(x, n, measure, tau2_method, model="NN")
    out = np.full(len(x), np.nan)
    out[keep] = res.weights
    return out


# --------------------------------------------------------------------------
# Options and input checks
# --------------------------------------------------------------------------

def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}.")


def _resolve_options(model, measure, tau2_method, test, level) -> _Options:
    """Validate the options and fill in defaults (see "Choosing the model")."""
    _check_level(level)
    test = str(test).lower()
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}, got {test!r}.")
    if model is None:
        model = "GLMM" if measure is None and tau2_method is None and test == "z" else "NN"
    model = str(model).upper()
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}.")
    if model == "GLMM":
        if measure is not None and str(measure).upper() != "PLO":
            raise ValueError("The GLMM pools log-odds: measure must be 'PLO' (or omitted), "
                             f"got {measure!r}.")
        if tau2_method is not None and str(tau2_method).upper() != "ML":
            raise ValueError("The GLMM is fitted by maximum likelihood: tau2_method must be 'ML' "
                             f"(or omitted), got {tau2_method!r}.")
        if test != "z":
            raise ValueError("test='knha' applies to the normal-normal model (model='NN') only.")
        return _Options("GLMM", "PLO", "ML", "z", level)
    measure = "PLO" if measure is None else str(measure).upper()
    tau2_method = "DL" if tau2_method is None else str(tau2_method).upper()
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}.")
    if tau2_method not in TAU2_METHODS:
        raise ValueError(f"tau2_method must be one of {TAU2_METHODS}, got {tau2_method!r}.")
    return _Options("NN", measure, tau2_method, test, level)


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


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

def _single_study(x: float, n: float, opts: _Options, dropped: int) -> PooledProportion:
    """Nothing to pool: the study's own proportion with its exact interval."""
    low, high = exact_ci(x, n, opts.level)
    return PooledProportion(
        estimate=float(x / n), ci_low=low, ci_high=high, pi_low=None, pi_high=None, tau2=0.0,
        i2=None, q=None, k=1, measure=opts.measure, tau2_method=opts.tau2_method,
        level=opts.level, corrected=False, pooled=False, n_dropped=dropped, weights=(100.0,),
        model=opts.model, test=opts.test)


def _pool_nn(x: np.ndarray, n: np.ndarray, opts: _Options, dropped: int,
             note: str | None = None, fallback: bool = False) -> PooledProportion:
    """Normal-normal random-effects pool (metafor rma + predict)."""
    k = len(x)
    yi, vi, corrected = _escalc(x, n, opts.measure)
    tau2 = _tau2_dl(yi, vi) if opts.tau2_method == "DL" else _tau2_reml(yi, vi)
    w = 1 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    se = np.sqrt(1 / np.sum(w))
    if opts.test == "knha":
        se *= np.sqrt(_knha_factor(yi, w, mu))
        df = k - 1
        crit = stats.t.ppf(1 - (1 - opts.level) / 2, df)
    else:
        df = None
        crit = stats.norm.ppf(1 - (1 - opts.level) / 2)
    q, i2 = _heterogeneity(yi, vi, tau2)
    back = _back_transform(opts.measure, n)
    return _pooled_result(
        mu, se, crit, tau2, back, opts, k=k, dropped=dropped, i2=i2, q=q, df=df,
        corrected=corrected, weights=tuple(float(v) for v in 100 * w / np.sum(w)),
        note=note, fallback=fallback,
        caveat=PFT_CAVEAT if opts.measure == "PFT" else None)


def _pool_glmm(x: np.ndarray, n: np.ndarray, opts: _Options, dropped: int) -> PooledProportion:
    """GLMM pool (metafor rma.glmm + predict), or the logit REML fallback."""
    try:
        beta, se, tau2 = _fit_glmm(x, n)
    except _GlmmFailure as failure:
        fallback = _Options("NN", "PLO", "REML", "z", opts.level)
        note = (f"The GLMM could not be fitted: {failure}. Showing the normal-normal logit "
                "model (REML, 1/2 continuity correction) instead.")
        return _pool_nn(x, n, fallback, dropped, note=note, fallback=True)
    # I^2 as metafor reports it for rma.glmm: the typical within-study variance
    # of the (continuity-corrected) logits.
    _, vi, _ = _escalc(x, n, "PLO")
    typical_v = _typical_variance(vi)
    crit = stats.norm.ppf(1 - (1 - opts.level) / 2)
    boundary = tau2 == 0
    return _pooled_result(
        beta, se, crit, tau2, _back_transform("PLO", n), opts, k=len(x), dropped=dropped,
        i2=float(100 * tau2 / (typical_v + tau2)), q=_lrt_heterogeneity(x, n), df=None,
        corrected=False, weights=(), note=BOUNDARY_NOTE if boundary else None, fallback=False,
        caveat=None)


def _pooled_result(mu, se, crit, tau2, back, opts: _Options, *, k, dropped, i2, q, df, corrected,
                   weights, note, fallback, caveat) -> PooledProportion:
    """Assemble a pooled result: intervals on the model scale, then back-transformed."""
    low, high = mu - crit * se, mu + crit * se
    pi_half = crit * np.sqrt(se**2 + tau2)
    return PooledProportion(
        estimate=back(mu), ci_low=back(low), ci_high=back(high),
        pi_low=back(mu - pi_half), pi_high=back(mu + pi_half), tau2=float(tau2), i2=float(i2),
        q=float(q), k=k, measure=opts.measure, tau2_method=opts.tau2_method, level=opts.level,
        corrected=corrected, pooled=True, n_dropped=dropped, weights=weights, model=opts.model,
        test=opts.test, df=df, transformed_estimate=float(mu), transformed_se=float(se),
        transformed_ci_low=float(low), transformed_ci_high=float(high),
        boundary=bool(tau2 == 0), fallback=fallback, note=note, caveat=caveat)


# --------------------------------------------------------------------------
# Normal-normal internals
# --------------------------------------------------------------------------

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


def _typical_variance(vi: np.ndarray) -> float:
    """metafor's "typical" within-study variance, used for I^2."""
    w0 = 1 / vi
    return float((len(vi) - 1) / (np.sum(w0) - np.sum(w0**2) / np.sum(w0)))


def _heterogeneity(yi: np.ndarray, vi: np.ndarray, tau2: float) -> tuple[float, float]:
    """Cochran's Q and I^2; Q always uses the fixed-effect weights 1/vi."""
    w0 = 1 / vi
    mu0 = np.sum(w0 * yi) / np.sum(w0)
    q = max(0.0, float(np.sum(w0 * (yi - mu0) ** 2)))
    return q, float(100 * tau2 / (_typical_variance(vi) + tau2))


def _knha_factor(yi: np.ndarray, w: np.ndarray, mu: float) -> float:
    """Hartung-Knapp variance multiplier: weighted residual variance, not truncated at 1."""
    rss = float(np.sum(w * (yi - mu) ** 2))
    return 0.0 if rss <= np.finfo(float).eps else rss / (len(yi) - 1)  # metafor's guard


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
        return lambda t: float(special.expit(t))
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


# --------------------------------------------------------------------------
# GLMM internals (lme4's glmer with nAGQ = 7, as called by rma.glmm)
#
# Parameters are lme4's: theta = tau (the random-intercept SD, >= 0) and
# beta = pooled log-odds.  Study i has spherical random effect u_i ~ N(0, 1)
# and log-odds beta + theta * u_i.  The objective is lme4's deviance.
# --------------------------------------------------------------------------

_GH_NODES, _GH_WEIGHTS = hermegauss(7)         # nodes for the standard normal density,
_GH_WEIGHTS = _GH_WEIGHTS / np.sqrt(2 * np.pi)  # weights summing to 1, as lme4's GHrule(7)
_THETA_MAX = 20.0  # tau^2 = 400 on the log-odds scale: beyond any real heterogeneity
_BETA_MAX = 30.0   # a pooled proportion within 1e-13 of 0 or 1 means no finite estimate


class _GlmmFailure(Exception):
    """The GLMM has no estimate or did not converge; the message says why."""


def _fit_glmm(x: np.ndarray, n: np.ndarray) -> tuple[float, float, float]:
    """Maximum-likelihood (beta, SE(beta), tau^2) of the random-intercept logistic model."""
    if np.all(x == 0):
        raise _GlmmFailure("no study has any event, so the pooled log-odds is minus infinity")
    if np.all(x == n):
        raise _GlmmFailure("every patient in every study responded, so the pooled log-odds "
                           "is infinite")

    def dev(p: np.ndarray) -> float:
        return _aghq_deviance(p[0], p[1], x, n)

    p_common = x.sum() / n.sum()
    boundary = np.array([0.0, special.logit(p_common)])  # tau = 0: the plain logistic fit
    interior = _minimise_deviance(dev, boundary[1])
    # Keep tau = 0 unless the interior fit is really better (lme4's boundary check).
    if interior is None or dev(interior) >= dev(boundary) - 1e-10:
        # At theta = 0 the theta-beta cross term of the Hessian vanishes (the
        # deviance is even in theta), so lme4's vcov() is the logistic variance.
        return float(boundary[1]), float(1 / np.sqrt(np.sum(n) * p_common * (1 - p_common))), 0.0
    theta, beta = interior
    return float(beta), _interior_se(dev, interior), float(theta**2)


def _interior_se(dev, p: np.ndarray) -> float:
    """SE of beta at an interior optimum, after checking that it is a proper maximum."""
    theta, beta = p
    if theta >= 0.999 * _THETA_MAX:
        raise _GlmmFailure("the between-study variance grows without bound, as it does when "
                           "studies split between no events and all events")
    if abs(beta) >= 0.999 * _BETA_MAX:
        raise _GlmmFailure("the pooled log-odds diverges")
    hessian = _fd_hessian(dev, p)
    if not np.all(np.isfinite(hessian)) or np.any(np.linalg.eigvalsh(hessian) <= 0):
        raise _GlmmFailure("the likelihood has no proper maximum (degenerate Hessian)")
    # Converged when a further Newton step would be negligible (scale-free, like
    # lme4's scaled-gradient check).
    if np.max(np.abs(np.linalg.solve(hessian, _fd_gradient(dev, p)))) > 1e-6:
        raise _GlmmFailure("the optimiser did not converge")
    # lme4's vcov(): beta block of the inverse Hessian of the deviance, times 2.
    return float(np.sqrt(2 * np.linalg.inv(hessian)[1, 1]))


def _minimise_deviance(dev, beta0: float) -> np.ndarray | None:
    """Interior minimum over (theta, beta): quasi-Newton from lme4's start theta = 1,
    then Newton steps on finite-difference derivatives to polish it.
    None if the search collapses onto theta = 0 (the boundary fit then wins)."""
    opt = optimize.minimize(dev, np.array([1.0, beta0]), method="L-BFGS-B",
                            bounds=[(0.0, _THETA_MAX), (-_BETA_MAX, _BETA_MAX)],
                            options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 1000})
    p = np.asarray(opt.x, float)
    if not np.isfinite(opt.fun):
        raise _GlmmFailure("the likelihood could not be evaluated")
    for _ in range(20):
        if p[0] <= 1e-5 or p[0] >= 0.999 * _THETA_MAX or abs(p[1]) >= 0.999 * _BETA_MAX:
            break  # at a bound: nothing to polish
        hessian = _fd_hessian(dev, p)
        if np.any(np.linalg.eigvalsh(hessian) <= 0):
            break
        step = np.linalg.solve(hessian, _fd_gradient(dev, p))
        while dev(p - step) > dev(p) and np.max(np.abs(step)) > 1e-12:
            step /= 2  # halve steps that would increase the deviance
        p = p - step
        if np.max(np.abs(step)) < 1e-10:
            break
    return None if p[0] <= 1e-5 else p


def _binomial_deviance(eta: np.ndarray, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Binomial deviance residuals at log-odds eta (twice the log-likelihood ratio
    against the saturated fit)."""
    log_p, log_q = -np.logaddexp(0, -eta), -np.logaddexp(0, eta)
    saturated = special.xlogy(x, x / n) + special.xlogy(n - x, (n - x) / n)
    return 2 * (saturated - x * log_p - (n - x) * log_q)


def _conditional_modes(theta: float, beta: float, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Mode of each study's random effect given (theta, beta), as lme4's PIRLS finds it.

    Solves theta * (x - n * p(u)) = u by Newton's method, safeguarded by
    bisection inside the bracket theta * (x - n) .. theta * x that holds the root
    (theta < 0 is allowed: finite-difference derivatives at small theta step there).
    """
    lo, hi = np.minimum(theta * (x - n), theta * x), np.maximum(theta * (x - n), theta * x)
    u = np.zeros_like(x)
    for _ in range(200):
        p = special.expit(beta + theta * u)
        g = theta * (x - n * p) - u
        lo, hi = np.where(g > 0, u, lo), np.where(g < 0, u, hi)
        step = g / (1 + theta**2 * n * p * (1 - p))
        done = np.abs(step) <= 1e-13 * (1 + np.abs(u))
        if done.all():
            return u + step
        # Bisect when Newton leaves the bracket or lands on its end (it can
        # otherwise cycle between two points in the flat tails of the logistic).
        new = u + step
        u = np.where(~done & ((new <= lo) | (new >= hi)), (lo + hi) / 2, new)
    return u


def _aghq_deviance(theta: float, beta: float, x: np.ndarray, n: np.ndarray) -> float:
    """lme4's deviance for nAGQ = 7: per study, the integral over the random effect
    by Gauss-Hermite quadrature centred at its conditional mode and scaled by the
    curvature there (which for the logit link is exact Fisher information)."""
    u = _conditional_modes(theta, beta, x, n)
    p = special.expit(beta + theta * u)
    scale = 1 / np.sqrt(1 + theta**2 * n * p * (1 - p))
    dev_mode = _binomial_deviance(beta + theta * u, x, n) + u**2
    nodes = u[:, None] + scale[:, None] * _GH_NODES
    dev_nodes = _binomial_deviance(beta + theta * nodes, x[:, None], n[:, None]) + nodes**2
    integral = np.sum(_GH_WEIGHTS * np.exp(-0.5 * (dev_nodes - dev_mode[:, None])
                                           + 0.5 * _GH_NODES**2), axis=1)
    return float(np.sum(dev_mode - 2 * np.log(scale) - 2 * np.log(integral)))


def _lrt_heterogeneity(x: np.ndarray, n: np.ndarray) -> float:
    """metafor's QE.LRT: deviance of the common-proportion logistic model."""
    return max(0.0, float(np.sum(_binomial_deviance(special.logit(x.sum() / n.sum()), x, n))))


def _fd_gradient(f, p: np.ndarray, delta: float = 1e-5) -> np.ndarray:
    """Central-difference gradient."""
    steps = np.eye(len(p)) * delta
    return np.array([(f(p + s) - f(p - s)) / (2 * delta) for s in steps])


def _fd_hessian(f, p: np.ndarray, delta: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian with lme4's step (deriv12, delta = 1e-4)."""
    m, f0 = len(p), f(p)
    steps = np.eye(m) * delta
    h = np.empty((m, m))
    for j in range(m):
        h[j, j] = (f(p + steps[j]) - 2 * f0 + f(p - steps[j])) / delta**2
        for i in range(j):
            h[i, j] = h[j, i] = (f(p + steps[i] + steps[j]) - f(p + steps[i] - steps[j])
                                 - f(p - steps[i] + steps[j]) + f(p - steps[i] - steps[j])) \
                / (2 * delta) ** 2
    return h
