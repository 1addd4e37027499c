"""Grader stages. Each is a function registered under the grader name that requirements
use in exercise.toml; the engine runs the stages an exercise declares, in its order."""

# Importing the modules registers the built-in stages (as plugins of the same registry an
# outsider would use).
from kata.stages import boot, contract, load, schema  # noqa: F401
from kata.stages.registry import STAGES, StageContext, get_stage, stage

__all__ = ["STAGES", "StageContext", "get_stage", "stage"]
