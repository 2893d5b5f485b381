"""python -m resonanz."""

from resonanz.cli import main

main()
