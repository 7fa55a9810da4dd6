"""train-epochs: a long, resumable training. StandardScaler + SGDClassifier(log_loss), trained one epoch at a
time with partial_fit, reporting progress and saving a checkpoint after every epoch.

Input  {"dataset": <ingest's dataset>, "epochs": 1..1000 (20), "secondsPerEpoch": 0..600 (0: no padding),
        "alpha": > 0 (0.0001), "split": {"testSize": 0.2, "seed": 42}}
Output train's shape: {"model": {artifact, format: "skops", type: "sgd_classifier", params, features, classes,
        target}, "holdout", "trainRows", "holdoutRows"}, plus "curve" (the per-epoch training curve);
        metrics {trainAccuracy, epochs, resumedFromEpoch?}
Keys   runs/<workflowId>/<step>/checkpoints/epoch-<n>.skops, model.skops, holdout.csv, curve.json (a retry
        overwrites them). curve.json is ``[{"epoch", "loss", "accuracy"}]``, one entry per epoch.

Reproducible: the split and the model are seeded by ``split.seed`` and epoch ``n`` shuffles the training rows with
a generator seeded by ``seed + n``, so an attempt resuming from epoch k's checkpoint ends with the very model an
uninterrupted run gives. Each epoch is padded with sleep to ``secondsPerEpoch`` wall time (to make long runs),
then reported (``ctx.progress``: fraction, epoch, loss and holdout accuracy) and checkpointed (its report names
the new checkpoint with the same fraction and metrics).

The curve travels inside each checkpoint, so an attempt that resumes after epoch k still writes the points of epochs
1..k that an earlier attempt computed: curve.json is complete whatever the number of attempts. A checkpoint written
before the curve existed resumes too; its curve then starts after the resumed epoch (and the log says so).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import skops.io
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from baton_step import ArtifactIntegrityError, ArtifactNotFoundError, ArtifactRef, StepContext
from baton_ml.tables import load_stratified_split
from baton_ml.datasets import feature_columns
from baton_ml.trained import store_trained_model

CHECKPOINT_FORMAT = "baton/train-epochs-checkpoint/1"
MODEL_TYPE = "sgd_classifier"
PAD_SLICE_SECONDS = 0.25  # while padding, a cancellation is noticed within this long (plus the keep-alive period)


@dataclass(frozen=True)
class EpochsRequest:
    """The input, already checked against step.schema.json (defaults filled in) by the wrapper, as typed fields."""

    data: ArtifactRef
    features: list[str]
    target: str
    epochs: int
    seconds_per_epoch: float
    alpha: float
    test_size: float
    seed: int

    @classmethod
    def of(cls, input: dict[str, Any]) -> "EpochsRequest":
        """Reads the checked input; only the columns-vs-target rule is checked here (JSON Schema cannot say it)."""
        dataset, split = input["dataset"], input["split"]
        return cls(dataset["data"], feature_columns(dataset), dataset["target"], input["epochs"], float(input["secondsPerEpoch"]),
                   float(input["alpha"]), float(split["testSize"]), split["seed"])


def _fingerprint(request: EpochsRequest) -> dict[str, Any]:
    # What a checkpoint must have been trained on to be resumed: same data, columns, split and regularization.
    return {
        "data": request.data["sha256"],
        "features": list(request.features),
        "target": request.target,
        "testSize": request.test_size,
        "seed": request.seed,
        "alpha": request.alpha,
    }


def _new_model(request: EpochsRequest) -> SGDClassifier:
    # shuffle=False: the handler shuffles each epoch itself, seeded by seed + epoch.
    return SGDClassifier(loss="log_loss", alpha=request.alpha, random_state=request.seed, shuffle=False)


def _point(epoch: int, loss: float, accuracy: float) -> dict[str, Any]:
    """One point of the training curve; a value that is not finite (JSON has no NaN) becomes None."""
    return {
        "epoch": epoch,
        "loss": loss if math.isfinite(loss) else None,
        "accuracy": accuracy if math.isfinite(accuracy) else None,
    }


def _is_curve(value: Any, epochs: int) -> bool:
    """True for a curve of exactly epochs 1..``epochs`` with numeric (or None) loss and accuracy."""
    def number(v: Any) -> bool:
        return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))

    return (
        isinstance(value, list)
        and len(value) == epochs
        and all(
            isinstance(p, dict) and p.get("epoch") == n and number(p.get("loss")) and number(p.get("accuracy"))
            for n, p in enumerate(value, start=1)
        )
    )


def _restore(
    ctx: StepContext, request: EpochsRequest, tmp: str
) -> Optional[tuple[StandardScaler, SGDClassifier, int, list[dict[str, Any]]]]:
    """Scaler, model, epoch and curve so far from the envelope's checkpoint; None (train from scratch) when there
    is none or it cannot be used. A bad checkpoint never fails the step: starting over gives the same model."""
    try:
        path = ctx.checkpoint.load_file(os.path.join(tmp, "checkpoint.skops"))
    except (ArtifactIntegrityError, ArtifactNotFoundError) as error:
        ctx.log(f"checkpoint not usable ({error}): training from epoch 1")
        return None
    if path is None:
        return None
    try:
        untrusted = skops.io.get_untrusted_types(file=path)
        if untrusted:
            raise ValueError(f"it needs untrusted types {sorted(untrusted)}")
        state = skops.io.load(path, trusted=[])
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError("it is not a train-epochs checkpoint")
        if state.get("fingerprint") != _fingerprint(request):
            raise ValueError("it was trained on other data, split or alpha")
        epoch, scaler, model = state.get("epoch"), state.get("scaler"), state.get("model")
        if not (isinstance(epoch, int) and epoch >= 1 and isinstance(scaler, StandardScaler) and isinstance(model, SGDClassifier)):
            raise ValueError("it lacks epoch, scaler or model")
    except Exception as error:  # noqa: BLE001 - any unreadable checkpoint means: start over
        ctx.log(f"checkpoint {ctx.checkpoint.ref['uri'] if ctx.checkpoint.ref else ''} not usable ({error}): training from epoch 1")
        return None
    curve = state.get("curve")
    if not _is_curve(curve, epoch):
        # An older checkpoint: its model is still good; only the curve of the epochs before it is lost.
        ctx.log(f"checkpoint has no curve of epochs 1..{epoch}: curve.json starts at epoch {epoch + 1}")
        curve = []
    return scaler, model, epoch, [dict(p) for p in curve]


def _pad(ctx: StepContext, started: float, seconds: float) -> None:
    """Sleeps until the epoch has lasted ``seconds``, in slices, stopping early when the run is cancelled."""
    while True:
        left = started + seconds - time.monotonic()
        if left <= 0:
            return
        ctx.raise_if_cancelled()
        time.sleep(min(left, PAD_SLICE_SECONDS))


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Trains epoch by epoch from the envelope's checkpoint (if any), then uploads model.skops and holdout.csv."""
    request = EpochsRequest.of(input)
    store = ctx.artifacts
    with tempfile.TemporaryDirectory(prefix="baton-train-epochs-") as tmp:
        x_train, x_test, y_train, y_test = load_stratified_split(
            store, request.data, request.features, request.target, request.test_size, request.seed, tmp
        )
        classes = np.unique(y_train)  # stratified: every class is in both parts

        restored = _restore(ctx, request, tmp)
        resumed_from: Optional[int] = None
        curve: list[dict[str, Any]] = []
        if restored is not None:
            scaler, model, resumed_from, curve = restored
            ctx.checkpoint.resumed_from_epoch = resumed_from
            ctx.log(f"resuming after epoch {resumed_from} of {request.epochs} from {ctx.checkpoint.ref['uri']}")
            ctx.progress(
                fraction=min(resumed_from / request.epochs, 1.0), epoch=resumed_from,
                message=f"resumed after epoch {resumed_from} from its checkpoint",
            )
        else:
            scaler, model = StandardScaler().fit(x_train), _new_model(request)
        train_scaled, test_scaled = scaler.transform(x_train), scaler.transform(x_test)

        checkpoint_path = os.path.join(tmp, "checkpoint.skops")
        for epoch in range((resumed_from or 0) + 1, request.epochs + 1):
            started = time.monotonic()
            order = np.random.default_rng(request.seed + epoch).permutation(len(y_train))
            model.partial_fit(train_scaled[order], y_train[order], classes=classes)  # one pass over the rows
            loss = float(log_loss(y_train, model.predict_proba(train_scaled), labels=model.classes_))
            accuracy = float(model.score(test_scaled, y_test))
            _pad(ctx, started, request.seconds_per_epoch)
            curve.append(_point(epoch, loss, accuracy))
            skops.io.dump(
                {"format": CHECKPOINT_FORMAT, "epoch": epoch, "fingerprint": _fingerprint(request), "scaler": scaler,
                 "model": model, "curve": curve},
                checkpoint_path,
            )
            # Progress first, then the checkpoint: its report then carries this epoch's fraction and metrics too.
            ctx.progress(fraction=epoch / request.epochs, epoch=epoch, metrics={"loss": loss, "accuracy": accuracy})
            ctx.checkpoint.save_file(checkpoint_path, epoch)
            ctx.log(
                f"epoch {epoch}/{request.epochs}: loss {loss:.4f}, holdout accuracy {accuracy:.4f} "
                f"({time.monotonic() - started:.2f}s)"
            )

        pipeline = Pipeline([("scaler", scaler), ("model", model)])
        train_accuracy = float(pipeline.score(x_train, y_train))
        output = store_trained_model(
            ctx, pipeline,
            {"type": MODEL_TYPE, "params": {"loss": "log_loss", "alpha": request.alpha, "epochs": request.epochs},
             "features": request.features, "target": request.target},
            x_train, x_test, y_test, tmp,
        )
        curve_ref = store.put_json(ctx.run_key("curve.json"), curve)

    ctx.log(f"train-epochs: {request.epochs} epochs on {len(y_train)} rows, train accuracy {train_accuracy:.4f}")
    metrics: dict[str, float] = {"trainAccuracy": train_accuracy, "epochs": request.epochs}
    if resumed_from is not None:
        metrics["resumedFromEpoch"] = resumed_from
    return {
        "output": {**output, "curve": curve_ref},
        "metrics": metrics,
    }
