"""Digits MLP — the embedded default: scikit-learn's 8×8 handwritten digits, no download needed.

python studies/digits_mlp.py compare          # Random vs TPE, 5 paired seeds
python -m pipeline compare digits_mlp         # the same
"""

from pipeline import StudySpec, main
from pipeline.objectives import mlp

STUDY = StudySpec(
    name="digits_mlp",
    dataset="digits",
    objective=mlp,
    epochs=12,
    trials=30,
    seeds=5,
    samplers=("random", "tpe"),
    pruner="median",
    pruner_settings={"n_startup_trials": 5, "n_warmup_steps": 3},
)

if __name__ == "__main__":
    main(STUDY)
