"""The `kmserr` command: parse arguments, call the library, pick a renderer and an exit status."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, Final, TypeVar

import click

from . import render, streams
from .catalogue import GENERATIONS, CatalogueError, Entry
from .registry import Registry, UnknownFilter
from .render import FORMATS, Style
from .teams import CATALOG_ENV, team_paths
from .version import __version__

if TYPE_CHECKING:  # imported when --timeline counts, not before
    from .timeline import Timeline

FOUND, NOT_FOUND, TROUBLE = 0, 1, 2


class _ContextLines(click.IntRange):
    """-A/-B/-C NUM: a negative NUM is a usage error; one beyond sys.maxsize (which Python could
    not hold as a buffer's length) counts as sys.maxsize, which means every line all the same."""

    def __init__(self) -> None:
        super().__init__(min=0)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            text = value.strip()
            # Click's own words ("not a valid integer range") describe its type, not the option.
            if not (text.isascii() and text.lstrip("+-").isdigit()):
                self.fail(f"{_quoted(value, 40)} is not a number of lines", param, ctx)
            if text.startswith("-") and text.strip("-0"):
                self.fail(f"a number of lines is 0 or more, not {text}", param, ctx)
        number = super().convert(value, param, ctx)
        return min(number, sys.maxsize)


CONTEXT_LINES = _ContextLines()
EXIT_STATUS_HELP = "Exit status: 0 found, 1 not found, 2 usage or input error."

F = TypeVar("F", bound=Callable[..., Any])


class InputError(click.ClickException):
    """Bad input the user gave: one line on stderr, exit status 2."""

    exit_code = TROUBLE

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"kmserr: {self.format_message()}", err=True)


def output_options(formats: Sequence[str] = FORMATS, fmt_help: str | None = None) -> Callable[[F], F]:
    """Add --format, --color, --lang and --catalog, shared by lookup, parse, list and grep; each
    may also come before the command (`kmserr --color never lookup 10630`), the command's own winning."""
    return lambda func: _output_options(func, formats, fmt_help)


GLOBAL = "kmserr.global"  # ctx.meta: the options given before the command, by parameter name
COLOR_HELP = "Colour the output [default: auto: on a terminal, unless NO_COLOR is set]."
LANG_HELP = "Language of descriptions where both exist [default: from the locale]."
FORMAT_HELP = "Output format [default: table on a terminal, plain otherwise]."
CATALOG_HELP = "A team catalogue file to load on top of kmserr's own (repeatable; see also KMSERR_CATALOG)."


