"""``python -m biomark`` runs the command line."""

from biomark.cli import main

if __name__ == "__main__":
    main()
