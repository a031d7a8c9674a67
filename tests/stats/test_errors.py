"""StatsError is a BiomarkError (one hierarchy) and reaches the command line as one ``error:`` line, exit 2."""

from __future__ import annotations

import click
import pytest

import biomark.errors
import biomark.stats as bs
from biomark.cli._common import run_main


def test_stats_error_is_a_biomark_error_and_a_value_error():
    assert biomark.errors.BiomarkError is bs.BiomarkError
    assert issubclass(bs.StatsError, biomark.errors.BiomarkError)
    assert issubclass(bs.StatsError, ValueError)
    assert issubclass(bs.MonotoneLikelihoodError, bs.StatsError)


def test_stats_error_at_the_cli_boundary_is_one_error_line_exit_2(capsys: pytest.CaptureFixture[str]):
    @click.group()
    def cli() -> None:
        pass

    @cli.command()
    def fit() -> None:
        bs.concordance([1, 2, 3], [0, 0, 0], [1.0, 2.0, 3.0])  # no events: undefined

    assert run_main(cli, ["fit"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "no events" in err
    assert "Traceback" not in err
