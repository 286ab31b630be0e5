"""The `loket` command: one group, one module per concern."""

from __future__ import annotations

import click

from loket.cli import db, demo, processes, route, users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="loket")
def main() -> None:
    """Loket: intake and routing for the 24/7 Loket, the Veteranenloket and De Basis."""


main.add_command(processes.dev_command)
main.add_command(processes.serve_command)
main.add_command(processes.worker_command)
main.add_command(processes.scheduler_command)
main.add_command(db.db_group)
main.add_command(demo.demo_command)
main.add_command(users.user_group)
main.add_command(users.token_group)
main.add_command(route.route_command)
main.add_command(route.rules_group)
