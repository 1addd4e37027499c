"""kata — grades learner repositories for a backend engineering roadmap.

The public surface is small and pinned by tests/test_public_api.py.
"""

__version__ = "0.1.0"

from kata.errors import ExitCode, KataError
from kata.outcomes import Outcome, Status

__all__ = ["__version__", "ExitCode", "KataError", "Outcome", "Status"]
