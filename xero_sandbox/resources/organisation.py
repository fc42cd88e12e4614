"""``GET /api.xro/2.0/Organisation``: the one organisation behind the tenant id."""

from .. import wire

VERSIONS = {"AU": "AU", "NZ": "NZ", "GB": "UK", "US": "US"}


def organisation_json(org):
    """An Organisation as Xero shows it ([OAS] Organisation; unset fields omitted)."""
    return wire.strip_nulls({
        "OrganisationID": org.tenant_id,
        "Name": org.name,
        "LegalName": org.legal_name or org.name,
        "PaysTax": True,
        "Version": VERSIONS.get(org.country_code, "GLOBAL"),
        "OrganisationType": "COMPANY",
        "BaseCurrency": org.base_currency,
        "CountryCode": org.country_code,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 12,
        "PeriodLockDate": wire.ms_date(wire.iso_date(org.period_lock_date)) if org.period_lock_date else None,
        "EndOfYearLockDate": (wire.ms_date(wire.iso_date(org.end_of_year_lock_date))
                              if org.end_of_year_lock_date else None),
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": wire.ms_date(org.created, offset=False),
        "Timezone": org.timezone,
        "OrganisationEntityType": "COMPANY",
        "ShortCode": org.short_code,
    })


class Organisation:
    """Read-only singleton; registered like a collection."""

    plural = "Organisations"
    path = "Organisation"
    read_scopes = ("accounting.settings.read",)
    write_scopes = ("accounting.settings",)

    def scopes_for(self, method, parts=()):
        return self.read_scopes + self.write_scopes

    def handle(self, ctx, req, parts):
        if req.method != "GET" or parts:
            return wire.not_found()
        return ctx.ok(self.plural, [organisation_json(ctx.org)])
