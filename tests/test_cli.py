"""The command line, run as users run it: real subprocesses on a real SQLite file."""

import subprocess
import sys

import optuna
import pytest
import torch
from conftest import REPO, cli

pytestmark = pytest.mark.slow
TINY = ("--trials", "3", "--seeds", "1", "--epochs", "2")


@pytest.fixture(scope="module")
def finished_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "digits.db"
    result = cli("compare", "digits_mlp", *TINY, "--storage", str(path))
    assert result.returncode == 0, result.stderr
    return path, result


def stored(path):
    """Everything a study file holds that a user could lose: studies, their attrs, every trial.

    (Not the file's bytes: in WAL mode a reader's checkpoint rewrites pages without changing content.)
    """
    url = f"sqlite:///{path}"
    return {
        s.study_name: (
            s.user_attrs,
            [
                (t.number, t.state, t.value, t.params, t.user_attrs, t.intermediate_values)
                for t in optuna.load_study(study_name=s.study_name, storage=url).trials
            ],
        )
        for s in optuna.get_all_study_summaries(url)
    }


def test_compare_prints_the_table_the_verdict_and_where_results_are(finished_db):
    path, result = finished_db
    out = result.stdout
    assert "best val loss  median [IQR]" in out
    assert out.count("\nrandom ") == 1 and out.count("\ntpe ") == 1
    # 3 trials: TPE is still in its 10 random startup trials, so both arms ran the same draws
    assert "Verdict: tpe vs random: tied by design, identical trials on all 1 seed" in out and "faster" not in out
    assert "Best configuration per sampler" in out and "digits_mlp-tpe-seed0 trial " in out and "lr=" in out
    assert out.rstrip().splitlines()[-1] == f"Report:  {path.parent / 'digits.html'}"  # named after the storage
    assert f"Results: {path}" in out
    assert "Traceback" not in result.stderr


def test_the_file_opens_with_load_study_in_a_new_process(finished_db):
    path, _ = finished_db
    code = (
        "import optuna, sys; s = optuna.load_study(study_name='digits_mlp-tpe-seed0', storage=sys.argv[1]);"
        "print(len(s.trials), s.user_attrs['sampler'], s.user_attrs['pruner'])"
    )
    result = subprocess.run([sys.executable, "-c", code, f"sqlite:///{path}"], capture_output=True, text=True)
    assert result.stdout.split() == ["3", "tpe", "median"]


