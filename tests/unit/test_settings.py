"""Settings: defaults, environment, TOML file, precedence, masking and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.settings import OPTIONS, Settings, SettingsError, load_settings


def test_defaults_are_embedded_sqlite_and_redis(tmp_path: Path) -> None:
    s = load_settings({"CALLCENTER_DATA_DIR": str(tmp_path)})
    assert s.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'callcenter.db'}"
    assert s.embedded_redis
    assert s.redis_socket == tmp_path.resolve() / "redis" / "redis.sock"
    assert s.timezone == "Europe/Brussels"


def test_environment_beats_file_beats_default(tmp_path: Path) -> None:
    cfg = tmp_path / "cc.toml"
    cfg.write_text('[callcenter]\nweb_port = 9000\nlog_level = "DEBUG"\n', encoding="utf-8")
    s = load_settings({"CALLCENTER_DATA_DIR": str(tmp_path), "CALLCENTER_WEB_PORT": "9100"}, cfg)
    assert s.web_port == 9100
    assert s.log_level == "DEBUG"


def test_config_file_from_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "cc.toml"
    cfg.write_text("competence_counts_saturdays = true\n", encoding="utf-8")
    s = load_settings({"CALLCENTER_DATA_DIR": str(tmp_path), "CALLCENTER_CONFIG": str(cfg)})
    assert s.competence_counts_saturdays is True


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"CALLCENTER_WEB_PORT": "eighty"}, "CALLCENTER_WEB_PORT"),
        ({"CALLCENTER_YEAR_END_CLOSURE": "perhaps"}, "CALLCENTER_YEAR_END_CLOSURE"),
    ],
)
def test_unusable_values_name_the_variable(tmp_path: Path, env: dict[str, str], needle: str) -> None:
    with pytest.raises(SettingsError, match=needle):
        load_settings({"CALLCENTER_DATA_DIR": str(tmp_path), **env})


def test_unknown_option_in_file_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "cc.toml"
    cfg.write_text("web_prot = 1\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="web_prot"):
        load_settings({"CALLCENTER_DATA_DIR": str(tmp_path)}, cfg)


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"CALLCENTER_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"CALLCENTER_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_describe_masks_secrets(tmp_path: Path) -> None:
    s = load_settings({
        "CALLCENTER_DATA_DIR": str(tmp_path),
        "CALLCENTER_DATABASE_URL": "postgresql+psycopg://app:hunter2@db.example:5432/cc",
        "CALLCENTER_SECRET_KEY": "very-secret",
    })
    shown = {row["name"]: row["value"] for row in s.describe()}
    assert "hunter2" not in str(shown)
    assert shown["database_url"] == "postgresql+psycopg://***@db.example:5432/cc"
    assert shown["secret_key"] == "***"


def test_every_option_is_a_settings_field_and_documented() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert {o.name for o in OPTIONS} == fields
    assert all(o.description.endswith(".") for o in OPTIONS)
