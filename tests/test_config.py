from __future__ import annotations

from pathlib import Path

import pytest

from observer.config import load_config
from observer.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "observer.yaml"
    path.write_text(text)
    return path


def test_env_interpolation_and_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
store: sqlite:///meta/observer.db
sources:
  - type: snowflake
    name: prod
    account: xy123
    password: ${SF_PASSWORD}
    role: ${SF_ROLE:-OBSERVER}
alerting:
  slack: {token: "${SLACK_BOT_TOKEN}"}
""",
    )
    env = {"SF_PASSWORD": "hunter2", "SLACK_BOT_TOKEN": "xoxb-1", "OBSERVER_SERVER__PORT": "9001"}
    settings = load_config(path, env=env)
    assert settings.server.port == 9001
    assert settings.store_url == f"sqlite:///{tmp_path / 'meta' / 'observer.db'}"
    opts = settings.sources[0].options
    assert opts["role"] == "OBSERVER"
    assert opts["password"].get_secret_value() == "hunter2"
    assert settings.alerting.slack.token is not None
    assert settings.alerting.slack.token.get_secret_value() == "xoxb-1"


def test_secrets_never_printed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "store: postgresql://obs:pgsecret@db/observer\nsources:\n  - {type: snowflake, password: sfsecret, private_key: pk}\n"
        "alerting: {slack: {token: xoxb-secret}}\n",
    )
    settings = load_config(path, env={})
    shown = repr(settings) + str(settings.redacted()) + str(settings)
    for secret in ("sfsecret", "xoxb-secret", "pk'", "pgsecret"):
        assert secret not in shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("server:\n  port: abc\n", "observer.yaml: server.port: Input should be a valid integer"),
        ("teams:\n  - slack_channel: '#x'\n", "observer.yaml: teams[0].name: Field required"),
        ("store: just-a-file.db\n", "observer.yaml: store: Value error, expected a database URL"),
        ("server: [1\n", "observer.yaml: line 2, column 1: not valid YAML"),
        ("- 1\n- 2\n", "observer.yaml: expected a mapping"),
        ("sources:\n  - {type: x, password: '${NOPE}'}\n", "observer.yaml: sources[0].password: environment variable NOPE"),
        ("nonsense_key: 1\n", "observer.yaml: nonsense_key: Extra inputs are not permitted"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env={})
    message = str(err.value)
    assert "\n" not in message
    assert message.endswith(message.split(": ")[-1])
    assert message.replace(str(tmp_path) + "/", "").startswith(expected)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml", env={})


def test_starter_config_is_valid(tmp_path: Path) -> None:
    from observer.cli.init import starter_config

    settings = load_config(write(tmp_path, starter_config()), env={})
    assert settings.teams[0].name == "data-platform"
    assert settings.alerting.dry_run is True
