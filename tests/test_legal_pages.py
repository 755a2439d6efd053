"""The legal pages show the deployment's facts (publication director, host, DPO) from the
configuration, and the accessibility status is the same in the footer and the declaration."""

import importlib
import re

import pytest

import config as config_module
from labapp import create_app
from labapp.extensions import db

LEGAL = {
    "LEGAL_PUBLICATION_DIRECTOR": "La directrice du numérique de test",
    "LEGAL_HOST_NAME": "Hébergeur de test SAS",
    "LEGAL_HOST_ADDRESS": "1 rue de l'Essai, 99999 Testville",
    "LEGAL_DPO_EMAIL": "dpo-test@example.org",
    "LEGAL_DPO_ADDRESS": "Délégué de test, 2 rue de l'Essai, 99999 Testville",
}


def test_defaults_are_the_ministry_placeholders(client):
    legal = client.get("/pages/mentions-legales").get_data(as_text=True)
    assert "Le secrétaire général du ministère de l&#39;Intérieur." in legal
    assert "direction du numérique (DNUM)" in legal and "Place Beauvau, 75008 Paris" in legal
    privacy = client.get("/pages/donnees-personnelles").get_data(as_text=True)
    assert 'href="mailto:dpd@interieur.gouv.fr"' in privacy
    assert "75800 Paris Cedex 08" in privacy


def test_a_deployment_sets_them_in_the_configuration(app_config):
    app = create_app({**app_config, **LEGAL})
    with app.app_context():
        client = app.test_client()
        legal = client.get("/pages/mentions-legales").get_data(as_text=True)
        privacy = client.get("/pages/donnees-personnelles").get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()
    assert "La directrice du numérique de test." in legal
    assert "Hébergeur de test SAS" in legal and "1 rue de l&#39;Essai, 99999 Testville" in legal
    assert "secrétaire général" not in legal and "DNUM" not in legal
    assert 'href="mailto:dpo-test@example.org"' in privacy and "dpd@interieur.gouv.fr" not in privacy
    assert "Délégué de test, 2 rue de l&#39;Essai, 99999 Testville" in privacy


@pytest.fixture
def reload_config(monkeypatch):
    """Reload config.py under a changed environment, then restore it."""
    def load(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(config_module)

    yield load
    monkeypatch.undo()
    importlib.reload(config_module)


def test_settings_are_read_from_the_environment(reload_config):
    loaded = reload_config(**LEGAL)
    for name, value in LEGAL.items():
        assert getattr(loaded.Config, name) == value
        assert getattr(loaded.ProductionConfig, name) == value



def test_footer_status_matches_the_declaration(client):
    home = client.get("/").get_data(as_text=True)
    footer = re.search(r"Accessibilité : (\w+ conforme)", home).group(1)
    declaration = client.get("/pages/accessibilite").get_data(as_text=True)
    assert f"est <strong>{footer}</strong>" in declaration
    assert "30 novembre 2026" in declaration
    legal = client.get("/pages/mentions-legales").get_data(as_text=True)
    assert f"L'application est {footer} au" in legal
