"""Breast cancer MLP — tabular classification on scikit-learn's bundled Wisconsin data (569 tumours,
30 numeric features, malignant or benign; no download). The value is the validation cross-entropy;
accuracy is stored beside it.

    python studies/breast_cancer_mlp.py compare   # Random vs TPE, 5 paired seeds
    tune compare breast_cancer_mlp                # the same
"""

from sklearn.datasets import load_breast_cancer

from pipeline import StudySpec, main
from pipeline.data import tabular
from pipeline.objectives import mlp

STUDY = StudySpec(
    name="breast_cancer_mlp",
    dataset=tabular(load_breast_cancer(as_frame=True).frame, target="target", name="breast_cancer"),  # 0/1 classes
    objective=mlp,
    epochs=15,
    trials=30,
    seeds=5,
    samplers=("random", "tpe"),
    pruner="median",
    pruner_settings={"n_startup_trials": 5, "n_warmup_steps": 3},
)

if __name__ == "__main__":
    main(STUDY)
