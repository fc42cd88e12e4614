"""BrandingThemes (``/api.xro/2.0/BrandingThemes``): read-only, seeded per organisation.

``GET /BrandingThemes`` (ordered by ``SortOrder``) and ``GET /BrandingThemes/{BrandingThemeID}``;
the theme with the lowest ``SortOrder`` is the default that sales documents fall back to.
"""

from .. import wire
from .base import Collection


def default_theme(ctx):
    themes = sorted(ctx.store("BrandingThemes").values(), key=lambda t: t.get("SortOrder", 0))
    return themes[0] if themes else None


def find_theme(ctx, theme_id):
    wanted = str(theme_id).lower()
    return next((t for i, t in ctx.store("BrandingThemes").items() if i.lower() == wanted), None)


class BrandingThemes(Collection):
    plural = "BrandingThemes"
    id_field = "BrandingThemeID"
    singular = "branding theme"
    paged = False
    read_scopes = ("accounting.settings.read", "accounting.settings")
    write_scopes = ()
    fields = frozenset(("BrandingThemeID", "Name", "LogoUrl", "Type", "SortOrder", "CreatedDateUTC"))
    default_order = ((("SortOrder",), False), (("Name",), False))
    defaults = {"Type": "INVOICE"}
    error_flag = None

    def scopes_for(self, method, parts=()):
        return self.read_scopes

    def handle(self, ctx, req, parts):
        if req.method != "GET" or len(parts) > 1:
            return wire.not_found()
        return super().handle(ctx, req, parts)

    def render(self, record, summary=False, ctx=None):
        out = super().render(record, summary, ctx)
        out.pop("UpdatedDateUTC", None)  # not a BrandingTheme field
        return out

    def seed(self, ctx, record):
        record = super().seed(ctx, record)
        record.setdefault("CreatedDateUTC", record["UpdatedDateUTC"])
        record.setdefault("SortOrder", len(ctx.store(self.plural)) - 1)
        return record
