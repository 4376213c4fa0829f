"""The names and limits the command line offers, in a module that imports nothing heavy, so that
``tune --help`` (and every refusal argparse makes) answers without loading torch or Optuna. The modules
that implement them use these (samplers.REGISTRY must name exactly SAMPLERS: tests/test_cli.py checks)."""

SAMPLERS = ("random", "tpe", "qmc", "cmaes", "gp", "grid")
EVALUATORS = ("ped-anova", "fanova")  # PED-ANOVA: Optuna 5's default, numpy only; fANOVA: scikit-learn
MAX_SEEDS = 100  # paired seeds per comparison: beyond this, creating the studies alone takes minutes
MAX_SEED = 2**32 - 1  # a seed is a 32-bit unsigned integer (numpy's and scikit-learn's random_state)
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8080  # optuna-dashboard: loopback only unless told otherwise
BASELINE = "random"  # the arm every other sampler is measured against
CHECKPOINTS = ("auto", "epoch", "off")  # when a trial saves its training state (run/checkpoints.py)
