"""The command line imports a command's module only when that command runs (issue: start-up time).

`biomark --help` lists the commands from the table in biomark/cli/__init__.py; these tests check that
the table's short help is each command's own and that `--help` does not import the engine.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import click

from biomark.cli import COMMANDS, cli


def test_short_help_in_the_table_is_the_commands_own():
    for name, (module, attr, short) in COMMANDS.items():
        cmd = getattr(importlib.import_module(module), attr)
        assert isinstance(cmd, click.Command)
        assert cmd.name == name
        assert cmd.get_short_help_str(10**6) == short, name


def test_help_lists_what_click_would_list():
    from click.testing import CliRunner

    lazy = CliRunner().invoke(cli, ["--help"]).output
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        cli.get_command(ctx, name)  # now every command is loaded: click's own formatting
    assert CliRunner().invoke(cli, ["--help"]).output == lazy


def test_every_command_resolves():
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        assert cli.get_command(ctx, name) is not None, name


def test_help_imports_no_engine():
    code = ("import sys; from biomark.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('biomark.validation', 'sklearn', 'scipy.stats', 'pandas', 'joblib')"
            " if m in sys.modules]\n"
            "print('heavy=' + ','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "heavy=", out.stdout
