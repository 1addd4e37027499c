"""`python -m kata`: the same CLI as the `kata` script (what `kata cohort --jobs` starts
for each learner, since the script's path depends on how kata was installed)."""

from kata.cli.main import app

if __name__ == "__main__":  # importing the module (e.g. walking the package) runs nothing
    app()
