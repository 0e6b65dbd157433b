"""The stand-in's schema is Consonance's as its public documentation shows it.

Each query below selects what one of Consonance's documented example queries selects (GeneralProducts/
consonance-graphql, examples/, and its schema pages), with the same root fields, arguments, aliases,
fragments and fields; the example's file is named. Every one must validate against the stand-in's schema.
"""

from __future__ import annotations

import re

import pytest
from graphql import GraphQLSchema, parse, validate

from bookbridge.adapters.consonance.client import DEFAULT_QUERIES_DIR, load_query
from bookbridge.adapters.consonance.standin import LEAN_TENANT
from bookbridge.adapters.consonance.standin.schema import build_standin_schema

_CONTRIBUTIONS = """
  contributions {
    id sequenceNumber productIds onixContributorRoleCode onixContributorRole { description }
    contributor { id __typename name ... on Person { keyNames personName personNameInverted }
                  ... on Organisation { organisationName } }
  }"""

_MAIN_SUBJECTS = """
  mainBicCode: subjectCodes(schemesIn: [BIC], mainOnly: true) { __typename code description main }
  mainThema: subjectCodes(schemesIn: [THEMA], mainOnly: true) {
    __typename code description main ... on Thema { parentCode }
  }
  mainBisac: subjectCodes(schemesIn: [BISAC], mainOnly: true) { __typename code description }"""

_WORK_MARKETING = """
  id identifyingDoi inHouseWorkReference title subtitle authorshipDescription contributorPrettyList
  contributions { id productIds onixContributorRoleCode onixContributorRole { description }
                  contributor { __typename name } }
  editionNumber""" + _MAIN_SUBJECTS + """
  marketingTexts { onixContentAudienceCodes onixContentAudiences { description } id fromDate
                   externalTextNumberOfCharacters externalText internalTextNumberOfCharacters internalText }
  marketingTier onixEditionTypeCodes
  prizes { id prizeName onixPrizeAchievementCode prizeJury prizeYear prizeStatement prizeable { id }
           onixPrizeAchievement { __typename value code description notes } productIds }
  season
  seriesMemberships { series { __typename name subtitle id } }
  similarProducts { inHouseEdition { id } contributions { __typename contributor { name }
                    onixContributorRole { description } } authorshipDescription id isbn { isbn13 } fullTitle }"""

_REPORT_PRODUCT = """
  id __typename isbn { isbn10 isbn13 isbnWithDashes }
  shortDescription: marketingTexts(variantIn: [SHORT_DESCRIPTION]) { externalText }
  gbp_consumer_price: prices(priceSearch: {currencyCodeIn: [GBP], onixPriceTypeCodeIn: [_02],
                                           onixPriceTypeQualifierCodeIn: [_05]}) { amount }
  fullTitle titleWithoutPrefix titlePrefix subtitle authorshipDescription productAuthorshipDescription
  onix21ProductForm { code description notes isDeprecated } onix21ProductFormCode
  publicationDate publicationDateString: publicationDateString(directives: "%-d %B %Y")
  publicationYear: publicationDateString(directives: "%Y")
  plannedPublicationDate plannedPublicationDateString: plannedPublicationDateString(directives: "%-d %B %Y")
  onixPublishingStatusCode onixPublishingStatus { code description notes isDeprecated }
  ... on PhysicalBookProduct {
    productHeightMm: productHeight productWidthMm: productWidth
    productHeightCm: productHeight(unit: CM) productWidthCm: productWidth(unit: CM)
    productHeightIn: productHeight(unit: IN) productWidthIn: productWidth(unit: IN)
    approximatePageCount productionPageCount mainContentPageCount frontMatterPageCount backMatterPageCount
    totalNumberedPages contentPageCount totalUnnumberedInsertPageCount wordCount
  }
  prices(priceSearch: {currencyCodeIn: [GBP, AUD]}) { id }
  inHouseFormat { name code productsCount inHouseEditions { code } }
  inHouseEdition { name code inHouseFormats { code } }
  forSaleCountryCodes notForSaleCountryCodes salesRightsDescription isForSaleWorldwide
  webLinks { id link role note }"""

