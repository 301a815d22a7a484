"""``python -m bankflow.bronze --day D``; also a script for ``spark-submit``."""

import sys

from bankflow.bronze.job import main

if __name__ == "__main__":
    sys.exit(main())
