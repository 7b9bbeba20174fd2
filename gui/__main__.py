"""`python -m gui`: the same as `backprop-studio` (the window, or a headless command)."""
import sys

from main import main

sys.exit(main())