_REPORT_WORK = """
  id identifyingDoi inHouseWorkReference title titleInOriginalLanguage subtitle subtitleInOriginalLanguage
  titleStatement abbreviatedTitle contributorPrettyList workType yearOfAnnual acronym alternativeTitles
  authorshipDescription projectStage publishersUrl salesforceUid supportingResources { url caption } season
  audience { description onixAudiences { code } contentWarnings { code } contentWarnings { description } }
  ebookLccn editionNumber editionStatement lcChildrensSubjectHeading lcFictionGenreHeading lcSubjectHeading
  lcSubjectHeadingRegion lccn
  seriesMemberships { yearOfAnnual partNumber id
                      series { name titleWithSubtitle subtitle id printIssn onlineIssn } }""" + _CONTRIBUTIONS + """
  similarProducts { authorshipDescription id isbn { isbn13 } fullTitle inHouseEdition { id }
                    contributions { contributor { name } onixContributorRole { description } } }""" + \
    _MAIN_SUBJECTS + """
  prizes { id prizeName onixPrizeAchievementCode prizeJury prizeYear prizeStatement
           onixPrizeAchievement { value code description } }"""

_PART = "id productIds products { id }"

EXAMPLES: dict[str, str] = {
    "products.gql": "{ products { id publicationDate isbn { isbn13 isbn10 isbnWithDashes } } }",
    "products_and_their_works.gql":
        "{ products { id publicationDate isbn { isbn13 } work { id title lcSubjectHeading } } }",
    "filtered_products_and_their_work.gql":
        "{ products(productSearch: {onix21ProductFormCodeIn: [BB, BC]}) { id onix21ProductFormCode "
        "onix21ProductForm { code description } work { id } } }",
    "products_filtered_by_work_attributes.gql":
        '{ products(productSearch: {onix21ProductFormCodeIn: [BB, BC]}, workSearch: {titleCont: "phys"}) '
        "{ id onix21ProductFormCode onix21ProductForm { code description } work { title } } }",
    "products_filtered_by_price_and_format.md":
        "{ products(priceSearch: {amountLteq: 0.99}, productSearch: {onix21ProductFormCodeIn: [DG]}) "
        "{ id isbn { isbn13 } onix21ProductFormCode onix21ProductForm { code description } "
        "onixPublishingStatusCode onixPublishingStatus { code description } work { title } } }",
    "works_and_their_products.gql":
        "{ works { id title lcSubjectHeading products { id publicationDate isbn { isbn13 } } } }",
    "works_filtered_by_product.gql":
        '{ works(productSearch: {publicationDateGt: "2000-01-01"}) { id title products { publicationDate } } }',
    "works_filtered by product_and_filtered_products.gql":
        '{ works(productSearch: {publicationDateGt: "2000-01-01"}) { id title '
        'products(productSearch: {publicationDateGt: "2000-01-01"}) { publicationDate } } }',
    "works_and_their_marketing_material.md":
        "query WorkType { work(workSearch: {idEq: 91804}) {" + _WORK_MARKETING + "} }",
    # This example declares `$workId: String!` for the idEq its sibling above gives the literal 91804: no one
    # type accepts both (see WorkSearchAttributes in schema.graphql), so here the variable is an Int.
    "works_and_marketing_material.md":
        "query GetWorkDetailsById($workId: Int!) { work(workSearch: {idEq: $workId}) {" + _WORK_MARKETING + "} }",
    "works_and_product_production_run_details.md":
        "query WorkType { work(workSearch: {idEq: 91804}) { id inHouseWorkReference title subtitle workType "
        "productionRuns { id name deliveryDate productIds "
        "quantities { id quantity name description receivedQuantity productId } "
        "bindings { id widthOfBoard pageBindingMethod trimmingMethod endpapers caseSpineStyle description "
        f"bindingInstructions {_PART} }} "
        f"covers {{ id paper coverType coverColoursOutside coverColoursOutsideDescription coverNotes {_PART} }} "
        f"embellishments {{ id name description {_PART} }} finishes {{ id name description {_PART} }} "
        f"interiors {{ id paper textColour textColourDescription textPrintInstructions fsc {_PART} }} }} "
        "projectStage season } }",
    "sample_ai.md / sample_production_request_form.md":
        '{ product(productSearch: {isbn13Eq: "9781999990015"}) { id fullTitle subtitle publicationDate '
        "plannedPublicationDate isbn { isbn10 isbn13 } marketingTexts { externalText } "
        "inHouseEdition { name code inHouseFormats { code } } supportingResources { url caption }"
        + _CONTRIBUTIONS + " } }",
    "sample_dashboard.md": "query { products {" + _REPORT_PRODUCT + " work { id } } }",
    "sample_custom_report.md": "query { products {" + _REPORT_PRODUCT + " work {" + _REPORT_WORK + "} } }",
    "bookbridge's minimal family sync":
        "query($after: Int, $since: ISO8601Date) { works(productSearch: {changedSince: $since}, "
        "workSearch: {after: $after}) { id title subtitle contributorPrettyList editionStatement imprint { name } "
        "seriesMemberships { partNumber series { id name } } supportingResources { url caption } "
        "products(productSearch: {changedSince: $since}) { id __typename isbn { isbn13 } fullTitle "
        "onix21ProductFormCode onixPublishingStatusCode publicationDate plannedPublicationDate "
        "forSaleCountryCodes notForSaleCountryCodes isForSaleWorldwide prices { amount currencyCode "
        "onixPriceTypeCode onixPriceTypeQualifierCode effectiveFrom effectiveTo } marketingTexts { externalText } "
        "... on PhysicalBookProduct { productHeight productWidth productThickness approximatePageCount } "
        "... on ElectronicBookProduct { allowOnixExports asin absolutePageCount } } } }",
}


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_standin_schema()


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_every_documented_example_query_validates(schema: GraphQLSchema, example: str) -> None:
    assert validate(schema, parse(EXAMPLES[example])) == []


