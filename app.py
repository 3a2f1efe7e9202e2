"""Start the parkqa web chat, the same as ``parkqa serve`` (settings from PARKQA_* variables)."""
import sys

from parkqa.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
