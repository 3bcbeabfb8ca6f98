"""``python -m neuronlab`` runs the CLI."""

from neuronlab.cli import main

main()
