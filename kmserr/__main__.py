"""`python -m kmserr`."""

from kmserr.cli import main

if __name__ == "__main__":
    main()
