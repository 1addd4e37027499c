"""The leaderboard: graded reports recorded in a store (SQLite, or PostgreSQL for a
cohort), ranked per exercise, per week and overall, and rendered for a terminal, a
README (Markdown), machines (JSON) and a browser (one static HTML file).

Data flows one way: Report → ``Entry`` (entry.py) → ``Store`` (store.py) → ``Board``
(ranking.py, pure) → render_*.py. Every output renders the same boards, so they agree.
"""

from kata.leaderboard.entry import Entry, entry_from_report, learner_of, run_key
from kata.leaderboard.ranking import Board, Standing, build_boards
from kata.leaderboard.store import Store, open_store

__all__ = [
    "Board",
    "Entry",
    "Standing",
    "Store",
    "build_boards",
    "entry_from_report",
    "learner_of",
    "open_store",
    "run_key",
]
