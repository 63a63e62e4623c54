import sys

from nexus_platform.cli import main

sys.exit(main())
