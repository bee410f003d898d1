"""``summaries.convergence``: the verdict on a mean validation-UAR curve, by hand."""

from types import SimpleNamespace

import numpy as np
import pytest

from ser_utils.reporting import summaries, tuning_tables


def rec(curve, best_epoch):
    return SimpleNamespace(history={"val_uar": list(curve)}, best_epoch=best_epoch)


def test_plateau_rising_and_too_short():
    flat = np.r_[np.linspace(0.2, 0.5, 10), np.full(10, 0.505)]   # 20 epochs; last fifth = epochs 17-20
    a, b = rec(flat, 9), rec(flat + 0.01, 15)
    c = summaries.convergence([a, b], "flat")
    # mean curve: flat + 0.005; best of the last 4 = 0.51, best before = 0.51 -> gain 0
    assert c["verdict"] == "plateaued" and c["last_fifth_gain"] == pytest.approx(0.0, abs=1e-12)
    assert c["median_kept_epoch"] == 13.0 and c["kept_share"] == pytest.approx(13 / 20)  # (10 + 16) / 2
    rising = np.linspace(0.2, 0.6, 20)                             # +0.02105 per epoch
    r = summaries.convergence([rec(rising, 19)], "rising")
    # best of epochs 17-20 (0.6) minus best of epochs 1-16 (0.2 + 15 * 0.4 / 19)
    assert r["verdict"] == "still rising"
    assert r["last_fifth_gain"] == pytest.approx(0.6 - (0.2 + 15 * 0.4 / 19), abs=1e-12)
    assert r["best_val_uar_epoch"] == 20
    # either side of PLATEAU_GAIN (0.01)
    for gain, verdict in ((0.0099, "plateaued"), (0.0101, "still rising")):
        edge = np.r_[np.full(16, 0.5), np.full(4, 0.5 + gain)]
        assert summaries.convergence([rec(edge, 16)])["verdict"] == verdict
    assert summaries.convergence([rec(rising[:6], 5)])["verdict"] == "too short to tell"


def test_no_validation_speakers():
    r = SimpleNamespace(history={"val_uar": [None, None]}, best_epoch=1)
    assert summaries.convergence([r], "x") == {"model": "x", "verdict": "no validation speakers"}


def test_vs_defaults_by_hand():
    """Two classes, 2 runs x 2 folds of 4 test utterances: the winner gets every fold right
    but one utterance of run 1 fold 1; the defaults get one wrong in each fold."""
    def recs(wrong, val):
        out = []
        for run in (1, 2):
            for fold in (0, 1):
                labels = [0, 0, 1, 1]
                preds = [1 - y if i < wrong[(run, fold)] else y for i, y in enumerate(labels)]
                uar = np.mean([np.mean([p == y for y, p in zip(labels, preds) if y == c]) for c in (0, 1)])
                out.append(SimpleNamespace(run=run, fold=fold, test=SimpleNamespace(labels=labels, preds=preds),
                                           test_uar=uar, best_val_uar=val, parameters=10, wall_seconds=1.0))
        return out

    winner = recs({(1, 0): 0, (1, 1): 1, (2, 0): 0, (2, 1): 0}, val=0.6)
    defaults = recs({k: 1 for k in [(1, 0), (1, 1), (2, 0), (2, 1)]}, val=0.7)
    w = SimpleNamespace(plan=SimpleNamespace(label="LSTM-SA-h32", space="seed000", epochs=100), trial=3, value=0.8)
    row = tuning_tables.vs_defaults([w], [winner], [defaults]).iloc[0]
    # pooled UAR per run: winner run 1 = 7/8 right, one class-0 error -> (3/4 + 1) / 2 = 0.875, run 2 = 1.0
    assert row["winner_uar"] == pytest.approx((0.875 + 1.0) / 2)
    # defaults: two class-0 errors per run of 8 -> (2/4 + 1) / 2 = 0.75
    assert row["defaults_uar"] == pytest.approx(0.75)
    # the ids do not name speakers: the fold is the unit, each fold's UAR averaged over the 2 runs
    assert (row["unit"] == "fold" and row["pairs"] == 2 and row["winner_val_uar"] == 0.6
            and row["defaults_val_uar"] == 0.7)
    assert row["winner_trial_val_uar"] == 0.8
    # winner ahead on test: no loss to explain
    assert row["verdict"].startswith("difference ") and "validation" not in row["verdict"]
    lost = tuning_tables.vs_defaults([w], [defaults], [winner]).iloc[0]
    # the roles swapped: the 'winner' loses on test but is the better one on validation (0.7 > 0.6)
    assert "did not carry over to the test speakers (the defaults lie outside the searched space — lr 0.001 " \
           "outside [3e-05, 0.0002] — so no trial could draw them)" in lost["verdict"]
    assert lost["defaults outside the space"] == "lr 0.001 outside [3e-05, 0.0002]"
    assert tuning_tables.defaults_outside("reference") == ""   # every default could have been drawn there


def test_a_plateau_the_schedule_made_is_not_a_plateau():
    """One cosine cycle over the whole budget (T_0 = epochs, eta_min = lr/100): in the last
    fifth the learning rate averages under a quarter of its peak, so a flat tail cannot
    tell a converged model from a stopped one. Restarts every 5 epochs keep it high."""
    def rec_lr(curve, lr):
        return SimpleNamespace(history={"val_uar": list(curve), "lr": list(lr)}, best_epoch=len(curve) - 1)

    flat = np.r_[np.linspace(0.2, 0.5, 10), np.full(10, 0.505)]
    t = np.arange(20)
    one_cycle = 1e-2 + (1 - 1e-2) * (1 + np.cos(np.pi * t / 20)) / 2          # lr / peak
    # last fifth: t = 16..19 -> (1 + cos(0.8 pi)) / 2 = 0.0955, 0.0545, 0.0245, 0.0062 (+ eta_min share)
    c = summaries.convergence([rec_lr(flat, one_cycle)], "one cycle")
    assert c["verdict"] == "schedule-ended, cannot tell"
    assert c["lr_last_fifth_share"] == pytest.approx(np.mean(one_cycle[16:]) / one_cycle.max())
    assert c["lr_last_fifth_share"] < summaries.SCHEDULE_ENDED
    assert c["lr_end_share"] == pytest.approx(one_cycle[-1])
    restarts = 1e-2 + (1 - 1e-2) * (1 + np.cos(np.pi * (t % 5) / 5)) / 2
    assert summaries.convergence([rec_lr(flat, restarts)])["verdict"] == "plateaued"
    rising = np.linspace(0.2, 0.6, 20)   # a rise under a falling rate is still a rise
    assert summaries.convergence([rec_lr(rising, one_cycle)])["verdict"] == "still rising"
