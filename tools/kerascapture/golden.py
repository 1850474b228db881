"""The project's capture core (tools/golden/capture_core.py): how a layer call becomes a
golden case and how cases are written, shared by every tool that writes golden files."""

import os
import sys

_GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden")


def capture_core():
    if _GOLDEN not in sys.path:
        sys.path.insert(0, _GOLDEN)
    import capture_core as core
    return core
