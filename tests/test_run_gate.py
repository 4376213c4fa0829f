import subprocess
import sys

from pipeline.run.gate import DatabaseGate, Gate, gate_for
from pipeline.storage import Storage

TRY_LOCK = "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)"


def other_process_can_lock(path) -> bool:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, str(path)], capture_output=True).returncode == 0


def test_the_gate_keeps_other_processes_out_until_released(tmp_path):
    gate = Gate(tmp_path / "s.db.gate")
    with gate:
        assert not other_process_can_lock(gate.path)
    assert other_process_can_lock(gate.path)


def test_the_gate_is_released_when_its_block_raises(tmp_path):
    gate = Gate(tmp_path / "s.db.gate")
    try:
        with gate:
            raise ValueError("inside")
    except ValueError:
        pass
    assert other_process_can_lock(gate.path)


def test_the_gate_sits_beside_the_storage_file_but_not_on_the_journals_lock(tmp_path):
    assert gate_for(Storage(f"journal:///{tmp_path}/s.log")).path == tmp_path / "s.log.gate"
    server = gate_for(Storage("mysql://db/optuna")).path  # MySQL: a file lock per machine
    assert server.name.startswith("tune-") and server.suffix == ".lock"
    assert isinstance(gate_for(Storage("postgresql://db/optuna")), DatabaseGate)  # across hosts, in the database
