"""`python -m pipeline`: each command's module is loaded only for that command, the table that
says which module that is matches what the modules register, and help still lists them all."""

import argparse
import importlib
import json
import subprocess
import sys

import pytest

from pipeline import cli
from pipeline.stack_files import PROJECT_DIR


def registered_by(module_name: str) -> set[str]:
    subparsers = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module_name).register(subparsers)
    return set(subparsers.choices)


def test_the_table_names_the_module_that_registers_each_command():
    table: dict[str, str] = {}
    for module_name in cli.COMMAND_MODULES:
        for command in registered_by(module_name):
            table[command] = module_name
    assert table == cli.COMMANDS


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_the_parser_for_one_command_has_that_command_alone(command):
    parser = cli.build_parser(command)
    (subparsers,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    assert command in subparsers.choices
    assert set(subparsers.choices) == registered_by(cli.COMMANDS[command])


def test_help_and_an_unknown_command_list_every_command(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    listed = capsys.readouterr().out
    assert all(command in listed for command in cli.COMMANDS)
    with pytest.raises(SystemExit) as exited:
        cli.main(["chek", "--stack", "dev"])
    assert exited.value.code == 2
    refused = capsys.readouterr().err
    assert "invalid choice: 'chek'" in refused and all(command in refused for command in cli.COMMANDS)


def test_access_answers_without_loading_the_pulumi_sdk(tmp_path):
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                       "Action": "execute-api:Invoke", "Resource": "*"}]}
    request = {"action": "execute-api:Invoke", "resource": "arn:aws:execute-api:us-east-1:111122223333:abc/live/GET/x"}
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    (tmp_path / "request.json").write_text(json.dumps(request))
    probe = (
        "import sys\n"
        "from pipeline.cli import main\n"
        f"code = main(['access', '--policy', {str(tmp_path / 'policy.json')!r}, '--request', {str(tmp_path / 'request.json')!r}])\n"
        "print('LOADED' if any(name == 'pulumi' or name.startswith('pulumi.') for name in sys.modules) else 'NOT LOADED')\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert '"Allow"' in done.stdout
    assert done.stdout.strip().endswith("NOT LOADED")


LEAVING = """
import atexit, gc, sys
from pipeline.cli import leave

class Held:
    def __init__(self):
        self.me = self  # a reference cycle: only a collection could free it

def at_exit():
    sys.stderr.write(f"atexit ran, frozen={gc.get_freeze_count() > 0}\\n")

held = Held()
atexit.register(at_exit)
sys.stdout.write("written, never flushed by hand")
leave(int(sys.argv[1]))
"""


@pytest.mark.parametrize("code", [0, 2, 3])
def test_leaving_keeps_the_exit_code_the_atexit_handlers_and_the_output(code, tmp_path):
    """`python -m pipeline` leaves through `cli.leave`: what must still happen at exit does."""
    done = subprocess.run(
        [sys.executable, "-c", LEAVING, str(code)], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == code
    assert done.stdout == "written, never flushed by hand"
    assert done.stderr == "atexit ran, frozen=True\n"


def test_the_module_entry_point_leaves_through_leave(tmp_path):
    """`python -m pipeline` with a command that returns (here a usage error from `access`): the
    collector is frozen by the time the atexit handlers run, and the command's code is kept."""
    run_module = (
        "import atexit, gc, runpy, sys\n"
        "atexit.register(lambda: sys.stderr.write(f'frozen={gc.get_freeze_count() > 0}\\n'))\n"
        f"sys.argv = ['pipeline', 'access', '--policy', {str(tmp_path / 'none.json')!r}, '--request', 'x.json']\n"
        "runpy.run_module('pipeline', run_name='__main__', alter_sys=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", run_module], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and done.stderr.endswith("frozen=True\n")
