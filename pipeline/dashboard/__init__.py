"""optuna-dashboard as the place to browse studies: notes that explain each study, a learning curve and an
end note per trial, and ``tune dashboard`` to serve them on loopback."""

from pipeline.dashboard.notes import study_note, write_analysis_notes, write_notes
from pipeline.dashboard.server import DEFAULT_HOST, DEFAULT_PORT, is_loopback, serve
from pipeline.dashboard.svg import learning_curve_svg
from pipeline.dashboard.trial_views import artifact_store, trial_views, with_trial_views

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "artifact_store",
    "is_loopback",
    "learning_curve_svg",
    "serve",
    "study_note",
    "trial_views",
    "with_trial_views",
    "write_analysis_notes",
    "write_notes",
]
