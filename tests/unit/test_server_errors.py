"""How the server reports errors outside a request's own answer."""

from __future__ import annotations

from pygls.exceptions import FeatureRequestError, JsonRpcInvalidParams

from vespera.lsp.server import VesperaServer


class _Recording(VesperaServer):
    def __init__(self) -> None:
        super().__init__()
        self.told: list[str] = []

    def tell_user(self, message: str, warning: bool = False) -> None:
        self.told.append(message)


def test_a_bug_in_a_feature_is_told_to_the_user_in_one_sentence() -> None:
    server = _Recording()
    server.report_server_error(KeyError("x"), FeatureRequestError)
    assert server.told == [
        "Vespera hit an unexpected error (KeyError); the details are in its log. "
        "Other features go on working."
    ]


def test_bad_input_answered_with_an_error_is_not_reported_again() -> None:
    server = _Recording()
    server.report_server_error(JsonRpcInvalidParams("outside the vault"), FeatureRequestError)
    assert server.told == []
