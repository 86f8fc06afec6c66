"""`make run` from a shell that exported .data/stack.env must not erase the file's addresses
(it did: `stack up` skipped the services the environment named and wrote the file without
them, so every other shell and tool lost the database)."""

from contactpoint import stack


def test_it_keeps_the_lines_of_services_taken_from_the_environment(tmp_path, monkeypatch):
    env_file = tmp_path / "stack.env"
    monkeypatch.setattr(stack, "ENV_FILE", env_file)
    stack.write_env_file({"DATABASE_URL": "postgres://a@h:1/db", "REDIS_URL": "redis://h:2/0"})
    kept = stack._env_file_entries()
    assert kept == {"DATABASE_URL": "postgres://a@h:1/db", "REDIS_URL": "redis://h:2/0"}
    stack.write_env_file({**kept, "REDIS_URL": "redis://h:3/0"})
    assert stack._env_file_entries()["DATABASE_URL"] == "postgres://a@h:1/db"
    assert stack._env_file_entries()["REDIS_URL"] == "redis://h:3/0"
