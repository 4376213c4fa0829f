import subprocess
import sys

from pipeline.gate import Gate, gate_for

TRY_LOCK = "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)"


def other_process_can_lock(path) -> bool:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, str(path)], capture_output=True).returncode == 0


def test_the_gate_keeps_other_processes_out_until_released(tmp_path):
    gate = Gate(tmp_path / "s.db.gate")
    with gate:
        assert not other_process_can_lock(gate.path)
    assert other_process_can_lock(gate.path)


def test_releasing_twice_is_harmless(tmp_path):
    gate = Gate(tmp_path / "s.db.gate")
    gate.acquire()
    gate.release()
    gate.release()
    assert other_process_can_lock(gate.path)


def test_the_gate_sits_beside_the_storage_file_but_not_on_the_journals_lock(tmp_path):
    assert gate_for(tmp_path / "s.log", "journal:///s.log").path == tmp_path / "s.log.gate"
    server = gate_for(None, "postgresql://db/optuna").path
    assert server.name.startswith("tune-") and server.suffix == ".lock"
