import pytest

from kata.errors import NoDockerfile, NotARepo, OutsideRepo, UsageError
from kata.repo import open_repo


def test_lowercase_dockerfile_is_found(tmp_path):
    (tmp_path / "dockerfile").write_text("FROM scratch\n")
    assert open_repo(tmp_path).dockerfile().name == "dockerfile"


def test_nested_dockerfile_suggests_kata_toml(tmp_path):
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "Dockerfile").write_text("FROM scratch\n")
    with pytest.raises(NoDockerfile) as e:
        open_repo(tmp_path).dockerfile()
    assert 'dockerfile = "backend/Dockerfile"' in e.value.fix


def test_kata_toml_names_dockerfile_and_context(tmp_path):
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "kata.toml").write_text(
        'dockerfile = "backend/Dockerfile"\nexercise = "rest-api"\n')
    repo = open_repo(tmp_path)
    assert repo.dockerfile() == (tmp_path / "backend" / "Dockerfile").resolve()
    assert repo.build_context() == (tmp_path / "backend").resolve()
    assert repo.exercises == ["rest-api"]


def test_kata_toml_cannot_point_outside(tmp_path):
    (tmp_path / "kata.toml").write_text('dockerfile = "../../etc/passwd"\n')
    with pytest.raises(OutsideRepo, match="leads outside the repository"):
        open_repo(tmp_path).dockerfile()


def test_empty_repo_and_missing_path(tmp_path):
    with pytest.raises(NoDockerfile, match="no Dockerfile"):
        open_repo(tmp_path).dockerfile()
    with pytest.raises(UsageError):
        open_repo(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotARepo):
        open_repo(tmp_path / "file")


def _git(path, *args):
    import subprocess
    subprocess.run(["git", "-C", str(path), "-c", "user.name=k", "-c", "user.email=k@k",
                    *args], check=True, capture_output=True)


def test_dirty_says_whether_the_work_tree_differs_from_its_commit(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    repo = open_repo(tmp_path)
    assert repo.commit() is None and not repo.dirty()  # not a git repository at all
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "Dockerfile")
    _git(tmp_path, "commit", "-qm", "x")
    assert repo.commit() and not repo.dirty()
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCMD x\n")
    assert repo.dirty()
    _git(tmp_path, "commit", "-qam", "y")
    assert not repo.dirty()
    (tmp_path / "app.py").write_text("new")  # untracked, but the build may COPY it
    assert repo.dirty()


def test_dirty_runs_nothing_the_repositorys_config_names(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "Dockerfile")
    _git(tmp_path, "commit", "-qm", "x")
    marker = tmp_path.parent / f"{tmp_path.name}-ran"
    _git(tmp_path, "config", "core.fsmonitor", f"touch {marker}; false")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCMD x\n")
    assert open_repo(tmp_path).dirty()
    _git(tmp_path, "config", "filter.evil.clean", f"touch {marker}; cat")
    (tmp_path / ".gitattributes").write_text("* filter=evil\n")
    open_repo(tmp_path).dirty()
    assert not marker.exists()