def test_the_study_script_resumes_the_same_comparison_without_new_trials(finished_db):
    path, _ = finished_db
    before = {s.study_name: s.n_trials for s in optuna.get_all_study_summaries(f"sqlite:///{path}")}
    result = subprocess.run(
        [sys.executable, "studies/digits_mlp.py", "compare", *TINY, "--storage", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "0 trials to run" in result.stdout
    after = {s.study_name: s.n_trials for s in optuna.get_all_study_summaries(f"sqlite:///{path}")}
    assert after == before


def test_run_executes_a_single_study(tmp_path):
    result = cli(
        "run",
        "digits_mlp",
        "--sampler",
        "tpe",
        "--seed",
        "3",
        "--trials",
        "2",
        "--epochs",
        "1",
        "--storage",
        str(tmp_path / "one.db"),
    )
    assert result.returncode == 0, result.stderr
    names = [s.study_name for s in optuna.get_all_study_summaries(f"sqlite:///{tmp_path / 'one.db'}")]
    assert names == ["digits_mlp-tpe-seed3"]


@pytest.mark.parametrize("args", [(), ("compare",), ("run",)])
def test_help_explains_every_command(args):
    result = cli(*args, "--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout and ("--storage" in result.stdout or "compare" in result.stdout)


def write_script(tmp_path, name, body):
    path = tmp_path / f"{name}.py"
    path.write_text(body)
    return str(path)


GOOD_SCRIPT = (
    "from pipeline import StudySpec\nfrom pipeline.objectives import mlp\n"
    "STUDY = StudySpec(name='x', dataset={!r}, objective=mlp, epochs=1, trials=1)\n"
)

# (name, arguments before --storage, expected one-line message). {tmp} is the test's temp dir.
BAD_INPUT = [
    (
        "unknown study",
        ["compare", "digits_mpl"],
        r"unknown study 'digits_mpl' \(choose from: breast_cancer_mlp, cifar10_cnn, diabetes_mlp, digits_mlp",
    ),
    (
        "unknown sampler",
        ["compare", "digits_mlp", "--samplers", "random,tpee"],
        r"unknown sampler 'tpee' \(choose from: random, tpe",
    ),
    (
        "unknown pruner",
        ["compare", "digits_mlp", "--pruner", "medain"],
        r"unknown pruner 'medain' \(choose from: median, median-accuracy, none",
    ),
    (
        "bad pruner setting",
        ["compare", "digits_mlp", "--pruner", "median:warmup=2"],
        r"unknown setting 'warmup' for pruner 'median'",
    ),
    ("unknown dataset", ["compare", "{script:imagenet}"], r"unknown dataset 'imagenet' \(choose from: digits"),
    ("zero trials", ["compare", "digits_mlp", "--trials", "0"], r"--trials: expected a positive integer, got '0'"),
    (
        "text trials",
        ["compare", "digits_mlp", "--trials", "many"],
        r"--trials: expected a positive integer, got 'many'",
    ),
    ("zero seeds", ["compare", "digits_mlp", "--seeds", "0"], r"--seeds: expected a positive integer, got '0'"),
    (
        "negative epochs",
        ["compare", "digits_mlp", "--epochs", "-3"],
        r"--epochs: expected a positive integer, got '-3'",
    ),
    ("negative seed", ["run", "digits_mlp", "--sampler", "tpe", "--seed", "-1"], r"--seed: expected a seed"),
    ("run without sampler", ["run", "digits_mlp", "--seed", "0"], r"the following arguments are required: --sampler"),
    ("unknown device", ["compare", "digits_mlp", "--device", "tpu"], r"unknown device 'tpu'"),
    ("absent cuda device", ["compare", "digits_mlp", "--device", "cuda:99"], r"'cuda:99'"),
    (
        "missing dataset files",
        ["compare", "{script:mnist}", "--data-dir", "{tmp}/empty", "--no-download"],
        r"dataset 'mnist' not found: put train-images-idx3-ubyte.* in .*/empty/MNIST/raw/",
    ),
    (
        "other epochs than stored",
        ["compare", "digits_mlp", "--trials", "3", "--seeds", "1", "--epochs", "3"],
        r"was run with another configuration \(epochs: stored 2, asked 3\)",
    ),
    ("study script with a syntax error", ["compare", "{broken}"], r"broken.py:2: syntax error"),
    (
        "study script declaring no study",
        ["compare", "{empty}"],
        r"empty.py declares no study: define STUDY = StudySpec",
    ),
    (
        "sampler named twice",
        ["compare", "digits_mlp", "--samplers", "random,tpe,random"],
        r"--samplers: sampler 'random' is named twice",
    ),
    (
        "unknown sampler option",
        ["compare", "digits_mlp", "--sampler-option", "tpe:startup=3"],
        r"unknown setting 'startup' for sampler 'tpe' \(allowed: ",
    ),
    (
        "sampler option of another type",
        ["compare", "digits_mlp", "--sampler-option", "tpe:n_startup_trials=few"],
        r"setting n_startup_trials='few': expected an integer",
    ),
    (
        "option for a sampler not run",
        ["compare", "digits_mlp", "--sampler-option", "qmc:scramble=false"],
        r"sampler options for 'qmc', which this comparison does not run",
    ),
    (
        "changed sampler option",
        ["compare", "digits_mlp", *TINY, "--sampler-option", "tpe:n_startup_trials=2"],
        r"another configuration \(sampler_settings: stored",
    ),
    ("zero workers", ["compare", "digits_mlp", "--workers", "0"], r"--workers: expected a positive integer, got '0'"),
    ("zero timeout", ["compare", "digits_mlp", "--timeout", "0"], r"--timeout: expected a number of seconds > 0"),
    ("text timeout", ["run", "digits_mlp", "--sampler", "tpe", "--seed", "0", "--timeout", "soon"], r"got 'soon'"),
    (
        "text workers",
        ["run", "digits_mlp", "--sampler", "tpe", "--seed", "0", "--workers", "two"],
        r"--workers: expected a positive integer, got 'two'",
    ),
]
BAD_STORAGE = [
    ("missing storage directory", "{tmp}/nowhere/x.db", r"storage directory .*/nowhere/ does not exist"),
    ("not an SQLite file", "{tmp}/notes.txt", r"notes.txt is not an SQLite database"),
    ("unknown storage scheme", "mongodb://localhost/x", r"unknown storage scheme 'mongodb'"),
    ("truncated SQLite file", "{tmp}/half.db", r"half.db: it is a damaged SQLite database"),
    ("not a journal file", "{tmp}/notes.log", r"notes.log is not an Optuna journal file"),
    (
        "password in a storage URL, driver missing",
        "postgresql+pg8000://me:s3cret@127.0.0.1:1/optuna",
        r"postgresql\+pg8000://me:\*\*\*@127.0.0.1:1/optuna needs a database driver: its driver \(pg8000\) is not",
    ),
]


def expand(arg, tmp_path):
    if arg.startswith("{script:"):
        return write_script(tmp_path, "bad_data", GOOD_SCRIPT.format(arg[len("{script:") : -1]))
    if arg == "{broken}":
        return write_script(tmp_path, "broken", "from pipeline import StudySpec\nSTUDY = StudySpec(\n")
    if arg == "{empty}":
        return write_script(tmp_path, "empty", "x = 1\n")
    return arg.replace("{tmp}", str(tmp_path))


def assert_refused(result, message):
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert __import__("re").search(message, lines[0]), lines[0]


@pytest.mark.parametrize("name, args, message", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_changes_nothing_stored(finished_db, tmp_path, name, args, message):
    path, _ = finished_db
    before = stored(path)
    result = cli(*(expand(a, tmp_path) for a in args), "--storage", str(path))
    assert_refused(result, message)
    assert stored(path) == before


@pytest.mark.parametrize("name, storage, message", BAD_STORAGE, ids=[b[0] for b in BAD_STORAGE])
def test_bad_storage_is_one_line_exit_2_and_changes_nothing(tmp_path, name, storage, message):
    (tmp_path / "notes.txt").write_text("my notes")
    (tmp_path / "notes.log").write_text("my log\n")
    (tmp_path / "half.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 40)  # a header, then nothing
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = cli("compare", "digits_mlp", "--trials", "1", "--storage", storage.replace("{tmp}", str(tmp_path)))
    assert_refused(result, message)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert "s3cret" not in result.stdout + result.stderr


def test_many_workers_on_one_sqlite_file_get_a_warning_naming_the_journal(capsys):
    from pipeline.cli import warn_about_workers
    from pipeline.storage import Storage

    warn_about_workers(5, Storage("sqlite:///runs/x.db"))
    err = capsys.readouterr().err
    assert "5 workers share one SQLite file" in err and "--storage runs/NAME.log" in err
    warn_about_workers(2, Storage("journal:///runs/x.log"))
    assert capsys.readouterr().err == ""


def test_terminal_report_and_notes_carry_one_verdict_and_an_extension_repeats_no_trial(tmp_path):
    from optuna_dashboard import get_note

    path = tmp_path / "x.db"
    tpe = ("--sampler-option", "tpe:n_startup_trials=2")  # TPE models within the tiny budget
    first = cli("compare", "digits_mlp", "--trials", "3", "--seeds", "2", "--epochs", "2", *tpe, "--storage", str(path))
    assert first.returncode == 0, first.stderr
    done = cli("compare", "digits_mlp", "--trials", "6", "--seeds", "2", "--epochs", "2", *tpe, "--storage", str(path))
    assert done.returncode == 0, done.stderr
    url = f"sqlite:///{path}"
    for summary in optuna.get_all_study_summaries(url):
        trials = optuna.load_study(study_name=summary.study_name, storage=url).trials
        params = [tuple(sorted(t.params.items())) for t in trials]
        assert len(trials) == 6 and len(set(params)) == 6, summary.study_name  # trials 3-5 are new draws
    (line,) = [line.removeprefix("Verdict: ") for line in done.stdout.splitlines() if line.startswith("Verdict: ")]
    assert line.startswith("tpe vs random: ") and "Wilcoxon p = " in line and "tied by design" not in line
    report = tmp_path / "x.html"  # named after the storage
    assert done.stdout.rstrip().endswith(f"Report:  {report}")
    assert __import__("html").escape(line) in report.read_text(encoding="utf-8")
    for seed in range(2):
        for sampler in ("random", "tpe"):
            note = get_note(optuna.load_study(study_name=f"digits_mlp-{sampler}-seed{seed}", storage=url))
            assert f"- {line}\n" in note and "[x.html](/reports/x.html)" in note


def test_compare_loads_each_study_once_per_phase_and_writes_each_note_once(tmp_path, monkeypatch):
    import pipeline.dashboard.notes as notes
    from pipeline.cli import main

    loads, saves = {}, {}
    load_study, save_note = optuna.load_study, notes.save_note

    def counting_load(*args, **kwargs):
        loads[kwargs["study_name"]] = loads.get(kwargs["study_name"], 0) + 1
        return load_study(*args, **kwargs)

    def counting_save(study, body):
        saves[study.study_name] = saves.get(study.study_name, 0) + 1
        return save_note(study, body)

    monkeypatch.setattr(optuna, "load_study", counting_load)  # the real functions, counted
    monkeypatch.setattr(notes, "save_note", counting_save)
    main(
        [
            "compare",
            "digits_mlp",
            "--trials",
            "2",
            "--seeds",
            "2",
            "--epochs",
            "1",
            "--storage",
            str(tmp_path / "count.db"),
            "--no-progress",
        ]
    )
    names = {f"digits_mlp-{s}-seed{k}" for s in ("random", "tpe") for k in range(2)}
    assert set(loads) == names and max(loads.values()) <= 2  # created, then loaded to run, then to analyze
    assert saves == {name: 1 for name in names}


@pytest.mark.parametrize(
    "argv0, expected",
    [
        ("/somewhere/pipeline/__main__.py", "python -m pipeline dashboard digits_mlp"),
        ("studies/digits_mlp.py", "python studies/digits_mlp.py dashboard"),
        (".venv/bin/tune", ".venv/bin/tune dashboard digits_mlp"),
    ],
)
def test_printed_hints_repeat_the_way_the_command_was_started(monkeypatch, argv0, expected):
    from pipeline.cli import how_invoked

    monkeypatch.setattr(sys, "argv", [argv0])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert how_invoked("dashboard", "digits_mlp") == expected


def test_one_trial_can_be_shown_and_retrained_exactly_by_hand(finished_db, tmp_path):
    path, _ = finished_db
    study = optuna.load_study(study_name="digits_mlp-tpe-seed0", storage=f"sqlite:///{path}")
    best = study.best_trial
    done = cli(
        "trial",
        "digits_mlp",
        "--storage",
        str(path),
        "--study-name",
        "digits_mlp-tpe-seed0",
        "--number",
        str(best.number),
        "--retrain",
    )
    assert done.returncode == 0, done.stderr
    assert f"digits_mlp-tpe-seed0 trial {best.number} (COMPLETE)" in done.stdout and "torch seed " in done.stdout
    assert done.stdout.rstrip().endswith(f"the same over the {len(best.intermediate_values)} stored epochs")
    code = done.stdout.split("To train it again exactly:\n\n", 1)[1].split("\n\nepoch", 1)[0]
    ran = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert float(ran.stdout.split()[0]) == pytest.approx(best.value, rel=1e-6)  # the printed Python, run as is


def test_asking_for_a_trial_that_does_not_exist_is_one_line(finished_db):
    path, _ = finished_db
    done = cli("trial", "digits_mlp", "--storage", str(path), "--study-name", "digits_mlp-tpe-seed0", "--number", "99")
    assert (
        done.returncode == 2
        and done.stderr.strip() == "error: study 'digits_mlp-tpe-seed0' has no trial 99 (trials 0–2)"
    )


def test_version_names_ours_and_the_libraries_it_runs_on():
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith(f"tune {__import__('pipeline').__version__} (optuna {optuna.__version__}, ")
    assert f"torch {torch.__version__.split('+')[0]}" in result.stdout


def test_the_fast_names_for_help_agree_with_what_the_code_builds():
    from pipeline import choices, dashboard, samplers
    from pipeline.analysis import importance

    assert choices.SAMPLERS == tuple(samplers.REGISTRY)
    assert set(choices.EVALUATORS) == set(importance.EVALUATORS)
    assert (choices.DEFAULT_HOST, choices.DEFAULT_PORT) == (dashboard.DEFAULT_HOST, dashboard.DEFAULT_PORT)


def test_help_answers_without_loading_torch_or_optuna():
    code = "import sys; from pipeline.cli import build_parser; build_parser(); "
    code += "print(sorted({'torch', 'optuna', 'pandas'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
