"""python -m resonanz."""

from resonanz.cli import main

# Guarded: a child process spawned by multiprocessing (web training jobs) imports the
# parent's __main__ module under another name and must not run the CLI again.
if __name__ == "__main__":
    main()
