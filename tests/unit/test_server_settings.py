"""Server settings from the editor: merged key by key, a wrong value never costs the others."""

from __future__ import annotations

from vespera.lsp.settings import ServerSettings, automation_held, read_settings


def test_settings_sent_later_keep_the_keys_they_do_not_mention() -> None:
    first, _ = read_settings({"diagnosticsDelayMs": 50})
    second, problem = read_settings({"vespera": {"tagHygiene": False}}, first)
    assert problem == ""
    assert second.diagnostics_delay_ms == 50 and second.tag_hygiene is False


def test_a_wrong_value_is_reported_and_only_it_is_kept_as_before() -> None:
    settings, problem = read_settings({"diagnosticsDelayMs": -5, "indexDelayMs": 100})
    assert settings.diagnostics_delay_ms == ServerSettings().diagnostics_delay_ms
    assert settings.index_delay_ms == 100
    assert "diagnosticsDelayMs" in problem


def test_unknown_keys_are_ignored_and_non_objects_refused() -> None:
    settings, problem = read_settings({"someFutureSetting": 1})
    assert settings == ServerSettings() and problem == ""
    _, problem = read_settings(["not", "an", "object"])
    assert "must be an object" in problem


def test_a_workspace_is_trusted_unless_the_editor_says_it_is_not() -> None:
    assert ServerSettings().trusted is True
    assert automation_held(ServerSettings()) is None
    untrusted, problem = read_settings({"trusted": False})
    assert problem == "" and automation_held(untrusted) == "the workspace is not trusted"
    off, _ = read_settings({"automation": False}, untrusted)
    assert automation_held(off) == "automation is switched off in the settings"
    trusted, _ = read_settings({"trusted": True}, untrusted)
    assert automation_held(trusted) is None