def _or_global(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The command's option, else the same option given before the command (a choice it takes)."""
    if value is not None:
        return value
    given = ctx.meta.get(GLOBAL, {}).get(param.name)
    if given is None:
        return None
    if isinstance(param.type, click.Choice) and given not in param.type.choices:
        choices = ", ".join(str(c) for c in param.type.choices)
        raise click.UsageError(f"kmserr {ctx.info_name} does not take --{param.name.replace('fmt', 'format')} "
                               f"{given} (choose from {choices})", ctx)
    return given


# envelopes.CHOICES, written out so that the command starts without importing the scanner
# (tests/test_envelopes.py checks that the two agree).
ENVELOPE_CHOICES: Final = ("auto", "none", "docker", "cri", "journald", "syslog", "kubectl")


def envelope_option(func: F) -> F:
    """Add --envelope: the platform wrapper that lines are unwrapped from before they are read."""
    return click.option(
        "--envelope", type=click.Choice(ENVELOPE_CHOICES), default="auto", show_default=True,
        help="The platform envelope lines are in, unwrapped before they are read: Docker's json-file "
             "records, Kubernetes CRI files, journalctl -o json, syslog, kubectl logs --prefix --timestamps; "
             "auto detects it line by line, "
             "none reads lines as they stand.",
    )(func)


def _output_options(func: F, formats: Sequence[str], fmt_help: str | None) -> F:
    func = click.option(
        "--catalog",
        "catalogs",
        multiple=True,
        metavar="FILE",
        expose_value=False,
        callback=_remember_catalogs,
        help=CATALOG_HELP,
    )(func)
    func = click.option(
        "--lang", type=click.Choice(["en", "zh"]), default=None, callback=_or_global, help=LANG_HELP,
    )(func)
    func = click.option(
        "--color", type=click.Choice(["auto", "always", "never"]), default=None, callback=_or_global,
        help=COLOR_HELP,
    )(func)
    func = click.option(
        "--format", "fmt", type=click.Choice(list(formats)), default=None, callback=_or_global,
        help=fmt_help or FORMAT_HELP,
    )(func)
    return func


def _remember_global(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if param.name == "catalogs":
        ctx.meta["kmserr.global_catalogs"] = value
    elif value is not None:
        ctx.meta.setdefault(GLOBAL, {})[param.name] = value


def global_options(func: F) -> F:
    """The shared options before the command: remembered for the command to take as its defaults."""
    every_format = [*FORMATS, "terminal", "csv", "markdown"]
    remembered: dict[str, Any] = {"expose_value": False, "callback": _remember_global}
    func = click.option("--catalog", "catalogs", multiple=True, metavar="FILE", help=CATALOG_HELP,
                        **remembered)(func)
    func = click.option("--lang", type=click.Choice(["en", "zh"]), help=LANG_HELP, **remembered)(func)
    func = click.option("--color", type=click.Choice(["auto", "always", "never"]), help=COLOR_HELP,
                        **remembered)(func)
    return click.option(
        "--format", "fmt", type=click.Choice(every_format), metavar="FORMAT", **remembered,
        help="Output format of the command (one it takes) [default: table on a terminal, plain otherwise].",
    )(func)


def _is_tty(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def choose_format(fmt: str | None) -> str:
    return fmt or ("table" if _is_tty(sys.stdout) else "plain")


def choose_style(color: str | None, lang: str | None, registry: Registry | None = None) -> Style:
    """An explicit --color always or never wins (no-color.org: NO_COLOR changes only the default);
    under `auto`, NO_COLOR turns colour off and FORCE_COLOR on where a terminal would not."""
    color = color or "auto"
    if color != "auto":
        enabled = color == "always"
    elif os.environ.get("NO_COLOR"):
        enabled = False
    else:
        enabled = bool(os.environ.get("FORCE_COLOR")) or _is_tty(sys.stdout)
    if os.environ.get("TERM") == "dumb" and color == "auto" and not os.environ.get("FORCE_COLOR"):
        enabled = False  # a dumb terminal shows escape sequences as text
    return Style(color=enabled, width=table_width(), lang=lang or locale_language(), registry=registry)


MIN_WIDTH, DEFAULT_WIDTH, MAX_WIDTH = 40, 80, 10_000


def table_width() -> int:
    """The width to draw tables in: COLUMNS, else the terminal's; 80 when that is less than a card
    can be read in (COLUMNS=0 drew nothing, 1 to 3 borders only) or not a number at all. Always
    given to Rich, which would read COLUMNS itself and fail on one of 5,000 digits."""
    try:
        columns = int(os.environ.get("COLUMNS") or "x")  # 0 too: it is drawn 80 wide below
    except ValueError:
        columns = _terminal_columns()
    return DEFAULT_WIDTH if columns < MIN_WIDTH else min(columns, MAX_WIDTH)


def _terminal_columns() -> int:
    """The width of the terminal the command runs in: standard output's, else (`kmserr list | head`)
    standard error's or input's, as Rich and `tput cols` find it; without shutil (2 ms of every start)."""
    for stream in (sys.__stdout__, sys.__stderr__, sys.__stdin__):
        try:
            return os.get_terminal_size(stream.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            continue
    return DEFAULT_WIDTH


def locale_language() -> str:
    """`zh` when the locale asks for Chinese (LC_ALL, LC_MESSAGES, LANG in POSIX order), else `en`."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def _remember_catalogs(ctx: click.Context, _: click.Parameter, value: tuple[str, ...]) -> None:
    ctx.meta["kmserr.catalogs"] = value


def _team_files(ctx: click.Context) -> list[str]:
    """The team catalogue files in use: the config folder's, KMSERR_CATALOG's, then --catalog's."""
    return team_paths(
        (*ctx.meta.get("kmserr.global_catalogs", ()), *ctx.meta.get("kmserr.catalogs", ())),
        config_dir=click.get_app_dir("kmserr"),
        env=os.environ.get(CATALOG_ENV),
    )


def registry_in_use(ctx: click.Context | None = None) -> Registry:
    """kmserr's catalogue with the team files of the config folder, KMSERR_CATALOG and --catalog."""
    from .teams import load_registry

    ctx = ctx or click.get_current_context()
    try:
        return load_registry(_team_files(ctx))
    except CatalogueError as exc:
        raise InputError(f"catalogue: {render.terminal_safe(str(exc))}") from None


def note_overrides(entries: Iterable[Entry]) -> None:
    """Say once, on standard error, which team files replace kmserr's own advice for which codes."""
    by_file: dict[str, list[str]] = {}
    for entry in entries:
        codes = by_file.setdefault(entry.origin or "a team file", [])
        if entry.code not in codes:
            codes.append(entry.code)
    for origin, codes in by_file.items():
        listed = ", ".join(codes)
        click.echo(render.terminal_safe(f"kmserr: note: {origin} overrides kmserr's own advice for {listed}"),
                   err=True)


def _version(ctx: click.Context, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .core import core_name
    from .engines import EngineError, engine_name

    try:
        engine = engine_name()
    except EngineError as exc:
        raise InputError(str(exc)) from None
    click.echo(f"kmserr {__version__} (engine: {engine}, core: {core_name()})")
    ctx.exit(FOUND)


def _text_out(fmt: str = "plain") -> IO[str]:
    """Standard output for a format: JSON is UTF-8 in any locale, other text the locale's."""
    return streams.utf8_stdout() if fmt == "json" else sys.stdout


PARSE_LIMIT = 64 << 20  # `parse` reads a message or a response, not a log: `grep` streams those


def _read_input(stdin: IO[bytes]) -> str:
    """All of standard input, up to PARSE_LIMIT: more is refused, so memory stays bounded."""
    try:
        data = stdin.read(PARSE_LIMIT + 1)
    except OSError as exc:
        raise InputError(f"parse: cannot read standard input: {exc.strerror or exc}") from None
    if len(data) > PARSE_LIMIT:
        raise InputError(
            f"parse: standard input holds more than {PARSE_LIMIT >> 20} MiB; "
            "use `kmserr grep`, which reads input of any size"
        )
    return data.decode("utf-8", "surrogateescape")


def _quoted(text: str, limit: int = 80) -> str:
    """A user's text inside a one-line message: its controls shown, and at most `limit` characters
    of it (a 128 KB query is not worth repeating)."""
    short = text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"
    return "'" + render.terminal_safe(short) + "'"


HELP_TEXT = "Show this message and exit."


def _show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


class _Command(click.Command):
    """A command whose -h/--help is Click's own but for where its text comes from: Click asks
    gettext for it, which imports `locale` and looks for message catalogues on disk (1 ms of
    every start, for a text that no catalogue translates)."""

    _kmserr_help: click.Option | None = None

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        names = self.get_help_option_names(ctx)
        if not names or not self.add_help_option:
            return None
        if self._kmserr_help is None:  # one object, as Click keeps: it orders callbacks by identity
            self._kmserr_help = click.Option(
                names, is_flag=True, is_eager=True, expose_value=False, callback=_show_help, help=HELP_TEXT
            )
        return self._kmserr_help


    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, long_options(self.get_params(ctx), args, ctx.allow_interspersed_args))

    def get_short_help_str(self, limit: int = 45) -> str:
        """The docstring's whole first line: Click cuts it at `limit` characters, mid-sentence."""
        if self.short_help:
            return self.short_help
        return (self.help or "").strip().split("\n", 1)[0].strip()


def long_options(params: Iterable[click.Parameter], args: list[str], interspersed: bool = True) -> list[str]:
    """Short options as their long names (`-nj1` as `--line-number --jobs 1`), which Click reads
    alike: it reads every option as a long one first, and a short one's failure there costs 2 ms of
    every start that has one (difflib for the error's suggestions, gettext's locale for its
    message, and the error is then dropped). What this cannot read for certain stays as typed, for
    Click to read or to refuse in its own words: an unknown letter, a short option without its
    value, an option of several values, and everything after `--` or (without `interspersed`: a
    group's arguments) from the first operand on."""
    flags: dict[str, str] = {}
    valued: dict[str, str] = {}
    for param in params:
        if not isinstance(param, click.Option):
            continue
        if param.nargs != 1 or getattr(param, "_flag_needs_value", False):
            return args  # a value that may be absent, or several: read as typed
        for names in (param.opts, param.secondary_opts):
            long = next((name for name in names if name[:2] == "--"), None)
            for name in names:
                (flags if param.is_flag or param.count else valued)[name] = long or name
    out: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--" or (not interspersed and (arg == "-" or arg[:1] != "-")):
            return [*out, arg, *rest]
        if arg == "-" or arg[:1] != "-" or arg[:2] == "--":
            out.append(arg)
            if arg in valued:  # the next argument is its value, whatever it looks like
                out.extend(value for value in (next(rest, None),) if value is not None)
            continue
        read: list[str] = []
        for at in range(1, len(arg)):
            name = "-" + arg[at]
            if name in flags:
                read.append(flags[name])
                continue
            value = None
            if name in valued:
                value = arg[at + 1 :] or next(rest, None)
            if value is None:  # Click says what is wrong, with the option as it was typed
                out.append(arg)
            else:
                out += [*read, valued[name], value]
            break
        else:
            out += read
    return out


# The order people use them in, not the alphabet's: look up a code, explain a message, search logs.
COMMAND_ORDER = ("lookup", "parse", "grep", "list", "check", "completion")


class _Group(_Command, click.Group):
    command_class = _Command

    def list_commands(self, ctx: click.Context) -> list[str]:
        known = [name for name in COMMAND_ORDER if name in self.commands]
        return known + sorted(name for name in self.commands if name not in known)


def _complete_codes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Codes that begin with what was typed, each with its message as the description."""
    from click.shell_completion import CompletionItem

    try:
        registry = registry_in_use(ctx)
    except click.ClickException:
        return []
    folded = incomplete.casefold()
    return [
        CompletionItem(e.code, help=render.terminal_safe((e.message or e.description)[:80]))
        for e in registry.entries
        if e.code.casefold().startswith(folded)
    ]


def _complete_categories(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    try:
        registry = registry_in_use(ctx)
    except click.ClickException:
        return []
    categories = registry.categories.items()
    safe = render.terminal_safe  # one item a line in a shell's completion: a newline would make two
    return [CompletionItem(name, help=safe(text)) for name, text in categories if name.startswith(incomplete)]


@click.group(
    name="kmserr",
    cls=_Group,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_STATUS_HELP,
)
@click.option(
    "-V", "--version", is_flag=True, expose_value=False, is_eager=True,
    callback=lambda ctx, _, value: _version(ctx, value),
    help="Show the version and the scanning engine, and exit.",
)
@global_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Explain Tencent Cloud KMS error codes and find them in logs.

    \b
    Examples:
      kmserr lookup 10630
      kmserr parse "(100004) incorrect projectId"
      kmserr list --category throttling
      tail -f app.log | kmserr grep
    """
    if ctx.invoked_subcommand is None:  # `kmserr` alone: show what it can do
        click.echo(ctx.get_help())
        ctx.exit(FOUND)


@cli.command()
@click.argument("codes", nargs=-1, required=True, metavar="CODE...", shell_complete=_complete_codes)
@output_options()
@click.pass_context
def lookup(ctx: click.Context, codes: tuple[str, ...], fmt: str | None, color: str | None, lang: str | None) -> None:
    """Look up codes: a module code, an error code group, or words to search for.

    A module code (10630) gives its entry; an error code (4000) gives its entry and every entry
    of its group; a code name (ResourceUnavailable.CmkDisabled, any letter case) gives its entry,
    and a family (ResourceUnavailable) its members; anything else searches messages and
    descriptions in English and Chinese, best match first.

    Exit status: 0 every code found, 1 some code not found, 2 usage or input error.

    \b
    Examples:
      kmserr lookup 10630
      kmserr lookup 4000 --format json
      kmserr lookup ResourceUnavailable.CmkDisabled
      kmserr lookup AuthFailure
      kmserr lookup "key disabled"
    """
    registry = registry_in_use()
    found: list[Entry] = []
    answers: list[tuple[Entry, str, str]] = []  # each entry with the query it answers, and how
    status = FOUND
    for query in codes:
        result = registry.lookup(query)
        if not result.entries:
            status = NOT_FOUND
            hint = f"; did you mean {', '.join(result.suggestions)}?" if result.suggestions else ""
            click.echo(f"kmserr: no entry for {_quoted(query)}{hint}", err=True)
        elif result.substitutes:  # a typo of a code must not pass for the code itself
            shown = [e.code for e in result.entries[:3]] + (["..."] if len(result.entries) > 3 else [])
            listed = render.terminal_safe(", ".join(shown))
            click.echo(f"kmserr: note: no code {_quoted(query)}; showing what a search for it finds: {listed}",
                       err=True)
        for entry in result.entries:
            if entry not in found:
                found.append(entry)
                answers.append((entry, query, result.kind))
    _ends_with(ctx, status)
    if found:
        fmt = choose_format(fmt)
        style = choose_style(color, lang, registry)
        if fmt == "json":  # JSON says what each entry answers: a code, its group, or a search for it
            from .render.json import lookup_entries

            lookup_entries(answers, _text_out(fmt), style)
        else:
            render.ENTRY_RENDERERS[fmt](found, _text_out(fmt), style)
    for entry in found:
        if registry.overrides(entry):
            note = f"{entry.code} comes from {entry.origin}, which overrides kmserr's own entry"
            click.echo(f"kmserr: note: {note}", err=True)
    ctx.exit(status)


@cli.command()
@click.argument("text", required=False)
@envelope_option
@output_options()
@click.pass_context
def parse(
    ctx: click.Context, text: str | None, envelope: str, fmt: str | None, color: str | None, lang: str | None
) -> None:
    """Explain an error message, JSON body or SDK exception text.

    Reads standard input (up to 64 MiB) when TEXT is absent or "-". Reports each error's code,
    module code, error code, message, request ID and the form it was found in, and its catalogue
    entry when the code is known. Every SDK's exception text, API 3.0 and legacy JSON bodies, legacy
    "(10630) message" text and code names standing alone are recognised.

    Exit status: 0 an error found, 1 none found, 2 usage or input error.

    \b
    Examples:
      kmserr parse "(100004) incorrect projectId"
      kmserr parse '{"code":4000,"message":"(10010)lacked of required parameters"}'
      kmserr parse "[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:... requestId:..."
      kmserr parse < response.json
    """
    if text is None or text == "-":
        stdin = sys.stdin.buffer
        if text is None and _is_tty(stdin):
            raise click.UsageError("give TEXT, or pipe the message into standard input")
        text = _read_input(stdin)
    from .explanation import explain_text

    registry = registry_in_use()
    items = explain_text(text, registry, envelope=envelope)
    if not items:
        click.echo("kmserr: no error code found in the input", err=True)
        ctx.exit(NOT_FOUND)
    note_overrides(i.entry for i in items if i.entry is not None and registry.overrides(i.entry))
    _ends_with(ctx, FOUND)
    fmt = choose_format(fmt)
    render.EXPLANATION_RENDERERS[fmt](items, _text_out(fmt), choose_style(color, lang, registry))
    for item in items:
        entry = item.entry
        if item.message_agrees is False and entry is not None:
            click.echo(
                f"kmserr: note: the message of {item.finding.code} differs from the catalogue's "
                f"({entry.message!r})",
                err=True,
            )
    ctx.exit(FOUND)


@cli.command(name="list")
@click.option("--error-code", "error_code", type=int, help="Only entries of this error code group (4000, ...).")
@click.option("--category", shell_complete=_complete_categories, help="Only entries of this category.")
@click.option("--retryable/--not-retryable", default=None, help="Only errors that a retry can (or cannot) fix.")
@click.option("--action", help="Only the codes that this KMS API action (Decrypt, ...) can return.")
@click.option("--product", help="Only entries of this product (kms, common, sdk).")
@click.option("--generation", type=click.Choice(GENERATIONS), help="Only entries of this generation.")
@output_options([*FORMATS, "csv", "markdown"])
@click.pass_context
def list_(
    ctx: click.Context, error_code: int | None, category: str | None, retryable: bool | None,
    action: str | None, product: str | None, generation: str | None, fmt: str | None, color: str | None,
    lang: str | None,
) -> None:
    """List the catalogue, sorted by product and code.

    Exit status: 0 entries listed, 1 no entry matches the filters, 2 usage or input error.

    \b
    Examples:
      kmserr list
      kmserr list --category throttling
      kmserr list --action Decrypt
      kmserr list --error-code 4000 --not-retryable --format json
      kmserr list --product kms --format csv > kms-errors.csv
      kmserr list --action Decrypt --format markdown
    """
    registry = registry_in_use()
    try:
        entries = registry.filter(
            error_code=error_code, category=category, retryable=retryable, action=action, product=product,
            generation=generation,
        )
    except UnknownFilter as exc:
        raise InputError(f"list: {exc}") from None
    if not entries:
        click.echo("kmserr: no entry matches these filters", err=True)
        ctx.exit(NOT_FOUND)
    _ends_with(ctx, FOUND)
    fmt = choose_format(fmt)
    render.ENTRY_RENDERERS[fmt](entries, _text_out(fmt), choose_style(color, lang, registry))
    ctx.exit(FOUND)


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--format", "fmt", type=click.Choice(["plain", "json"]), default=None, callback=_or_global,
              help="One problem a line as file:line:column: message, or a JSON array [default: plain].")
@click.option(
    "--catalog", "catalogs", multiple=True, metavar="FILE", expose_value=False, callback=_remember_catalogs,
    help="A team catalogue already in use, whose categories and codes the FILEs must agree with (repeatable).",
)
@click.pass_context
def check(ctx: click.Context, files: tuple[str, ...], fmt: str | None) -> None:
    """Validate team catalogue files: the schema of data/errors.toml, and no contradictions.

    Prints each problem on its own line as file:line:column: message. Categories of kmserr's own
    catalogue, and of the team files in use (the config folder, KMSERR_CATALOG, --catalog), may be
    used without declaring them again.

    Exit status: 0 every file is valid, 2 a problem was found (or a usage error).

    \b
    Examples:
      kmserr check ~/.config/kmserr/team.toml
      kmserr check team.toml payments.toml --format json
    """
    from .catalogue import check_files

    checked = {os.path.abspath(f) for f in files}
    in_use = [path for path in _team_files(ctx) if os.path.abspath(path) not in checked]
    problems = check_files(files, in_use)
    _ends_with(ctx, TROUBLE if problems else FOUND)
    fmt = fmt or "plain"
    out = _text_out(fmt)  # not click.echo, which would re-encode a file name's bytes in some locales
    if fmt == "json":
        records = [{"file": p.path, "line": p.line, "column": p.column, "message": p.message} for p in problems]
        # A file name's undecodable bytes would make the document invalid UTF-8: U+FFFD instead.
        out.write(streams.valid_text(render.json_text(records)))
    else:
        # Key names and paths come from the files: their controls are shown, never obeyed; into a
        # pipe a file name's undecodable bytes go as they are, so that the name still opens the file.
        from .controls import characters_safe

        shown = render.terminal_safe if _is_tty(sys.stdout) else characters_safe
        for p in problems:
            out.write(shown(f"{p.path}:{p.line or 1}:{p.column or 1}: {p.message}") + "\n")
    if not problems:
        click.echo(f"kmserr: {len(files)} file{'s' if len(files) > 1 else ''} valid", err=True)
    ctx.exit(TROUBLE if problems else FOUND)


@cli.command()
# Plain strings, not click.Path: Click would refuse the whole command for one unreadable file,
# where grep reports that file and searches the others.
@click.argument("files", nargs=-1, metavar="[FILE...]")
@click.option("-r", "--recursive", is_flag=True,
              help="Search the files under each directory FILE (the current directory when none is given), "
                   "as grep -r does; symbolic links inside them are not followed.")
@click.option("-c", "--count", is_flag=True, help="Print only the number of matching lines.")
@click.option("--summary", is_flag=True,
              help="Print only the codes, by how often they occurred, with when each was first and last seen.")
@click.option("-l", "--files-with-matches", "files_only", is_flag=True,
              help="Print only the names of files with a match (reading each only up to its first); "
                   "wins over -c and --summary, as in GNU grep.")
@click.option("--timeline", is_flag=True,
              help="Print how many errors of each code per time bucket: a chart on a terminal, or rows "
                   "(--format json, csv, plain). Times are shown in UTC; a time without a zone is taken as UTC.")
@click.option("--bucket", metavar="SIZE",
              help="The time bucket of --timeline: Ns, Nm, Nh or Nd [default: from the span, at most 60 buckets].")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per matching line (same as --format json).")
@click.option("-n", "--line-number", "line_numbers", is_flag=True, help="Prefix each line with its line number.")
@click.option(
    "-H/--no-filename", "--with-filename", "with_filename", default=None,
    help="Prefix each line with its file name [default: with several files].",
)
@click.option("-A", "--after-context", "after", type=CONTEXT_LINES, default=0, metavar="NUM",
              help="Print NUM lines after each match.")
@click.option("-B", "--before-context", "before", type=CONTEXT_LINES, default=0, metavar="NUM",
              help="Print NUM lines before each match.")
@click.option("-C", "--context", "around", type=CONTEXT_LINES, default=None, metavar="NUM",
              help="Print NUM lines before and after each match.")
@click.option("--code", "codes", multiple=True, metavar="CODE", shell_complete=_complete_codes,
              help="Only this code, or family (AuthFailure takes AuthFailure.*); repeatable.")
@click.option("--category", shell_complete=_complete_categories, help="Only errors of this category.")
@click.option("--retryable/--not-retryable", default=None, help="Only errors that a retry can (or cannot) fix.")
@click.option("--unknown", is_flag=True, help="Only codes that are not in the catalogue.")
@click.option("--annotate/--no-annotate", default=True, show_default=True,
              help="Follow each line with what its errors mean.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Search a large file (16 MiB or more), or standard input as fast as it comes, in N "
                   "processes, output in order [default: the number of cores]. Not with -A/-B/-C, -l or "
                   "--timeline, nor for .gz/.bz2/.xz files.")
@envelope_option
@output_options(
    ("terminal", "json", "plain", "csv", "table"),
    "Output format: terminal (for a person: coloured lines and what they mean, a table with --summary, "
    "a chart with --timeline; `table` is the old name), json, plain, or csv with --timeline "
    "[default: terminal on a terminal, plain otherwise].",
)
@click.pass_context
def grep(
    ctx: click.Context, files: tuple[str, ...], recursive: bool, count: bool, summary: bool, files_only: bool,
    timeline: bool, bucket: str | None, as_json: bool,
    line_numbers: bool, with_filename: bool | None, after: int, before: int, around: int | None,
    codes: tuple[str, ...], category: str | None, retryable: bool | None, unknown: bool, annotate: bool,
    jobs: int | None, envelope: str, fmt: str | None, color: str | None, lang: str | None,
) -> None:
    """Print the lines of FILEs (or standard input) that carry KMS errors, explained.

    Reads standard input when no FILE is given or FILE is "-"; .gz, .bz2 and .xz files (rotated
    logs) are read as they are; with -r, the files under a directory FILE. A live stream is shown
    as it arrives; lines come out with their bytes as they were.

    Exit status: 0 a line matched, 1 no line matched, 2 an error (even if a line matched).

    \b
    Examples:
      kmserr grep app.log
      tail -f app.log | kmserr grep | tee errors.txt
      kmserr grep --summary app.log.2.gz app.log.1 app.log
      kmserr grep --code AuthFailure --code 10630 -C 2 app.log
      kmserr grep --not-retryable -l /var/log/app/*.log
      kmserr grep -r -c /var/log/app
      kmserr grep --json app.log | jq .matches[0].code
      kmserr grep --timeline --bucket 5m --code RequestLimitExceeded app.log
    """
    from .search import OTHER_CODES, Filter, Search, default_jobs

    if as_json:
        fmt = "json"
    elif fmt == "terminal":
        fmt = "table"  # what the renderers call the format for a person at a terminal
    counter = _timeline_counter(timeline, bucket, fmt, count, summary, files_only, after, before, around)
    if around is not None:
        before = before or around
        after = after or around
    registry = registry_in_use()
    try:
        registry.check_category(category)
        registry.check_codes(codes)
    except UnknownFilter as exc:
        raise InputError(f"grep: {render.terminal_safe(str(exc))}") from None
    note_overrides(registry.overriding())  # before the output: every line's advice may be the team's
    operands = list(files) or (["."] if recursive else ["-"])
    walk_failed = False
    paths: Iterable[str] = operands
    if recursive:
        from .walk import files_under

        def unreadable(path: str, problem: str) -> None:
            nonlocal walk_failed
            walk_failed = True
            _note(f"kmserr: grep: {render.terminal_safe(path)}: {problem}")

        walked = files_under(operands, unreadable)
        # `kmserr grep -r` names the files under the current directory as GNU grep does: `a/b.log`.
        paths = (p[2:] if not files and p.startswith("./") else p for p in walked)
    many = len(operands) > 1 or (recursive and any(os.path.isdir(p) for p in operands))
    show_names = with_filename if with_filename is not None else many
    style = choose_style(color, lang, registry)
    out = streams.binary_stdout()
    # A report replaces the matched lines; as GNU grep, -l wins over -c (and --summary).
    report = "files-with-matches" if files_only else "count" if count else "summary" if summary else None
    fmt = choose_format(fmt)

    def printer(into: IO[bytes]) -> Any:
        return render.line_printer(
            into, fmt, style, with_filename=show_names, line_numbers=line_numbers, annotate=annotate,
            encoding=getattr(sys.stdout, "encoding", None) or "utf-8",
        )

    sink = None if report or counter is not None else printer(out)
    if sink is not None and (before or after):
        from .render.groups import FileGroups

        sink = FileGroups(sink)
    try:
        run = Search(
            registry,
            sink,
            # A file name is user input too: control characters in it are shown, not obeyed.
            on_error=lambda path, problem: _note(f"kmserr: grep: {render.terminal_safe(path)}: {problem}"),
            count_lines=line_numbers or fmt == "json",
            only=Filter(codes, category, retryable, unknown),
            before=0 if report or counter is not None else before,
            after=0 if report or counter is not None else after,
            files_only=files_only,
            jobs=jobs or default_jobs(),
            count_codes=report == "summary",
            printer=printer,
            out=out,
            timeline=counter,
            envelope=envelope,
        )
    except Exception as exc:
        from .engines import EngineError  # here: a search on the compiled core needs no engine module

        if isinstance(exc, EngineError):
            raise InputError(str(exc)) from None
        raise
    if ctx.meta.get(_PROCESS):
        _settle()
    try:
        for path in paths:
            run.search(path)
            if report == "files-with-matches" and run.lines_per_input[-1:] and run.lines_per_input[-1][1]:
                render.REPORTS[report](run.lines_per_input[-1][0], out)
        if report == "count":
            render.REPORTS[report](run.lines_per_input, _text_out(), show_names)
        elif report == "summary":
            from .render.summary import ranked

            rows = ranked(((code, s.times, s.example, s.first, s.last) for code, s in run.seen.items()), style,
                          OTHER_CODES)
            render.REPORTS[report](rows, fmt, _text_out(fmt), style)
        elif counter is not None:
            _render_timeline(counter, fmt, style)
        out.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as grep does, with what was found so far.
        _silence_stdout()
    ctx.exit(TROUBLE if run.failed or walk_failed else FOUND if run.matched else NOT_FOUND)


def _timeline_counter(
    timeline: bool, bucket: str | None, fmt: str | None, *excluded: object
) -> Timeline | None:
    """--timeline's counter, or None without it; a size or an option that does not go with it is a usage error."""
    if not timeline:
        if bucket is not None:
            raise InputError("grep: --bucket goes with --timeline")
        if fmt == "csv":
            raise InputError("grep: --format csv goes with --timeline")
        return None
    names = ("-c", "--summary", "-l", "-A", "-B", "-C")
    clashing = [name for name, value in zip(names, excluded, strict=True) if value not in (False, 0, None)]
    if clashing:
        raise InputError(f"grep: --timeline cannot be combined with {', '.join(clashing)}")
    from .timeline import Timeline, parse_bucket  # here: a grep without --timeline needs neither

    try:
        return Timeline(None if bucket is None else parse_bucket(bucket))
    except ValueError as exc:
        raise InputError(f"grep: --bucket: {render.terminal_safe(str(exc))}") from None


def _render_timeline(counter: Timeline, fmt: str, style: Style) -> None:
    """Print a timeline; what was merged or not placed is said on stderr (under the chart, the latter)."""
    from .render.timeline import RENDERERS, unplaced_text
    from .timeline import MAX_BUCKETS, size_text

    counts = counter.counts()
    if counts.merged and counts.requested is not None:
        click.echo(
            f"kmserr: grep: --timeline: more than {MAX_BUCKETS:,} buckets of {size_text(counts.requested)}: "
            f"counted in buckets of {size_text(counts.size)}",
            err=True,
        )
    RENDERERS[fmt](counts, _text_out(fmt), style)
    if counts.unplaced and fmt != "table":
        click.echo(f"kmserr: grep: {unplaced_text(counts.unplaced)}", err=True)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for a shell: commands, options, and codes with their messages.

    \b
    Install it once:
      bash: kmserr completion bash > ~/.local/share/bash-completion/completions/kmserr
      zsh:  kmserr completion zsh > ~/.zfunc/_kmserr   (with fpath+=~/.zfunc before compinit)
      fish: kmserr completion fish > ~/.config/fish/completions/kmserr.fish

    Exit status: 0, or 2 for a shell it does not know.

    \b
    Examples:
      kmserr completion zsh > ~/.zfunc/_kmserr
      eval "$(kmserr completion bash)"
    """
    from click.shell_completion import get_completion_class

    completion_class = get_completion_class(shell)
    assert completion_class is not None  # the choice above lists only shells that Click knows
    click.echo(completion_class(cli, {}, "kmserr", "_KMSERR_COMPLETE").source())


class _Terminated(Exception):
    """SIGTERM arrived: end as a process killed by it would, but quietly."""


class _Interrupted(BaseException):
    """SIGINT arrived. Not KeyboardInterrupt, which Click answers with an empty line on stderr."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def _on_sigint(signum: int, frame: object) -> None:
    raise _Interrupted


STATUS = "kmserr.status"  # ctx.meta: the status a command ends with, known before it writes
_PROCESS = "kmserr.process"  # ctx.meta: the command runs as its own process (`main`), not in a host's


def _settle() -> None:
    """Before a search, in its own process only: what start-up made lives to the end, so the
    collector need not walk it again (`gc.freeze`, which forked -j parts share untouched), and
    collects young objects less often: a search makes millions, few in cycles (5% of a pure
    Python search of an incident log went to collections)."""
    import gc

    gc.freeze()
    gc.set_threshold(20_000, 50, 1_000)


def _ends_with(ctx: click.Context, status: int) -> None:
    """Say the status before writing, so that a reader that goes away (`| head`) does not change it."""
    ctx.meta[STATUS] = status


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command as a process: every way it can end is one status and at most one line.

    A closed pipe ends quietly with the status of what was found; Ctrl-C ends with 130 and SIGTERM
    with 143, as a shell reports a process killed by them; a full disk or another output error is
    one line and 2.
    """
    try:  # the C module: `signal` itself makes IntEnums of every signal, 1 ms of every start
        import _signal as signal  # type: ignore[import-not-found]  # (typeshed has no stub for it)
    except ImportError:  # pragma: no cover - an interpreter without it
        import signal

    status = FOUND
    before_term = before_int = None
    try:
        # Inside the try: a signal the moment after its handler is set is caught below.
        with contextlib.suppress(ValueError, OSError):  # not the main thread, or a platform without it
            before_term = signal.signal(signal.SIGTERM, _on_sigterm)
            before_int = signal.signal(signal.SIGINT, _on_sigint)
        streams.prepare()
        status = _run(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except (_Interrupted, KeyboardInterrupt, click.exceptions.Abort):
        _silence_stdout()
        status = 130
    except _Terminated:
        _silence_stdout()
        status = 143
    except OSError as exc:  # writing the output failed: /dev/full, a vanished disk, a closed descriptor
        _silence_stdout()
        _note(f"kmserr: {exc.strerror or exc}")
        status = TROUBLE
    finally:
        # Done: the handlers that raise give way to those before them (the command's, which end the
        # process quietly: kmserr/__main__.py), so that a signal while Python tears down (atexit,
        # threads' shutdown) prints no traceback. Inline, not a function: no check for a signal
        # between the last handler and the restored one.
        if before_int is not None:
            signal.signal(signal.SIGINT, before_int)
        if before_term is not None:
            signal.signal(signal.SIGTERM, before_term)
    sys.exit(status)


def _note(line: str) -> None:
    """One line on standard error, if it can be written: a full or closed standard error loses the
    message, never the run or its status (2 says that something went wrong)."""
    try:
        click.echo(line, err=True)
    except (OSError, ValueError):
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stderr.fileno())  # the final flush must not fail either


def _run(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if os.environ.get("_KMSERR_COMPLETE"):  # the shell asks for completions: Click answers and exits
        cli.main(args=args, prog_name="kmserr", standalone_mode=False)
        return FOUND
    # Click's own `main` turns a closed pipe into status 1 and Ctrl-C into an empty line: run the
    # command here instead, so that both end as `main` says.
    ctx: click.Context | None = None
    try:
        ctx = cli.make_context("kmserr", args)
        ctx.meta[_PROCESS] = True
        with ctx:
            result = cli.invoke(ctx)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except BrokenPipeError:
        _silence_stdout()
        return int(ctx.meta.get(STATUS, FOUND)) if ctx is not None else FOUND
    except (KeyboardInterrupt, _Interrupted, click.exceptions.Abort, _Terminated, OSError):
        raise
    except Exception as exc:  # a bug: still one line, never a traceback (KMSERR_DEBUG=1 shows it)
        if os.environ.get("KMSERR_DEBUG"):
            raise
        sys.stderr.write(f"kmserr: internal error: {type(exc).__name__}: {exc}\n")
        return TROUBLE
    return result if isinstance(result, int) else FOUND


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
