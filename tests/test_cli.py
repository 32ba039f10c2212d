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
