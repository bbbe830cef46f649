"""The load benchmark's measuring tools: server CPU from /proc (the server's process tree
only, so the browsers' CPU is told apart) and the profile summary."""
import importlib.util
import subprocess
import sys
import time

from services.config import ROOT


def _load():
    spec = importlib.util.spec_from_file_location("load_under_test", ROOT / "benchmarks" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUSY = "import time\nend = time.process_time() + {0}\nwhile time.process_time() < end: pass\n"


def test_process_tree_counts_the_cpu_of_the_process_and_its_children_only():
    load = _load()
    parent = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys; subprocess.run([sys.executable, '-c', "
                               f"{BUSY.format(0.6)!r}])"])
    outsider = subprocess.Popen([sys.executable, "-c", BUSY.format(0.6)])
    tree = load.ProcessTree(parent.pid)
    time.sleep(0.3)

    samples = []
    while parent.poll() is None:
        samples.append(tree.cpu_seconds())
        time.sleep(0.05)
    outsider.wait()

    assert 0.4 <= max(samples) <= 1.2  # the child's 0.6 s (plus start-up), not the outsider's


def test_profile_summary_drops_waiting_samples_and_groups_the_rest(tmp_path):
    load = _load()
    raw = tmp_path / "profile.txt"
    raw.write_text(
        "Thread.run (threading.py:1);EpollSelector.select (selectors.py:468) 50\n"
        "Thread.run (threading.py:1);ScriptRunner._on_script_finished (streamlit/x.py:1055) 30\n"
        "Thread.run (threading.py:1);<module> (workbench.py:77);excel_button (ui/widgets.py:61);"
        "to_xlsx (services/exports.py:56) 10\n", encoding="utf-8")

    report = load.profile_report(raw)

    assert "忙碌采样 40 次" in report and "另有 50 次等待中的采样未计入" in report
    assert "| 每次脚本运行后的完整 gc.collect（runner.postScriptGC） | 75% |" in report
    assert "| `to_xlsx (services/exports.py)` | 25% |" in report
    assert "| `<module> (workbench.py)` | 25% |" in report
