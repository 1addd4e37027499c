"""A legacy build's log read as steps, cached or run (kata.buildlog)."""

from kata.buildlog import build_steps

LOG = """Step 1/4 : FROM python:3.12-slim
 ---> 0a1b2c3d4e5f
Step 2/4 : COPY requirements.txt .
 ---> Using cache
 ---> 1b2c3d4e5f60
Step 3/4 : RUN pip install -r requirements.txt
 ---> Running in 2c3d4e5f6071
Collecting fastapi
 ---> 3d4e5f607182
Step 4/4 : COPY . .
 ---> 4e5f60718293
"""


def test_steps_and_which_reused_the_cache():
    steps = build_steps(LOG.splitlines())
    assert [(s.instruction, s.cached) for s in steps] == [
        ("FROM python:3.12-slim", False),
        ("COPY requirements.txt .", True),
        ("RUN pip install -r requirements.txt", False),
        ("COPY . .", False),
    ]


def test_a_line_of_the_programs_output_is_not_a_step():
    assert build_steps(["Collecting x", " ---> Using cache"]) == []
