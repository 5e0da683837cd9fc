"""Short options given to Click as their long names (cli.long_options): read exactly as typed.

Click tries every option as a long one first; a short one fails there and the error it builds
(difflib's suggestions, gettext's locale) costs 2 ms of the start. The command hands Click the
long names instead: these tests hold that Click reads both the same, value for value and error
for error, so that the rewriting can never change what a command line means.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import click
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kmserr.cli import cli, long_options


def _names(command: click.Command, ctx: click.Context) -> list[str]:
    return [name for param in command.get_params(ctx) if isinstance(param, click.Option)
            for name in (*param.opts, *param.secondary_opts)]


def _context(name: str) -> tuple[click.Command, click.Context]:
    group = click.Context(cli, info_name="kmserr", help_option_names=["-h", "--help"])
    if name == "kmserr":
        return cli, group
    command = cli.commands[name]
    return command, click.Context(command, info_name=name, parent=group)


def _parsed(name: str, args: list[str], rewrite: bool) -> tuple[Any, ...]:
    """What Click makes of `args` for a command: its values and operands, or its error."""
    command, ctx = _context(name)
    clicks_own = click.Group.parse_args if isinstance(command, click.Group) else click.Command.parse_args
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), ctx.scope(cleanup=False):
            rest = command.parse_args(ctx, list(args)) if rewrite else clicks_own(command, ctx, list(args))
    except (click.ClickException, click.exceptions.Exit) as exc:
        message = exc.format_message() if isinstance(exc, click.ClickException) else exc.exit_code
        return type(exc).__name__, message, out.getvalue()
    state = vars(ctx)
    subcommand = state.get("_protected_args", state.get("protected_args"))  # (Click 8.2 made it private)
    return sorted(ctx.params.items(), key=repr), rest, ctx.args, subcommand, dict(ctx.meta), out.getvalue()


def _tokens(name: str) -> st.SearchStrategy[str]:
    command, ctx = _context(name)
    names = _names(command, ctx)
    shorts = [n[1] for n in names if len(n) == 2]
    letters = st.text(st.sampled_from([*shorts, "q", "5", "="]), min_size=1, max_size=4)
    return st.one_of(
        st.sampled_from(names),
        letters.map(lambda cluster: "-" + cluster),  # -nH, -j1, -nj, -C2, -q
        st.builds(lambda cluster, value: f"-{cluster}{value}", letters, st.sampled_from(["1", "0", "x", "=2"])),
        st.sampled_from(["1", "2", "x.log", "-", "--", "plain", "json", "en", "never", "5m", "grep", "lookup",
                         "--json=1", "--jobs=3", "10630", "-1"]),
    )


COMMANDS = ["kmserr", "grep", "lookup", "parse", "list", "check"]


@settings(max_examples=500)  # each example is two parses of a few microseconds
@given(st.sampled_from(COMMANDS).flatmap(lambda name: st.tuples(st.just(name), st.lists(_tokens(name), max_size=6))))
@example(("grep", ["--bucket", "-j1"]))  # a long option's value that looks like a short option
@example(("grep", ["-nC", "-j1"]))  # a short option's value, in the next argument
@example(("grep", ["-j"]))  # its value missing: Click's error names the option as typed
@example(("kmserr", ["--format", "-V", "grep", "-j1"]))
def test_click_reads_the_long_names_as_it_reads_what_was_typed(case: tuple[str, list[str]]) -> None:
    name, args = case
    assert _parsed(name, args, rewrite=True) == _parsed(name, args, rewrite=False)


def test_short_options_reach_click_by_their_long_names() -> None:
    command, ctx = _context("grep")
    params = command.get_params(ctx)
    assert long_options(params, ["-nj1", "-C2", "app.log"]) == [
        "--line-number", "--jobs", "1", "--context", "2", "app.log"]
    assert long_options(params, ["-H", "-j", "-n"]) == ["--with-filename", "--jobs", "-n"]  # -n is -j's value
    # As typed: an unknown letter, a value missing, and everything after `--`.
    assert long_options(params, ["-nq", "--", "-n"]) == ["-nq", "--", "-n"]
    assert long_options(params, ["-c", "-j"]) == ["--count", "-j"]
    # A group's arguments from its subcommand on are the subcommand's to read.
    group, group_ctx = _context("kmserr")
    assert long_options(group.get_params(group_ctx), ["-V", "grep", "-n"], interspersed=False) == [
        "--version", "grep", "-n"]


def test_a_grep_with_short_options_builds_no_option_error(monkeypatch: Any) -> None:
    """The point of the rewriting: Click raises (and drops) no error for a short option."""
    built: list[str] = []
    real = click.exceptions.NoSuchOption.__init__

    def recording(self: click.exceptions.NoSuchOption, option_name: str, *args: Any, **kwargs: Any) -> None:
        built.append(option_name)
        real(self, option_name, *args, **kwargs)

    monkeypatch.setattr(click.exceptions.NoSuchOption, "__init__", recording)
    command, ctx = _context("grep")
    with ctx.scope(cleanup=False):
        command.parse_args(ctx, ["-nHc", "-j1", "-C2", "app.log"])
    assert ctx.params["jobs"] == 1 and ctx.params["around"] == 2 and ctx.params["line_numbers"]
    assert built == []
