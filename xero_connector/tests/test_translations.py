"""Translations: the committed template is current, and Xero's errors reach people in their language."""

import warnings
from pathlib import Path
from unittest.mock import patch

import polib

from odoo.exceptions import UserError
from odoo.tests import TransactionCase
from odoo.tools.translate import TranslationModuleReader, code_translations

from .common import ConnectedXeroCase, tagged

POT = Path(__file__).resolve().parent.parent / "i18n" / "xero_connector.pot"


@tagged("post_install", "-at_install")
class TestTranslationTemplate(TransactionCase):

    def test_pot_is_current(self):
        """The msgids Odoo's exporter finds in the module now are those of i18n/xero_connector.pot."""
        self.assertTrue(POT.is_file(), f"{POT} is missing: run scripts/make_pot.sh")
        committed = {entry.msgid for entry in polib.pofile(str(POT)) if not entry.obsolete}
        # a file the exporter cannot read (an f-string inside _() does it) loses its terms silently
        with self.assertNoLogs("odoo.tools.translate", level="ERROR"), warnings.catch_warnings():
            # babel imports the deprecated pkg_resources on its first extraction (setuptools' warning)
            warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
            current = {row[4] for row in TranslationModuleReader(self.env.cr, modules=["xero_connector"])}
        missing, stale = sorted(current - committed), sorted(committed - current)
        self.assertFalse(missing or stale, (
            f"i18n/xero_connector.pot is not current: run scripts/make_pot.sh and commit the result.\n"
            f"  {len(missing)} terms not in the template, e.g. {missing[:5]}\n"
            f"  {len(stale)} terms no longer in the code, e.g. {stale[:5]}"))
        # the client's messages are written as _() calls so that the exporter finds them
        self.assertIn("Xero could not find that record.", current)
        self.assertIn("%(hours)s h %(minutes)s min", current)
        self.assertIn("e-mail", current)  # the engine's lazy match-key words


@tagged("post_install", "-at_install")
class TestTranslatedXeroErrors(ConnectedXeroCase):

    def test_client_error_in_the_users_language(self):
        """Test Connection answered 404 by Xero: the whole message is in the user's language."""
        self.env["res.lang"]._activate_lang("fr_FR")
        french = {
            "Xero connection test failed: %(error)s": "Échec du test de connexion Xero : %(error)s",
            "Xero could not find that record.": "Xero n'a pas trouvé cet enregistrement.",
        }
        self.sandbox.fault(method="GET", path="/api.xro/2.0/Organisation", count=2, status=404)
        with patch.dict(code_translations.python_translations, {("xero_connector", "fr_FR"): french}):
            with self.assertRaises(UserError) as raised:
                self.connection.with_context(lang="fr_FR").action_test()
        self.assertEqual(str(raised.exception.args[0]),
                         "Échec du test de connexion Xero : Xero n'a pas trouvé cet enregistrement.")
        # and in English for an English user (the same fault, the same code path)
        with self.assertRaises(UserError) as raised:
            self.connection.with_context(lang="en_US").action_test()
        self.assertEqual(str(raised.exception.args[0]), "Xero connection test failed: Xero could not find that record.")
