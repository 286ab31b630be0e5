"""Run `python -m loket.cli`."""

from loket.cli import main

main()
