"""The `loket` command: one group, one module per concern, each imported only when used."""

from __future__ import annotations

import importlib
from typing import Any

import click

from loket.cli.help import Group

# name -> "module:attribute"; a module is imported only when its command runs (or on --help),
# so `loket route` starts without importing Flask and the store.
COMMANDS = {
    "dev": "loket.cli.processes:dev_command",
    "serve": "loket.cli.processes:serve_command",
    "worker": "loket.cli.processes:worker_command",
    "scheduler": "loket.cli.processes:scheduler_command",
    "db": "loket.cli.db:db_group",
    "demo": "loket.cli.demo:demo_command",
    "user": "loket.cli.users:user_group",
    "token": "loket.cli.users:token_group",
    "route": "loket.cli.route:route_command",
    "rules": "loket.cli.route:rules_group",
    "simulate": "loket.cli.simulate:simulate_group",
    "audit": "loket.cli.audit:audit_group",
    "report": "loket.cli.reports:report_command",
    "capacity": "loket.cli.reports:capacity_command",
    "erase": "loket.cli.retention:erase_command",
    "purge": "loket.cli.retention:purge_command",
}


class LazyGroup(Group):
    """A group whose sub-commands are imported on first use (click's documented pattern);
    its help, as every command's, in the locale's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_path = "loket"

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return every command name, without importing any."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return one command."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="loket")
def main() -> None:
    """Loket: intake and routing for the 24/7 Loket, the Veteranenloket and De Basis."""