def test_the_examples_that_were_missing_are_there(schema: GraphQLSchema) -> None:
    """Fields and arguments the stand-in once lacked; each example above depends on one of them."""
    product, work = schema.type_map["Product"], schema.type_map["Work"]
    assert {"onix21ProductForm", "onixPublishingStatus"} <= set(product.fields)  # type: ignore[attr-defined]
    assert "lcSubjectHeading" in work.fields  # type: ignore[attr-defined]
    assert "priceSearch" in schema.query_type.fields["products"].args  # type: ignore[union-attr]


def test_an_unknown_field_does_not_validate(schema: GraphQLSchema) -> None:
    [error] = validate(schema, parse("{ products { id colourOfSpine } }"))
    assert "colourOfSpine" in error.message


def test_our_documents_validate_and_the_lean_tenant_lacks_just_the_undocumented_fields() -> None:
    document = parse(load_query("works"))
    assert validate(build_standin_schema(), document) == []
    marked = set(re.findall(r"^\s*(\w+)(?:\(.*\))?\s+# UNDOCUMENTED",
                            (DEFAULT_QUERIES_DIR / "works.graphql").read_text(encoding="utf-8"), re.MULTILINE))
    assert marked == {name.split(".")[1] for name in LEAN_TENANT}
    lean = build_standin_schema(omit_fields=LEAN_TENANT)
    assert {e.message.split("'")[1] for e in validate(lean, document)} == marked


def test_omitting_an_unknown_field_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"Product\.colourOfSpine"):
        build_standin_schema(omit_fields=("Product.colourOfSpine",))
