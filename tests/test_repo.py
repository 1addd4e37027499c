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
