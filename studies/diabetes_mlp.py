"""Diabetes MLP — regression on scikit-learn's bundled diabetes data (442 patients, 10 features, no download):
predict disease progression one year on. The value is the validation mean squared error of standardized
targets; R² is stored beside it.

    python studies/diabetes_mlp.py compare        # Random vs TPE, 5 paired seeds
    tune compare diabetes_mlp                     # the same
"""

from sklearn.datasets import load_diabetes

from pipeline import StudySpec, main
from pipeline.data import tabular
from pipeline.objectives import mlp

STUDY = StudySpec(
    name="diabetes_mlp",
    dataset=tabular(load_diabetes(as_frame=True).frame, target="target", name="diabetes"),  # float target: regression
    objective=mlp,
    epochs=20,
    trials=30,
    seeds=5,
    samplers=("random", "tpe"),
    pruner="median",
    pruner_settings={"n_startup_trials": 5, "n_warmup_steps": 5},
)

if __name__ == "__main__":
    main(STUDY)
